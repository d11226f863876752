"""Visitors' page cache: served again only while nothing the page shows has changed."""
from __future__ import annotations

import time

import pytest
from flask import g

from portal.cache import store as pagecache
from portal.cache import wrapper as visitors
from portal.extensions import db
from portal.proposals.models import Proposal

from .support.budget import counting
from .support.proposals import make_proposal
from .support.security import client_as


@pytest.fixture
def cache(app):
    app.config["PAGE_CACHE_SECONDS"] = 30
    c = pagecache.cache_of(app)
    c.clear()
    return c


def visitor(app, lang="en"):
    c = client_as(app, "visitor")
    c.http._c.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
    return c


def body(client, url):
    r = client.get(url)
    assert r.status_code == 200, (url, r.status_code)
    return r.get_data(as_text=True)


def test_a_visitor_is_served_from_the_cache_until_the_chain_moves(app, world, cache):
    p = make_proposal(world)
    url = f"/c/dorf-a/proposals/{p.id}"
    v = visitor(app)
    first = body(v, url)
    with counting() as statements:
        again = body(v, url)
    assert again == first and cache.hits == 1
    assert len(statements) == 1  # the community row (its audit_seq), nothing of the page
    # A support is audited, the community's audit_seq moves: the next visitor sees it.
    resident = client_as(app, "meda")
    assert resident.post(f"{url}/support", token_from=url).status_code == 303
    fresh = body(v, url)
    assert fresh != first and cache.hits == 1
    assert body(v, url) == fresh and cache.hits == 2


def test_what_the_chain_does_not_mark_expires(app, world, cache, monkeypatch):
    p = make_proposal(world)
    url = f"/c/dorf-a/proposals/{p.id}"
    v = visitor(app)
    body(v, url)
    db.session.get(Proposal, p.id).title = "Renamed behind the chain"
    db.session.commit()
    assert "Renamed behind the chain" not in body(v, url)  # within the lifetime: the cached copy
    later = time.monotonic() + 31
    monkeypatch.setattr(pagecache.time, "monotonic", lambda: later)
    assert "Renamed behind the chain" in body(v, url)


def test_language_and_modes_are_separate_copies(app, world, cache):
    url = "/c/dorf-a/proposals/"
    assert "Proposals" in body(visitor(app, "en"), url)
    zh = body(visitor(app, "zh-CN"), url)
    assert "提案" in zh and "<html lang=\"zh-Hans\"" in zh
    v = visitor(app, "en")
    assert v.get(f"/display?toggle=large&next={url}").status_code == 303
    large = body(v, url)
    assert 'class="mode-large"' in large and body(v, url) == large
    assert cache.hits == 1  # only the second large-mode read; every first read was rendered


def test_signed_in_people_and_flash_messages_are_never_cached(app, world, cache):
    p = make_proposal(world)
    url = f"/c/dorf-a/proposals/{p.id}"
    resident = client_as(app, "meda")
    body(resident, url), body(resident, url)
    assert cache.hits == 0 and not cache.entries
    v = visitor(app)
    with v.http._c.session_transaction() as s:
        s["_flashes"] = [("success", "Flashed once")]
    assert "Flashed once" in body(v, url)
    assert not cache.entries
    assert "Flashed once" not in body(v, url)  # shown once, then the page is cacheable
    assert len(cache.entries) == 1


def test_a_response_that_sets_a_cookie_or_fails_is_not_kept(app, world, cache):
    from flask_wtf.csrf import generate_csrf

    with app.test_request_context("/c/dorf-a/"):
        g.community = world.a
        calls = []

        @visitors.cached()
        def with_form():
            calls.append(1)
            return f"token {generate_csrf()}"  # touches the session: a cookie would be set

        with_form(), with_form()
    assert len(calls) == 2 and not cache.entries
    assert visitor(app).get("/c/dorf-a/proposals/999999").status_code == 404
    assert not cache.entries


def test_the_cache_is_bounded(app, world, cache):
    cache.size = 3
    v = visitor(app)
    for n in range(5):
        body(v, f"/c/dorf-a/proposals/?q=word{n}")
    assert len(cache.entries) == 3
    assert [k[2] for k in cache.entries] == [f"/c/dorf-a/proposals/?q=word{n}" for n in (2, 3, 4)]


def test_off_when_configured_off(app, world):
    app.config["PAGE_CACHE_SECONDS"] = 0  # as TestConfig has it (CI also runs the suite with it on)
    assert pagecache.cache_of(app) is None
    v = visitor(app)
    body(v, "/c/dorf-a/"), body(v, "/c/dorf-a/")


def test_a_visitor_hit_is_answered_before_the_hooks_and_keeps_the_headers(app, world, cache):
    p = make_proposal(world)
    url = f"/c/dorf-a/proposals/{p.id}"
    v = visitor(app)
    miss = v.get(url)
    with counting() as statements:
        hit = v.get(url)
    assert hit.get_data() == miss.get_data() and cache.hits == 1
    # Only the community's audit head, with a Core statement: no ORM community row, no
    # session user, no membership were loaded.
    assert len(statements) == 1 and statements[0].startswith("SELECT community.id, community.content_seq FROM")
    for name in ("Content-Type", "Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options",
                 "Referrer-Policy", "Permissions-Policy", "Cross-Origin-Opener-Policy", "Vary"):
        assert hit.headers.get(name) == miss.headers.get(name), name
    assert "Cookie" in hit.headers["Vary"] and "Set-Cookie" not in hit.headers
    assert visitor(app).get("/c/nowhere/proposals/").status_code == 404  # unknown community: the ordinary way


def test_a_signed_in_person_never_gets_the_visitors_copy(app, world, cache):
    p = make_proposal(world)
    url = f"/c/dorf-a/proposals/{p.id}"
    public = body(visitor(app), url)
    assert body(visitor(app), url) == public and cache.hits == 1
    resident = client_as(app, "meda")
    own = body(resident, url)
    assert own != public and 'action="/logout"' in own and 'action="/logout"' not in public
    assert cache.hits == 1  # the signed-in request was rendered, not looked up


def test_a_language_chosen_on_a_cached_copy_is_remembered(app, world, cache):
    url = "/c/dorf-a/proposals/?lang=en"
    assert "lang=en" in visitor(app, "zh-CN").get(url).headers.get("Set-Cookie", "")
    again = visitor(app, "zh-CN").get(url)  # a second visitor, served the cached copy
    assert cache.hits == 1 and "lang=en" in again.headers.get("Set-Cookie", "")


def test_signed_in_list_rows_are_shared_until_the_chain_moves(app, world, cache):
    """The list's rows (not the page: it carries the reader's name, drafts and CSRF tokens) are
    kept per question, language and hidden-or-not, under the community's audit_seq."""
    p = make_proposal(world)
    url = "/c/dorf-a/proposals/"
    resident, neighbour = client_as(app, "meda"), client_as(app, "resa")
    first = body(resident, url)
    with counting() as statements:
        again = body(neighbour, url)
    assert not any("FROM proposal JOIN" in s or "FROM comment" in s for s in statements)  # rows reused
    assert again != first and 'action="/logout"' in again  # still each person's own page
    assert cache.hits == 0 and not cache.entries  # and never a visitor's copy
    assert "0人附议" in body(resident, url)
    assert resident.post(f"{url}{p.id}/support", token_from=f"{url}{p.id}").status_code == 303
    assert "1人附议" in body(neighbour, url)  # audited: the next read counts it
    # The committee's rows show hidden proposals (marked); residents' rows never do.
    from portal.moderation import services as moderation

    moderation.hide(world.a, db.session.get(Proposal, p.id), "Personal data", actor=world["coma"])
    db.session.commit()
    assert 'class="tag"' in body(client_as(app, "coma"), url)
    assert f'/proposals/{p.id}"' not in body(neighbour, url)
