"""Votes permissions beyond the route table: every poll route × poll state for the
committee and a resident, and polls of another community (always 404, nothing written)."""
from __future__ import annotations

import pytest

from .security_support import client_as, row_counts, snapshot_world, speed_up
from .test_permissions import DONE, VOTES_ROUTES, check
from .votes_support import make_poll


@pytest.fixture(autouse=True)
def _fast(app, monkeypatch):
    speed_up(app, monkeypatch)


@pytest.fixture
def world(app, _fast):
    return snapshot_world(app)


POLL_ROUTES = [r for r in VOTES_ROUTES if "<id:poll_id>" in r.rule]
STATES = ("draft", "open", "voted", "closed")
# (suffix, method) -> {state: (committee, resident)}; "voted" = open with a ballot (frozen).
MATRIX = {
    ("", "GET"): {"draft": (200, 404), "open": (200, 200), "voted": (200, 200), "closed": (200, 200)},
    ("/edit", "GET"): {"draft": (200, 404), "open": (200, 403), "voted": (403, 403), "closed": (403, 403)},
    ("/open", "POST"): {"draft": (DONE, 404), "open": (403, 403), "voted": (403, 403), "closed": (403, 403)},
    # A rule that refuses (close early before everyone voted, a second ballot) shows the poll's page
    # again with the message: 400, never a bare error page.
    ("/close", "POST"): {"draft": (403, 404), "open": (400, 403), "voted": (400, 403), "closed": (403, 403)},
    ("/confirm", "POST"): {"draft": (404 + 0, 404), "open": (200, 200), "voted": (200, 303), "closed": (403, 403)},
    ("/cast", "POST"): {"draft": (404, 404), "open": (DONE, DONE), "voted": (DONE, 400), "closed": (403, 403)},
    ("/ballots", "GET"): {"draft": (404, 404), "open": (404, 404), "voted": (404, 404), "closed": (200, 200)},
    ("/ballots.csv", "GET"): {"draft": (404, 404), "open": (404, 404), "voted": (404, 404), "closed": (200, 200)},
    ("/roll.csv", "GET"): {"draft": (404, 404), "open": (404, 404), "voted": (404, 404), "closed": (200, 200)},
    ("/assisted", "GET"): {"draft": (403, 404), "open": (200, 403), "voted": (200, 403), "closed": (403, 403)},
    ("/paper", "GET"): {"draft": (403, 404), "open": (200, 403), "voted": (200, 403), "closed": (403, 403)},
}
# The draft's committee rows: coma sees the draft, so a refused action is a 403, not a 404.
MATRIX[("/confirm", "POST")]["draft"] = (403, 404)
MATRIX[("/cast", "POST")]["draft"] = (403, 404)


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("key", sorted(MATRIX), ids=lambda k: f"{k[1]} {k[0] or '/'}")
def test_route_by_poll_state(app, world, key, state):
    suffix, method = key
    for who, expected in zip(("coma", "resa"), MATRIX[key][state]):
        p = make_poll(world, state)  # a fresh poll per person: an allowed action changes the state
        client = client_as(app, who)
        url = f"/c/dorf-a/votes/{p.id}{suffix}"
        before = row_counts()
        if method == "GET":
            r = client.get(url, buffered=True)
        else:
            r = client.post(url, {"choice": "1"}, token_from="/c/dorf-a/votes/")
        if expected == 303:  # a resident who already voted is sent back to the poll from the check step
            assert r.status_code == 303 or r.status_code == 200, (who, r.status_code)
            continue
        check(r, expected, url, method)
        if expected in (403, 404):
            assert row_counts() == before


@pytest.mark.parametrize("role", ["visitor", "resa", "coma", "comb", "root"])
def test_polls_of_another_community_are_404(app, world, role):
    polls = {state: make_poll(world, state, community="b", actor="comb") for state in ("draft", "open", "closed")}
    client = client_as(app, role)
    before = row_counts()
    for route in POLL_ROUTES:
        for state, p in polls.items():
            url = route.rule.replace("<slug:slug>", "dorf-a").replace("<id:poll_id>", str(p.id)) \
                .replace("<string:tracker>", "AAAAAAAAAAAAAAAA")
            data = {"choice": "1", "voter": "1", "present": "y", "voters": "1", "ballots": "0"}
            r = client.get(url, buffered=True) if route.method == "GET" else client.post(url, data)
            assert r.status_code == 404, (route.id, state, r.status_code)
    assert row_counts() == before
