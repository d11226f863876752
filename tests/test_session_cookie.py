"""What the signed session cookie holds (issue 19, finding 11). It is signed, not encrypted: anyone
who sees the cookie reads it. docs/features.md ("Accounts") lists exactly this."""
from __future__ import annotations

import hashlib

from sqlalchemy import select

from portal.auth.models import AuthSession

from .support.forms import en
from .support.helpers import Client, make_user, membership


def _cookie(app, c) -> dict:
    cookie = c.http.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
    assert cookie is not None
    return app.session_interface.get_signing_serializer(app).loads(cookie.value)


def test_a_visitors_cookie_holds_only_the_csrf_secret(app):
    c = Client(app)
    c.get("/login")
    data = _cookie(app, c)
    assert set(data) == {"csrf_token"}
    assert len(data["csrf_token"]) >= 40  # a random secret (the forms carry a signed token made from it)


def test_a_signed_in_cookie_holds_the_session_token_csrf_secret_and_flashes(app):
    user = make_user("olga")
    c = Client(app)
    c.login("olga")
    data = _cookie(app, c)
    # Signing in starts the cookie afresh (no fixation): the session token and Flask-Login's marks;
    # the CSRF secret comes back with the next form shown.
    assert set(data) == {"_user_id", "_fresh", "_id"}
    c.get("/account/profile")
    assert set(_cookie(app, c)) == {"_user_id", "_fresh", "_id", "csrf_token"}
    token = data["_user_id"]
    assert token not in (str(user.id), "olga") and len(token) >= 40  # a random token, not who it is
    stored = select(AuthSession).where(AuthSession.token_hash == hashlib.sha256(token.encode()).hexdigest())
    assert app.extensions["sqlalchemy"].session.execute(stored).scalar_one().user_id == user.id
    assert len(data["_id"]) == 128  # Flask-Login's hash of the address and browser (session protection)
    # A flash waits in the cookie until the next page shows it, then leaves.
    c.post("/account/profile", {"display_name": "Olga B", "locale": ""}, token_from="/account/profile")
    assert "_flashes" in _cookie(app, c)
    c.get("/account/profile")
    assert "_flashes" not in _cookie(app, c)
    assert "olga" not in str(_cookie(app, c)).lower() and "Olga B" not in str(_cookie(app, c))


def test_a_printed_cards_link_waits_in_the_cookie_for_one_request(app, world):
    coma = en(app, "coma")
    member = membership(world.a, world["resa"])
    r = coma.post(f"/c/dorf-a/roster/cards/{member.id}", token_from="/c/dorf-a/members")
    assert r.status_code == 303
    waiting = _cookie(app, coma)["printed_card"]
    assert set(waiting) == {"card", "member", "token"}
    coma.get(r.headers["Location"])
    assert "printed_card" not in _cookie(app, coma)
