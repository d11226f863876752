"""Accounts: register, login, sessions, password change, throttling, safe next."""
from __future__ import annotations

from sqlalchemy import func, select

from portal.auth.models import AuthSession, SecurityEvent, User
from portal.extensions import db

from .support.helpers import PASSWORD, Client, make_user


def test_register_then_signed_in(client):
    r = client.post("/register", {"username": "Wang.Ming", "display_name": "王明", "password": PASSWORD,
                                  "confirm": PASSWORD}, token_from="/register")
    assert r.status_code == 303
    user = db.session.execute(select(User).where(User.username == "wang.ming")).scalar_one()
    assert user.password_hash.startswith("scrypt:")
    assert PASSWORD not in user.password_hash
    page = client.get("/account").get_data(as_text=True)
    assert "王明" in page


def test_register_with_mobile_number(client):
    r = client.post("/register", {"username": "138 0013 8000", "display_name": "孙", "password": PASSWORD,
                                  "confirm": PASSWORD}, token_from="/register")
    assert r.status_code == 303
    assert db.session.execute(select(User).where(User.username == "13800138000")).scalar_one()


def test_register_duplicate_and_bad_names_keep_input(client):
    make_user("taken")
    r = client.post("/register", {"username": "taken", "display_name": "X", "password": PASSWORD,
                                  "confirm": PASSWORD}, token_from="/register")
    assert r.status_code == 400
    assert 'value="X"' in r.get_data(as_text=True)  # nothing typed is lost
    for bad in ("ab", "1abc", "a" * 40, "<script>", "中文名"):
        r = client.post("/register", {"username": bad, "display_name": "X", "password": PASSWORD,
                                      "confirm": PASSWORD}, token_from="/register")
        assert r.status_code == 400, bad
    assert db.session.execute(select(func.count()).select_from(User)).scalar_one() == 1


def test_password_mismatch_and_short(client):
    r = client.post("/register", {"username": "abc", "display_name": "X", "password": PASSWORD,
                                  "confirm": PASSWORD + "x"}, token_from="/register")
    assert r.status_code == 400
    r = client.post("/register", {"username": "abc", "display_name": "X", "password": "short",
                                  "confirm": "short"}, token_from="/register")
    assert r.status_code == 400


def test_login_renews_session_and_logout_ends_it(app):
    make_user("amy")
    c = Client(app)
    c.get("/login")
    before = c.http.get_cookie("session").value
    c.login("amy")
    after = c.http.get_cookie("session").value
    assert before != after
    assert c.get("/account").status_code == 200
    stolen = after
    c.logout()
    assert db.session.execute(select(func.count()).select_from(AuthSession)).scalar_one() == 0
    # Replaying the old cookie does not bring the session back.
    thief = Client(app)
    thief.http.set_cookie("session", stolen)
    assert thief.get("/account").status_code == 303


def test_password_change_ends_other_sessions(app):
    make_user("bob")
    laptop, phone = Client(app), Client(app)
    laptop.login("bob")
    phone.login("bob")
    r = laptop.post("/account/password", {"current": PASSWORD, "new": "another-pass-1", "confirm": "another-pass-1"},
                    token_from="/account/password")
    assert r.status_code == 303
    assert laptop.get("/account").status_code == 200
    assert phone.get("/account").status_code == 303  # signed out
    fresh = Client(app)
    fresh.login("bob", "another-pass-1")


def test_password_change_wrong_current(app):
    make_user("carl")
    c = Client(app)
    c.login("carl")
    r = c.post("/account/password", {"current": "wrong-pass-x", "new": "another-pass-1", "confirm": "another-pass-1"},
               token_from="/account/password")
    assert r.status_code == 400
    Client(app).login("carl")  # the old password still works


def test_wrong_password_is_generic_and_logged(client):
    make_user("dora")
    for login in ("dora", "ghost"):
        r = client.post("/login", {"login": login, "password": "wrong-password"})
        assert r.status_code == 400
        assert "The user name or password is not correct." in r.get_data(as_text=True) or \
            "用户名或密码不正确" in r.get_data(as_text=True)
    kinds = db.session.execute(select(SecurityEvent.kind)).scalars().all()
    assert kinds.count("login_failed") == 2


def test_throttling_per_account(app):
    make_user("eve")
    c = Client(app)
    for _ in range(5):
        assert c.post("/login", {"login": "eve", "password": "nope-nope"}).status_code == 400
    r = c.post("/login", {"login": "eve", "password": PASSWORD})
    assert r.status_code == 429  # even the right password waits
    other = Client(app)
    make_user("fred")
    other.login("fred")  # other accounts are not affected


def test_throttling_per_address(app):
    app.config["LOGIN_FAILURES_PER_ADDRESS"] = "3 per 15 minutes"
    make_user("gina")
    c = Client(app)
    for name in ("x1x", "x2x", "x3x"):
        c.post("/login", {"login": name, "password": "nope-nope"})
    assert c.post("/login", {"login": "gina", "password": PASSWORD}).status_code == 429


def test_next_only_local(app):
    make_user("hans")
    for target, expected in (("/account", "/account"), ("https://evil.example/", "/"),
                             ("//evil.example/", "/"), ("/\\evil.example", "/"), ("javascript:alert(1)", "/")):
        c = Client(app)
        r = c.post("/login", {"login": "hans", "password": PASSWORD, "next": target})
        assert r.status_code == 303
        assert r.headers["Location"] == expected, target


def test_profile_saves_language_and_modes(app):
    make_user("ida")
    c = Client(app)
    c.login("ida")
    r = c.post("/account/profile", {"display_name": "Ida B", "locale": "en", "large": "y", "contrast": "y"},
               token_from="/account/profile")
    assert r.status_code == 303
    page = c.get("/").get_data(as_text=True)
    assert 'lang="en"' in page
    assert "mode-large" in page and "mode-contrast" in page


def test_security_headers(client):
    r = client.get("/")
    csp = r.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp
    for part in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "script-src 'self'"):
        assert part in csp


def test_session_cookie_flags(app):
    make_user("jan")
    c = Client(app)
    r = c.post("/login", {"login": "jan", "password": PASSWORD})
    cookie = [h for h in r.headers.getlist("Set-Cookie") if h.startswith("session=")][0]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_visitor_choices_carry_over_to_the_new_account(client):
    client.get("/display?toggle=large&next=/")
    client.get("/?lang=en")
    r = client.post("/register", {"username": "oldman", "display_name": "Old", "password": PASSWORD,
                                  "confirm": PASSWORD}, token_from="/register")
    assert r.status_code == 303
    user = db.session.execute(select(User).where(User.username == "oldman")).scalar_one()
    assert user.display_large is True and user.display_contrast is False and user.locale == "en"
    page = client.get("/").get_data(as_text=True)
    assert "mode-large" in page and 'lang="en"' in page
