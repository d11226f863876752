"""Signed-in readers' shared pages (portal/readercache.py).

The central test: every reader, after every other kind of reader has filled the cache, still gets
exactly the page the portal renders for them alone (tokens aside). A fact missing from the key
(a role, a display mode, the language, authorship, own comments, own drafts, a support) would hand
someone another reader's page and fail it.
"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from portal import readercache
from portal.auth import services as auth
from portal.auth.models import AuthSession
from portal.comments import services as comments
from portal.communities import services as cs
from portal.db import utcnow
from portal.extensions import db
from portal.proposals import services as ps

from .helpers import make_user, membership
from .proposals_support import make_proposal
from .security_support import client_as
from .test_query_budget import counting

TOKEN = re.compile(r"\bI[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27}\b")  # a Flask-WTF token


@pytest.fixture
def cache(app):
    app.config["PAGE_CACHE_SECONDS"] = 30
    c = readercache.cache_of(app, readercache.CACHE)
    c.clear()
    return c


def _page(client, url) -> str:
    r = client.get(url)
    assert r.status_code == 200, (url, r.status_code)
    text = r.get_data(as_text=True)
    assert readercache.NAME_MARK not in text and readercache.CSRF_MARK not in text
    return text


def _diff(expected: str, got: str) -> str:
    import difflib

    return "\n".join(difflib.unified_diff(expected.splitlines(), got.splitlines(), "fresh", "served", lineterm="", n=1))


def _same(text: str) -> str:
    return TOKEN.sub("TOKEN", text)


@pytest.fixture
def readers(app, world):
    """Readers of community A of every kind, most with a twin of the same kind (who may share
    their pages) and some with something of their own on the pages."""
    a, coma, root = world.a, world["coma"], world["root"]
    made = {}
    for name in ("resc", "resd", "rese", "resf", "resg", "resh", "resi", "comc", "medb", "pendb", "roota", "evil",
                 "rejb"):
        made[name] = make_user(name, "<b>Evil & \"x\"</b>" if name == "evil" else None, admin=(name == "roota"))
    for name in ("resc", "resd", "rese", "resf", "resg", "resh", "resi", "medb", "evil"):
        cs.add_resident(coma, a, made[name])
    cs.appoint_committee(root, a, made["comc"])
    cs.grant_role(coma, a, membership(a, made["medb"]), "mediator")
    cs.request_join(made["pendb"], a, "")
    cs.reject_member(coma, a, cs.request_join(made["rejb"], a, ""), "Not from this village")  # reja: another reason
    auth.update_profile(made["resg"], "Resg", None, True, False, True)  # large + easy
    auth.update_profile(made["resh"], "Resh", "zh_Hans", False, True, False)  # Chinese, high contrast
    auth.update_profile(made["resi"], "Resi", "en", False, True, False)  # resh in English
    db.session.commit()
    world.users.update(made)
    p = make_proposal(world, author="resd", title="Lights for the lane")
    ps.support(made["resf"], a, p)
    top = comments.add_comment(made["rese"], a, p, "Yes, it is dark there.")
    comments.add_comment(world["resa"], a, p, "Agreed.", top)
    draft = make_proposal(world, author="resd", publish=False, title="A draft of resd")
    db.session.commit()
    names = ["resa", "resc", "resd", "rese", "resf", "resg", "resh", "resi", "meda", "medb", "coma", "comc",
             "penda", "pendb", "reja", "rejb", "nobody", "resb", "root", "roota", "evil"]
    return names, p, draft


def test_every_reader_gets_their_own_page_whoever_filled_the_cache(app, world, readers):
    names, p, draft = readers
    base = "/c/dorf-a/proposals"
    pages = ["/c/dorf-a/", f"{base}/", f"{base}/?q=lane", f"{base}/{p.id}", f"{base}/{p.id}?reply_to=999",
             f"{base}/{draft.id}"]
    clients = {n: client_as(app, n) for n in names}
    app.config["PAGE_CACHE_SECONDS"] = 0
    responses = {(n, url): clients[n].get(url) for n in names for url in pages}
    fresh = {k: (r.status_code, _same(r.get_data(as_text=True))) for k, r in responses.items()}
    app.config["PAGE_CACHE_SECONDS"] = 30
    cache = readercache.cache_of(app, readercache.CACHE)
    cache.clear()
    for order in (names, list(reversed(names))):
        for url in pages:
            for n in order:
                r = clients[n].get(url)
                text = r.get_data(as_text=True)
                assert readercache.NAME_MARK not in text and readercache.CSRF_MARK not in text
                assert (r.status_code, _same(text)) == fresh[(n, url)], (n, url, _diff(fresh[(n, url)][1], _same(text)))
    # Twins shared: resa/resc/rese… read the list from one entry; the cache was used at all.
    assert cache.hits >= len(pages) * len(names) // 2
    assert fresh[("resd", f"{base}/{draft.id}")][0] == 200 and fresh[("resa", f"{base}/{draft.id}")][0] == 404
    evil = fresh[("evil", f"{base}/")][1]
    assert "&lt;b&gt;Evil &amp; &#34;x&#34;&lt;/b&gt;" in evil and "<b>Evil" not in evil


def test_a_hit_is_one_statement_with_a_working_token_and_the_usual_headers(app, world, cache):
    p = make_proposal(world)
    url = f"/c/dorf-a/proposals/{p.id}"
    twin, resident = client_as(app, "coma"), client_as(app, "meda")
    # The first page after signing in gives the session its CSRF secret (a new cookie): the
    # ordinary way, not kept.
    assert "Set-Cookie" in resident.get(url).headers and not cache.entries
    miss = resident.get(url)
    assert cache.hits == 0 and len(cache.entries) == 1
    with counting() as statements:
        hit = resident.get(url)
    assert cache.hits == 1 and len(statements) == 1
    assert statements[0].startswith("SELECT community.id AS community_id, community.audit_seq")
    assert _same(hit.get_data(as_text=True)) == _same(miss.get_data(as_text=True))
    assert "Meda" in hit.get_data(as_text=True)
    for name in ("Content-Type", "Content-Security-Policy", "X-Frame-Options", "Referrer-Policy"):
        assert hit.headers[name] == miss.headers[name], name
    assert "Cookie" in hit.headers["Vary"] and hit.headers["Cache-Control"] == "private, no-store"
    assert "Set-Cookie" not in hit.headers
    # The token spliced into the hit is the reader's own: the support form on it works.
    token = TOKEN.search(hit.get_data(as_text=True)).group(0)
    assert resident.post(f"{url}/support", {"csrf_token": token}).status_code == 303
    after = _page(resident, url)  # the support moved the chain: rendered again
    assert f"{url}/unsupport" in after and cache.hits == 1
    assert f"{url}/unsupport" not in _page(twin, url)


def test_what_the_cache_does_not_serve(app, world, cache):
    p = make_proposal(world)
    url = f"/c/dorf-a/proposals/{p.id}"
    resident = client_as(app, "meda")
    _page(resident, url)
    # A flash message waits: the ordinary way shows it (and does not keep the page).
    with resident.http._c.session_transaction() as s:
        s["_flashes"] = [("success", "Flashed once")]
    assert "Flashed once" in _page(resident, url) and cache.hits == 0
    # Another browser (User-Agent) with the same cookie: Flask-Login's session protection decides.
    other = resident.get(url, headers={"User-Agent": "Another/1"})
    assert other.status_code == 200 and cache.hits == 0
    # ?lang= is remembered by the ordinary way (cookie and profile).
    r = resident.get(url + "?lang=zh_Hans")
    assert r.status_code == 200 and "lang=zh_Hans" in r.headers.get("Set-Cookie", "") and cache.hits == 0
    # A session not seen for over an hour: the ordinary way refreshes it, then hits resume.
    db.session.query(AuthSession).update({"last_seen_at": utcnow() - timedelta(hours=2)})
    db.session.commit()
    _page(resident, url)
    assert cache.hits == 0 and not cache.entries
    assert utcnow() - db.session.query(AuthSession).one().last_seen_at < timedelta(minutes=1)
    _page(resident, url), _page(resident, url)
    assert cache.hits == 1


def test_a_signed_out_cookie_is_a_visitor_again(app, world, cache):
    p = make_proposal(world)
    url = f"/c/dorf-a/proposals/{p.id}"
    resident = client_as(app, "meda")
    _page(resident, url), _page(resident, url), _page(resident, url)  # CSRF secret, miss, hit
    assert cache.hits == 1
    old = resident.http.get_cookie("session").value
    db.session.query(AuthSession).delete()  # signed out everywhere (password change, sign-out)
    db.session.commit()
    stale = client_as(app, "visitor")
    stale.http.set_cookie("session", old)
    text = stale.get(url).get_data(as_text=True)
    assert "Meda" not in text and 'action="/logout"' not in text and 'href="/login"' in text
    assert cache.hits == 1


def test_profile_choices_and_writes_take_effect_at_once(app, world, cache):
    p = make_proposal(world)
    url = f"/c/dorf-a/proposals/{p.id}"
    resident = client_as(app, "meda")
    _page(resident, url)
    assert resident.post("/display", {"toggle": "large", "next": url}, token_from=url).status_code == 303
    assert 'class="mode-large"' in _page(resident, url)
    auth.update_profile(world["meda"], "Meda Renamed", None, True, False)
    db.session.commit()
    assert "Meda Renamed" in _page(resident, url)  # the name is spliced for each request


def test_off_when_the_page_cache_is_off(app, world):
    assert readercache.cache_of(app, readercache.CACHE) is None
    resident = client_as(app, "meda")
    _page(resident, "/c/dorf-a/proposals/")
    assert readercache.CACHE not in app.extensions


def test_own_parts_are_cut_out_for_their_author_only(app):
    mark = lambda uid, text: f"{readercache.OWN_MARK}{uid}:{text}{readercache.OWN_END}"  # noqa: E731
    marked = f"<p>a</p>{mark(7, '<r1>')}<p>b</p>{mark(8, '<r2>')}{mark(7, '<r3>')}<p>c</p>".encode()
    page = readercache.split_own(marked)
    assert page[0] == b"<p>a</p><r1><p>b</p><r2><r3><p>c</p>" and set(page[1]) == {7, 8}
    with app.test_request_context("/"):
        from flask import session

        session["csrf_token"] = "x" * 40
        assert readercache.splice(page, 7, "Q") == b"<p>a</p><p>b</p><r2><p>c</p>"
        assert readercache.splice(page, 8, "Q") == b"<p>a</p><r1><p>b</p><r3><p>c</p>"
        assert readercache.splice(page, 9, "Q") == page[0]
