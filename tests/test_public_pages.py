"""Public pages set no cookie for visitors (cacheable, no session), and the display
switch works for visitors with a plain GET form."""
from __future__ import annotations

import pytest

from .support.proposals import make_proposal


@pytest.mark.parametrize("path", ["/", "/c/dorf-a/", "/c/dorf-a/proposals/", "/c/dorf-a/proposals/oversight",
                                  "/c/dorf-a/proposals/{pid}"])
def test_visitor_pages_set_no_cookie(client, world, path):
    p = make_proposal(world)
    r = client.get(path.format(pid=p.id))
    assert r.status_code == 200
    assert r.headers.getlist("Set-Cookie") == []
    assert 'name="csrf_token"' not in r.get_data(as_text=True)


def test_visitor_display_switch_is_a_get_form(client, world):
    page = client.get("/c/dorf-a/").get_data(as_text=True)
    assert '<form method="get" action="/display"' in page
    r = client.get("/display?toggle=contrast&next=/c/dorf-a/")
    assert r.status_code == 303 and r.headers["Location"] == "/c/dorf-a/"
    assert "mode-contrast" in client.get("/c/dorf-a/").get_data(as_text=True)
    client.get("/display?toggle=contrast&next=/c/dorf-a/")
    assert "mode-contrast" not in client.get("/c/dorf-a/").get_data(as_text=True)
    # Only local targets.
    assert client.get("/display?toggle=large&next=https://evil.example/").headers["Location"] == "/"


def test_signed_in_switch_stays_a_post_with_csrf(app, world):
    from .support.helpers import Client

    c = Client(app)
    c.login("resa")
    page = c.get("/c/dorf-a/").get_data(as_text=True)
    assert '<form method="post" action="/display"' in page
    # A GET cannot change a signed-in person's profile.
    c.get("/display?toggle=large&next=/")
    assert "mode-large" not in c.get("/").get_data(as_text=True)
