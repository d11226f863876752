"""Every POST route refuses a request without a valid CSRF token: 400, the portal's
error page with a clear message, and not a single row written anywhere.

The POST routes are read from app.url_map, so a new route is covered without
touching this file.
"""
from __future__ import annotations

import pytest

from .support.helpers import PASSWORD, Client
from .support.security import (
    FORM,
    POST_RULES,
    error_page_parts,
    row_counts,
)
from .support.security import post_url as _url

pytestmark = pytest.mark.usefixtures("fast_passwords")  # conftest: a cheap password hash


def test_there_are_post_routes_to_check():
    assert "/c/<slug:slug>/join" in POST_RULES and "/login" in POST_RULES and len(POST_RULES) >= 12


def _client(app, role):
    c = Client(app)
    if role != "visitor":
        c.login(role)
    return c


def _assert_csrf_refusal(response, lang=None):
    assert response.status_code == 400, response.status_code
    title, lead = error_page_parts(response)
    assert title and lead, "the refusal page has no title or message"
    html = response.get_data(as_text=True)
    if lang == "en":
        assert 'lang="en"' in html
        assert "The form has expired or was not sent from this site." in lead
    else:
        assert 'lang="zh-Hans"' in html


@pytest.mark.parametrize("role", ["coma", "visitor"])
@pytest.mark.parametrize("rule", POST_RULES)
def test_post_without_token_is_refused(app, world, rule, role):
    client = _client(app, role)
    url = _url(rule, world)
    before = row_counts()
    response = client.post(url, FORM, csrf=False)
    _assert_csrf_refusal(response)
    assert row_counts() == before
    # The message in English too, and still nothing written.
    response = client.post(url + "?lang=en", FORM, csrf=False)
    _assert_csrf_refusal(response, "en")
    assert row_counts() == before


@pytest.mark.parametrize("role", ["coma", "visitor"])
@pytest.mark.parametrize("rule", POST_RULES)
def test_post_with_a_wrong_token_is_refused(app, world, rule, role):
    """A token from another session (what a forged form would carry) or a garbled one."""
    client = _client(app, role)
    other = _client(app, "resa")
    stolen = other.token("/login")
    url = _url(rule, world)
    before = row_counts()
    for token in (stolen, "", "x" * 90, client.token("/login")[:-4] + "AAAA"):
        response = client.post(url, dict(FORM, csrf_token=token))
        _assert_csrf_refusal(response)
    assert row_counts() == before


def test_token_in_the_query_string_is_not_accepted(app, world):
    """The token must come with the form body, not in a link someone could be sent."""
    client = _client(app, "coma")
    token = client.token("/login")
    before = row_counts()
    r = client.post(f"/c/dorf-a/members/add?csrf_token={token}", {"username": "nobody"}, csrf=False)
    _assert_csrf_refusal(r)
    assert row_counts() == before


def test_same_request_with_the_token_goes_through(app, world):
    """Control: the refusals above are about the token, not about the data."""
    client = _client(app, "coma")
    r = client.post("/c/dorf-a/members/add", {"username": "nobody"})
    assert r.status_code == 303
    r = _client(app, "visitor").post("/login", {"login": "coma", "password": PASSWORD})
    assert r.status_code == 303


def test_token_ends_with_the_session(app, world):
    """After signing out, a token taken from the signed-in page no longer works."""
    client = _client(app, "coma")
    token = client.token("/c/dorf-a/members")
    client.logout()
    client.login("coma")
    before = row_counts()
    r = client.post("/c/dorf-a/members/add", {"username": "nobody", "csrf_token": token})
    _assert_csrf_refusal(r)
    assert row_counts() == before
