"""For me to do (issue 14, defect 6 and 7): the work queue of the committee, a mediator and a
resident; its count in the header, which never passes from one reader to another through the
shared pages; where signing in lands; the case's subject on "my things"; the community page's
votes and rules sections."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from portal.cache import readers as readercache
from portal.cache import store
from portal.communities import services as cs
from portal.db import utcnow
from portal.extensions import db
from portal.proposals import services as ps
from portal.votes import casting

from .support.helpers import PASSWORD, Client, make_user
from .support.mediation import make_case
from .support.proposals import make_proposal, set_threshold
from .support.pages import en
from .support.votes import make_due, make_poll

pytestmark = pytest.mark.usefixtures("fast_passwords")

QUEUE = "/c/dorf-a/queue/"
COUNT = re.compile(r'class="queue-link"[^>]*>.*?</a>', re.S)


def _header_count(html: str) -> int:
    link = COUNT.search(html)
    assert link, "no 'For me to do' link in the header"
    n = re.search(r'<span class="count">(\d+)</span>', link.group(0))
    return int(n.group(1)) if n else 0


def _busy(w):
    """A request to join (penda, from the world), an overdue mediation request, a proposal past
    its answer deadline, a poll past its end, an open poll resa has not voted in."""
    case = make_case(w)
    case.requested_at = utcnow() - timedelta(days=10)
    set_threshold(w.a, 1)
    p = make_proposal(w, title="Lights at the village gate")
    ps.support(w.a, p, actor=w["meda"])
    db.session.commit()
    p.answer_due_at = utcnow() - timedelta(days=2)
    ended = make_poll(w, question="Paint the hall?")
    make_due(ended)
    waiting = make_poll(w, question="Plant trees by the pond?")
    db.session.commit()
    return case, p, ended, waiting


def test_committee_queue_groups_overdue_first(app, world):
    case, p, ended, _ = _busy(world)
    html = en(app, "coma").get(QUEUE).get_data(as_text=True)
    main = html.split('<main', 1)[1]
    for text, link in ((f"Case {case.id}: Neighbours", f"/c/dorf-a/mediation/{case.id}"),
                       ("Lights at the village gate", f"/c/dorf-a/proposals/{p.id}"),
                       ("Paint the hall?", f"/c/dorf-a/votes/{ended.id}"),
                       ("Penda", "/c/dorf-a/members#pending-h")):
        assert text in main and f'href="{link}"' in main, text
    headings = re.findall(r'<h2 id="q-([a-z]+)"', main)
    # Groups with something overdue (the case, the proposal, the poll past its end) come first.
    assert headings.index("joins") > max(headings.index(k) for k in ("cases", "proposals", "polls")), headings
    assert 'class="status status-refused">Overdue<' in main
    # The header counts what the page lists (joins, case, proposal, poll to close, and coma's own
    # vote waiting if coma is in the electorate).
    shown = dict(re.findall(r'<h2 id="q-([a-z]+)">[^<]*<span class="count">(\d+)</span>', main))
    counted = sum(int(n) for k, n in shown.items() if k not in ("answers", "mycases"))
    assert counted >= 4 and _header_count(html) == counted, (shown, _header_count(html))


def test_resident_and_mediator_see_their_side_only(app, world):
    case, p, ended, waiting = _busy(world)
    resa = en(app, "resa").get(QUEUE).get_data(as_text=True)
    assert "Plant trees by the pond?" in resa and "Votes waiting for you" in resa
    assert "Lights at the village gate" not in resa.split("<main", 1)[1] or "Answers to your proposals" not in resa
    assert "Requests to join" not in resa and "Penda" not in resa.split("<main", 1)[1]
    assert "Mediation requests waiting" not in resa
    # resa: the poll waiting for her vote (the poll past its end is no longer open for her); a
    # ballot of someone else does not take it off her list.
    assert _header_count(resa) == 1
    casting.cast(world.a, waiting, [1], actor=world["meda"])
    db.session.commit()
    resa = en(app, "resa").get(QUEUE).get_data(as_text=True)
    assert _header_count(resa) == 1 and "Plant trees by the pond?" in resa
    # The mediator's assigned case, overdue once no outcome came in the outcome period.
    med = make_case(world, "mediating", requester="resa")
    med.assigned_at = utcnow() - timedelta(days=40)
    db.session.commit()
    meda = en(app, "meda").get(QUEUE).get_data(as_text=True)
    assert "Cases you mediate" in meda and f"Case {med.id}: Neighbours" in meda
    assert "Requests to join" not in meda and "Overdue" in meda


def test_header_count_on_every_page(app, world):
    _busy(world)
    coma, comb = en(app, "coma"), en(app, "comb")
    n = _header_count(coma.get(QUEUE).get_data(as_text=True))
    assert n >= 4
    assert _header_count(coma.get("/account").get_data(as_text=True)) == n  # outside the community: the sum
    assert _header_count(coma.get("/c/dorf-a/proposals/").get_data(as_text=True)) == n
    # Another community's committee sees nothing of A's work on A's pages, nor at home.
    assert _header_count(comb.get("/c/dorf-a/").get_data(as_text=True)) == 0
    assert _header_count(comb.get("/").get_data(as_text=True)) == 0


def test_cached_hit_splices_each_readers_own_count(app, world):
    """Two residents of one kind read one stored page; one has a vote waiting, the other none."""
    app.config["PAGE_CACHE_SECONDS"] = 30
    store.cache_of(app, readercache.CACHE).clear()
    make_poll(world, question="Plant trees by the pond?")  # electorate: coma, meda, resa
    late = make_user("resc")
    cs.add_resident(world.a, late, actor=world["coma"])  # after the opening: not in the electorate
    db.session.commit()
    resa, resc = en(app, "resa"), en(app, "resc")
    assert 'yishi-part-' not in resa.get("/c/dorf-a/rules/").get_data(as_text=True)
    for first, second, counts in ((resa, resc, (1, 0)), (resc, resa, (0, 1))):
        store.cache_of(app, readercache.CACHE).clear()
        a = first.get("/c/dorf-a/").get_data(as_text=True)
        b = second.get("/c/dorf-a/").get_data(as_text=True)
        assert len(store.cache_of(app, readercache.CACHE).entries) == 1, "the two readers share one copy"
        assert (_header_count(a), _header_count(b)) == counts


def _login(app, username, next_=None):
    data = {"login": username, "password": PASSWORD}
    if next_ is not None:
        data["next"] = next_
    r = Client(app).post("/login", data)
    assert r.status_code == 303, r.status_code
    return r.headers["Location"]


def test_sign_in_lands_on_the_persons_place(app, world):
    assert _login(app, "resa") == "/c/dorf-a/"  # one community, nothing waiting
    make_poll(world)
    assert _login(app, "resa") == QUEUE  # one community, a vote waiting
    assert _login(app, "resa", "/c/dorf-a/rules/") == "/c/dorf-a/rules/"  # an explicit safe next wins
    assert _login(app, "resa", "//evil.example/") == QUEUE  # an unsafe one does not
    cs.add_resident(world.b, world["resa"], actor=world["comb"])
    db.session.commit()
    assert _login(app, "resa") == "/queue"  # several communities: what waits in each
    assert _login(app, "nobody") == "/"


def test_my_things_shows_the_case_subject_to_its_parties_only(app, world):
    case = make_case(world)
    html = en(app, "resa").get("/c/dorf-a/mine/").get_data(as_text=True)
    assert f"Case {case.id}: Neighbours" in html and 'class="status status-waiting"' in html
    other = en(app, "meda").get("/c/dorf-a/mine/").get_data(as_text=True)
    assert f"Case {case.id}" not in other


def test_community_page_shows_votes_and_rules(app, world):
    html = en(app, "resa").get("/c/dorf-a/").get_data(as_text=True)
    assert 'id="votes-h"' in html and 'id="rules-h"' in html
    assert 'href="/c/dorf-a/votes/"' in html.split("<main", 1)[1] and 'href="/c/dorf-a/rules/"' in html.split("<main", 1)[1]
