"""Every account form with each bad input it refuses: the same form again (400), input kept,
the message at its field and in the error summary; registration sent twice makes one account."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.auth.models import SecurityEvent, User
from portal.extensions import db

from .support.forms import en, refused
from .support.helpers import PASSWORD

pytestmark = pytest.mark.usefixtures("fast_passwords")  # conftest: a cheap password hash


REGISTER = {"username": "newcomer", "display_name": "Wang Xiuying", "password": "long-enough-1",
            "confirm": "long-enough-1"}


@pytest.mark.parametrize("change, field, message", [
    ({"username": "1x"}, "username", "Choose a user name of 3 to 32 letters"),
    ({"username": ""}, "username", "This field is required."),
    ({"display_name": ""}, "display_name", "This field is required."),
    ({"password": "short", "confirm": "short"}, "password", "Field must be between 8 and 128 characters long."),
    ({"confirm": "something-else"}, "confirm", "The two passwords differ."),
])
def test_register_refusals(app, world, change, field, message):
    c = en(app, "visitor")
    before = db.session.execute(select(func.count()).select_from(User)).scalar_one()
    data = {**REGISTER, **change}
    r = c.post("/register", data)
    kept = [data["display_name"]] if data["display_name"] else []
    if field != "username" and data["username"]:
        kept.append(data["username"])
    refused(r, 'action="/register"', message, field, kept)
    assert "long-enough-1" not in r.get_data(as_text=True)  # a password is never sent back
    assert db.session.execute(select(func.count()).select_from(User)).scalar_one() == before


def test_register_twice_makes_one_account(app, world):
    c = en(app, "visitor")
    first = c.post("/register", REGISTER)
    assert first.status_code == 303
    again = c.post("/register", REGISTER)  # Back and send: the same answer, nothing more made
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"] == "/login"
    assert db.session.execute(select(func.count()).select_from(User).where(User.username == "newcomer")).scalar_one() == 1


@pytest.mark.parametrize("data, field, message", [
    ({"login": "coma", "password": "wrong-password"}, None, "The user name or password is not correct."),
    ({"login": "ghost", "password": "wrong-password"}, None, "The user name or password is not correct."),
    ({"login": "", "password": "wrong-password"}, "login", "This field is required."),
    ({"login": "coma", "password": ""}, "password", "This field is required."),
])
def test_login_refusals(app, world, data, field, message):
    c = en(app, "visitor")
    r = c.post("/login", data)
    refused(r, 'action="/login"', message, field, [data["login"]] if data["login"] else [])
    if field is None:  # a failed attempt is recorded although the form's transaction was rolled back
        kinds = db.session.execute(select(SecurityEvent.kind)).scalars().all()
        assert "login_failed" in kinds


@pytest.mark.parametrize("data, field, message", [
    ({"current": "not-my-password", "new": "another-pass-1", "confirm": "another-pass-1"}, "current",
     "The current password is not correct."),
    ({"current": PASSWORD, "new": PASSWORD, "confirm": PASSWORD}, "new",
     "The new password must be different from the current one."),
    ({"current": PASSWORD, "new": "short", "confirm": "short"}, "new",
     "Field must be between 8 and 128 characters long."),
    ({"current": PASSWORD, "new": "another-pass-1", "confirm": "another-pass-2"}, "confirm",
     "The two passwords differ."),
    ({"current": "", "new": "another-pass-1", "confirm": "another-pass-1"}, "current", "This field is required."),
])
def test_password_refusals(app, world, data, field, message):
    c = en(app, "resa")
    r = c.post("/account/password", data, token_from="/account/password")
    refused(r, 'action="/account/password"', message, field)
    assert en(app, "resa")  # the old password still works (client_as signs in with it)


@pytest.mark.parametrize("data, field, message", [
    ({"display_name": "", "locale": "en"}, "display_name", "This field is required."),
    ({"display_name": "Resa Neu", "locale": "fr"}, "locale", "Not a valid choice."),
    ({"display_name": "x" * 51, "locale": ""}, "display_name", "Field cannot be longer than 50 characters."),
])
def test_profile_refusals(app, world, data, field, message):
    c = en(app, "resa")
    r = c.post("/account/profile", data, token_from="/account/profile")
    refused(r, 'action="/account/profile"', message, field, [data["display_name"]] if data["display_name"] else [])
    db.session.expire_all()
    assert db.session.execute(select(User.display_name).where(User.username == "resa")).scalar_one() == "Resa"
