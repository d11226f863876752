"""Signed-in readers' shared pages (portal/cache/readers.py).

The central test: every reader, after every other kind of reader has filled the cache, still gets
exactly the page the portal renders for them alone (tokens aside). A fact missing from the key
(a role, a display mode, the language, authorship, own comments, own drafts, a support) would hand
someone another reader's page and fail it.
"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from portal.auth import services as auth
from portal.auth.models import AuthSession
from portal.cache import readers as readercache
from portal.cache import store
from portal.comments import services as comments
from portal.communities import services as cs
from portal.db import utcnow
from portal.extensions import db
from portal.proposals import services as ps

from .support.budget import counting
from .support.helpers import make_user, membership
from .support.proposals import make_proposal
from .support.security import client_as

TOKEN = re.compile(r"\bI[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27}\b")  # a Flask-WTF token


@pytest.fixture
def cache(app):
    app.config["PAGE_CACHE_SECONDS"] = 30
    c = store.cache_of(app, readercache.CACHE)
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


ONCE = re.compile(r'(name="(?:reply-)?submit_token" type="hidden" value=")[A-Za-z0-9_-]{32}"')


def _same(text: str) -> str:
    """A page with its tokens (CSRF, and each form's one-time token) normalised."""
    return ONCE.sub(r'\1ONCE"', TOKEN.sub("TOKEN", text))


def reader_pages(p, draft) -> list[str]:
    """The pages of the equivalence test below: every endpoint marked `cached(readers=...)` must
    have one here (test_every_cacheable_endpoint_is_in_an_equivalence_test)."""
    base = "/c/dorf-a/proposals"
    return ["/c/dorf-a/", f"{base}/", f"{base}/?q=lane", f"{base}/{p.id}", f"{base}/{p.id}?reply_to=999",
            f"{base}/{draft.id}"]


def visitor_pages(p, poll) -> list[str]:
    """The pages of the visitors' equivalence test: every endpoint marked `cached()`."""
    return ["/c/dorf-a/", "/c/dorf-a/proposals/", "/c/dorf-a/proposals/?sort=supported", f"/c/dorf-a/proposals/{p.id}",
            "/c/dorf-a/proposals/oversight", f"/c/dorf-a/votes/{poll.id}", f"/c/dorf-a/votes/{poll.id}/ballots"]


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
        cs.add_resident(a, made[name], actor=coma)
    cs.appoint_committee(a, made["comc"], actor=root)
    cs.grant_role(a, membership(a, made["medb"]), "mediator", actor=coma)
    cs.request_join(a, "", actor=made["pendb"])
    cs.reject_member(a, cs.request_join(a, "", actor=made["rejb"]), "Not from this village", actor=coma)  # reja: another reason
    auth.update_profile(made["resg"], "Resg", None, True, False, True)  # large + easy
    auth.update_profile(made["resh"], "Resh", "zh_Hans", False, True, False)  # Chinese, high contrast
    auth.update_profile(made["resi"], "Resi", "en", False, True, False)  # resh in English
    db.session.commit()
    world.users.update(made)
    p = make_proposal(world, author="resd", title="Lights for the lane")
    ps.support(a, p, actor=made["resf"])
    top = comments.add_comment(a, p, "Yes, it is dark there.", actor=made["rese"])
    comments.add_comment(a, p, "Agreed.", top, actor=world["resa"])
    draft = make_proposal(world, author="resd", publish=False, title="A draft of resd")
    db.session.commit()
    names = ["resa", "resc", "resd", "rese", "resf", "resg", "resh", "resi", "meda", "medb", "coma", "comc",
             "penda", "pendb", "reja", "rejb", "nobody", "resb", "root", "roota", "evil"]
    return names, p, draft


def test_every_reader_gets_their_own_page_whoever_filled_the_cache(app, world, readers):
    names, p, draft = readers
    base = "/c/dorf-a/proposals"
    pages = reader_pages(p, draft)
    clients = {n: client_as(app, n) for n in names}
    app.config["PAGE_CACHE_SECONDS"] = 0
    responses = {(n, url): clients[n].get(url) for n in names for url in pages}
    fresh = {k: (r.status_code, _same(r.get_data(as_text=True))) for k, r in responses.items()}
    app.config["PAGE_CACHE_SECONDS"] = 30
    cache = store.cache_of(app, readercache.CACHE)
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
    assert statements[0].startswith("SELECT community.id AS community_id, community.content_seq")
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
    app.config["PAGE_CACHE_SECONDS"] = 0
    assert store.cache_of(app, readercache.CACHE) is None
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


def _endpoint(app, url: str) -> str:
    path = url.split("?")[0]
    return app.url_map.bind("localhost").match(path, method="GET")[0]


def test_every_cacheable_endpoint_is_in_an_equivalence_test(app, world):
    """A page marked cacheable but missing from the equivalence tests could leak unnoticed."""
    from portal.cache.visitors import READER_MARK, VISITOR_MARK

    marked_visitors = {e for e, v in app.view_functions.items() if getattr(v, VISITOR_MARK, False)}
    marked_readers = {e for e, v in app.view_functions.items() if getattr(v, READER_MARK, None)}

    class Stub:
        id = 1

    assert marked_readers == {_endpoint(app, u) for u in reader_pages(Stub, Stub)}
    assert marked_visitors == {_endpoint(app, u) for u in visitor_pages(Stub, Stub)}
    assert marked_readers <= marked_visitors


def test_no_view_sets_a_cache_flag_by_hand():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "portal"
    for path in root.rglob("*.py"):
        if path.parent.name == "cache":
            continue
        text = path.read_text(encoding="utf-8")
        for flag in ("visitor_cacheable", "reader_spec"):
            assert flag not in text, (path, flag)


@pytest.fixture
def visitors(app):
    app.config["PAGE_CACHE_SECONDS"] = 30
    c = store.cache_of(app)
    c.clear()
    return c


def test_every_visitor_gets_the_page_the_portal_renders_for_them(app, world, visitors):
    """Visitors in both languages and every display mode, twice over, against the page rendered
    with the cache off."""
    from .support.votes import make_poll

    p = make_proposal(world, title="Lights for the lane")
    poll = make_poll(world, "closed")
    pages = visitor_pages(p, poll)
    kinds = [("en", ""), ("zh", ""), ("en", "large,easy"), ("zh", "contrast"), ("en", "large,contrast,easy")]

    def client(lang, modes):
        c = client_as(app, "visitor")
        c.http._c.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
        if modes:
            c.http.set_cookie("display", modes)
        return c

    clients = {k: client(*k) for k in kinds}
    app.config["PAGE_CACHE_SECONDS"] = 0
    fresh = {(k, u): clients[k].get(u).get_data(as_text=True) for k in kinds for u in pages}
    app.config["PAGE_CACHE_SECONDS"] = 30
    for _round in range(2):
        for u in pages:
            for k in kinds:
                r = clients[k].get(u)
                assert r.status_code == 200, (k, u)
                assert r.get_data(as_text=True) == fresh[(k, u)], (k, u)
    assert visitors.hits >= len(pages) * len(kinds)


def test_a_template_reading_what_the_key_does_not_hold_fails_the_shared_render(app, world, cache):
    """The stand-in: a base.html line that reads an unkeyed attribute of current_user renders
    fine for one reader alone, and makes a shared page fail instead of leaking."""
    from jinja2 import ChoiceLoader, DictLoader

    p = make_proposal(world)
    url = f"/c/dorf-a/proposals/{p.id}"
    source = app.jinja_loader.get_source(app.jinja_env, "base.html")[0]
    line = "{% if current_user.is_authenticated and current_user.password_changed_at.year < 2020 %}OLD{% endif %}"
    patched = source.replace("<body", line + "<body", 1)
    assert patched != source
    app.jinja_env.loader = ChoiceLoader([DictLoader({"base.html": patched}), app.jinja_loader])
    app.jinja_env.cache.clear()
    resident = client_as(app, "meda")
    app.config["PAGE_CACHE_SECONDS"] = 0
    assert resident.get(url).status_code == 200  # rendered for the reader alone: the line is harmless
    app.config["PAGE_CACHE_SECONDS"] = 30
    resident.get(url)  # the session's CSRF secret
    assert resident.get(url).status_code == 500 and not cache.entries
    # A keyed attribute is fine, and the name is the mark, spliced per reader.
    keyed = "{% if current_user.is_authenticated and current_user.display_large %}LARGE{% endif %}"
    app.jinja_env.loader = ChoiceLoader([DictLoader({"base.html": source.replace("<body", keyed + "<body", 1)}),
                                         app.jinja_loader])
    app.jinja_env.cache.clear()
    assert resident.get(url).status_code == 200 and len(cache.entries) == 1


def test_the_stand_in_answers_only_what_the_key_holds(app, world):
    from portal.cache.standin import StandIn, UnkeyedRead, stand_ins
    from portal.communities.caching import KEYED
    from portal.communities.scoping import context_for

    user = world["coma"]
    ctx = context_for(user, world.a)
    table = stand_ins(user, ctx, KEYED, "MARK")
    su, sctx = table[id(user)], table[id(ctx)]
    assert isinstance(su, StandIn) and su.display_name == "MARK" and su.locale == user.locale
    assert sctx.verified and sctx.has_role("committee") and sctx.user is su
    assert sctx.membership.status == "verified"
    for read in (lambda: su.id, lambda: su.username, lambda: su.password_changed_at, lambda: sctx.membership.reason,
                 lambda: sctx.user.created_at, lambda: su["id"]):
        with pytest.raises(UnkeyedRead):
            read()
    with pytest.raises(AttributeError):
        su.__html__  # protocol probes are plain missing attributes, as Jinja and markupsafe expect


def test_a_look_at_a_mediation_case_does_not_invalidate_cached_pages(app, world, visitors):
    """A read's trace is chained (the law wants it) but changes nothing anyone else sees: the
    community's content version stays, visitors keep their copies."""
    from portal.communities.models import Community

    from .support.mediation import make_case

    case = make_case(world)
    v = client_as(app, "visitor")
    v.get("/c/dorf-a/proposals/")
    before = db.session.get(Community, world.a.id)
    seq, version = before.audit_seq, before.content_seq
    committee = client_as(app, "coma")
    assert committee.get(f"/c/dorf-a/mediation/{case.id}").status_code == 200
    db.session.expire_all()
    after = db.session.get(Community, world.a.id)
    assert after.audit_seq == seq + 1 and after.content_seq == version  # chained, not a change
    hits = visitors.hits
    v.get("/c/dorf-a/proposals/")
    assert visitors.hits == hits + 1
