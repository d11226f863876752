"""Accounts: register, login, sessions, password change, throttling, safe next."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from portal.auth.models import AuthSession, SecurityEvent, User
from portal.extensions import db

from .support.helpers import PASSWORD, Client, make_user

RECEIVED = "您的注册已收到"  # "Your registration was received." (zh_Hans, the default)


def _register(c, username, name="X", password=PASSWORD):
    return c.post("/register", {"username": username, "display_name": name, "password": password,
                                "confirm": password}, token_from="/register")


def test_register_then_sign_in(client):
    r = _register(client, "Wang.Ming", "王明")
    assert r.status_code == 303 and r.headers["Location"] == "/login"
    assert RECEIVED in client.get("/login").get_data(as_text=True)
    user = db.session.execute(select(User).where(User.username == "wang.ming")).scalar_one()
    assert user.password_hash.startswith("scrypt:")
    assert PASSWORD not in user.password_hash
    assert client.get("/account").status_code in (302, 303)  # not signed in by registering
    client.login("Wang.Ming")  # ... but right after, with what they chose
    assert "王明" in client.get("/account").get_data(as_text=True)


def test_register_with_mobile_number(client):
    r = _register(client, "138 0013 8000", "孙")
    assert r.status_code == 303
    assert db.session.execute(select(User).where(User.username == "13800138000")).scalar_one()
    client.login("+86 138-0013-8000")


@pytest.mark.parametrize("written", ["13800000001", "138-0000-0001", "+86 138 0000 0001", "0086 13800000001",
                                     "１３８００００００01", "(138) 0000 0001"])
def test_mobile_numbers_are_one_account_however_written(app, written):
    from portal.auth.services import normalise_login

    assert normalise_login(written) == "13800000001"


def _answer(c, username):
    """What a visitor sees of a registration: its status, where it goes, and that page's text
    (the CSRF token and the one-time token aside)."""
    r = _register(c, username, "Zhang San", "another-pass-1")
    follow = c.get(r.headers["Location"]) if r.status_code == 303 else r
    text = re.sub(r'value="[^"]{20,}"', "", follow.get_data(as_text=True))
    return r.status_code, r.headers.get("Location"), text


def test_registration_does_not_tell_whether_an_account_exists(app):
    """The outside tester's probe (issue 19, finding 6): zhang, ZHANG, 13800000001, 138-0000-0001."""
    make_user("zhang")
    make_user("13800000001")
    fresh = _answer(Client(app), "nobody.here")
    for taken in ("zhang", "ZHANG", "13800000001", "138-0000-0001", "+86 138 0000 0001"):
        assert _answer(Client(app), taken) == fresh, taken
    # The existing accounts are untouched, and the new one works.
    for login in ("zhang", "13800000001"):
        Client(app).login(login)
    assert Client(app).post("/login", {"login": "zhang", "password": "another-pass-1"}).status_code == 400
    Client(app).login("nobody.here", "another-pass-1")
    assert db.session.execute(select(func.count()).select_from(User)).scalar_one() == 3
    kinds = db.session.execute(select(SecurityEvent.kind, SecurityEvent.login_attempted)
                               .where(SecurityEvent.kind == "register_taken")).all()
    assert len(kinds) == 5 and {k.login_attempted for k in kinds} == {None}  # nothing personal kept


def test_bad_names_keep_input(client):
    for bad in ("ab", "1abc", "a" * 40, "<script>", "中文名"):
        r = _register(client, bad)
        assert r.status_code == 400, bad
        assert 'value="X"' in r.get_data(as_text=True)  # nothing typed is lost
    assert db.session.execute(select(func.count()).select_from(User)).scalar_one() == 0


def test_registrations_are_limited_per_address(app):
    app.config["REGISTRATIONS_PER_ADDRESS"] = "3 per hour"
    make_user("zhang")
    c = Client(app)
    assert _register(c, "1x").status_code == 400  # a refused form is not a registration: not counted
    for name in ("zhang", "newone", "newtwo"):  # taken or not, each counts
        assert _register(c, name).status_code == 303
    r = _register(c, "newthree")
    assert r.status_code == 429
    page = r.get_data(as_text=True)
    assert "注册次数太多" in page and "请等一小时" in page, page[page.find("<main"):page.find("</main>")]
    assert db.session.execute(select(User).where(User.username == "newthree")).scalar_one_or_none() is None
    assert Client(app).get("/register").status_code == 200  # a GET is never refused


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
    client.login("oldman")
    page = client.get("/").get_data(as_text=True)
    assert "mode-large" in page and 'lang="en"' in page
