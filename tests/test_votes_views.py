"""Votes pages through HTTP: the committee's flow, casting with a confirmation step,
the receipt, the published table and lookup, assisted and paper entry, "my votes",
and secrecy of what the pages and exports show."""
from __future__ import annotations

import json
import re
from datetime import timedelta

from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.db import utcnow
from portal.extensions import db
from portal.votes import casting, closing
from portal.votes.models import Ballot, Poll, PollResult, RollEntry

from .support.helpers import Client
from .support.votes import make_due, make_poll, receipt_code, sealed_count

EN = {"lang": "en"}


def _as(app, name):
    c = Client(app)
    c.login(name)
    return c


def _local(dt):
    from zoneinfo import ZoneInfo

    return dt.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%dT%H:%M")


def test_committee_creates_edits_opens_and_residents_vote(app, world):
    app.config["VOTES_MIN_PUBLISHED"] = 3  # community A has three voters: publish their table
    coma = _as(app, "coma")
    now = utcnow()
    r = coma.post("/c/dorf-a/votes/new", {
        "question": "Plant trees on the square?", "description": "Twenty trees.", "kind": "yes_no_abstain",
        "secrecy": "secret", "preset": "simple_majority", "opens_at": _local(now),
        "closes_at": _local(now + timedelta(days=2)), "options": "", "k": "", "proposal": ""},
        token_from="/c/dorf-a/votes/new")
    assert r.status_code == 303, r.get_data(as_text=True)[:3000]
    poll = db.session.execute(select(Poll)).scalar_one()
    assert poll.state == "draft" and poll.secret
    # Drafts are the committee's.
    assert Client(app).get(f"/c/dorf-a/votes/{poll.id}").status_code == 404
    page = coma.get(f"/c/dorf-a/votes/{poll.id}/edit").get_data(as_text=True)
    assert "Plant trees on the square?" in page
    r = coma.post(f"/c/dorf-a/votes/{poll.id}/edit", {
        "question": "Plant twenty trees on the square?", "kind": "yes_no_abstain", "secrecy": "secret",
        "preset": "villagers_meeting", "opens_at": _local(now), "closes_at": _local(now + timedelta(days=3))},
        token_from="/c/dorf-a/votes/new")
    assert r.status_code == 303
    r = coma.post(f"/c/dorf-a/votes/{poll.id}/open", token_from="/c/dorf-a/votes/new")
    assert r.status_code == 303
    db.session.expire_all()
    assert poll.state == "open" and poll.question == "Plant twenty trees on the square?"

    resa = _as(app, "resa")
    page = resa.get(f"/c/dorf-a/votes/{poll.id}", query_string=EN).get_data(as_text=True)
    assert "A vote cannot be changed once it is cast." in page and 'name="choice"' in page
    token = resa.token(f"/c/dorf-a/votes/{poll.id}")
    r = resa.post(f"/c/dorf-a/votes/{poll.id}/confirm?lang=en", {"choice": "2", "csrf_token": token})
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert "You chose:" in page and "#vote-no" in page and ">No<" in page
    assert db.session.execute(select(RollEntry)).first() is None  # nothing cast yet
    r = resa.post(f"/c/dorf-a/votes/{poll.id}/cast?lang=en", {"choice": "2", "csrf_token": token})
    # The receipt is the cast's own answer: no redirect, so the code is in no URL, and not stored.
    assert r.status_code == 200 and "Location" not in r.headers and r.headers["Cache-Control"] == "no-store"
    receipt = r.get_data(as_text=True)
    tracker = receipt_code(receipt)
    assert "Your vote is counted." in receipt and "This code is shown only now" in receipt
    # The receipt does not repeat the choice.
    assert "#vote-no" not in receipt
    # A second try (another rendered ballot) is refused by the roll: the poll's page again, with the
    # message in the error summary; the page says the vote is in.
    r = resa.post(f"/c/dorf-a/votes/{poll.id}/cast?lang=en", {"choice": "1", "csrf_token": token})
    assert r.status_code == 400
    assert "A vote has already been recorded for this person" in r.get_data(as_text=True)
    assert "You have voted." in resa.get(f"/c/dorf-a/votes/{poll.id}", query_string=EN).get_data(as_text=True)
    assert sealed_count(poll.id) == 1 and db.session.execute(select(Ballot)).first() is None  # sealed until close

    # The committee records meda's vote in person, then votes itself, which closes the poll.
    page = coma.get(f"/c/dorf-a/votes/{poll.id}/assisted", query_string=EN).get_data(as_text=True)
    assert ">Meda</option>" in page and ">Coma</option>" not in page  # never for oneself
    r = coma.post(f"/c/dorf-a/votes/{poll.id}/assisted",
                  {"voter": str(world["meda"].id), "choice": "1", "present": "y", "agreed": "y"},
                  token_from=f"/c/dorf-a/votes/{poll.id}/assisted")
    assert r.status_code == 303
    r = coma.post(f"/c/dorf-a/votes/{poll.id}/close?lang=en", token_from="/c/dorf-a/votes/new")
    assert r.status_code == 400  # coma has not voted yet: the poll's page again, saying why
    assert "every eligible resident has voted" in r.get_data(as_text=True)
    token = coma.token(f"/c/dorf-a/votes/{poll.id}")
    r = coma.post(f"/c/dorf-a/votes/{poll.id}/cast?lang=en", {"choice": "1", "csrf_token": token})
    assert r.status_code == 200  # the last of the list: this vote closed the poll
    assert "Everyone on the list has voted: the poll is closed" in r.get_data(as_text=True)
    db.session.expire_all()
    assert poll.state == "closed" and poll.passed is True and poll.quorum_met

    visitor = Client(app)
    page = visitor.get(f"/c/dorf-a/votes/{poll.id}", query_string=EN).get_data(as_text=True)
    result = db.session.get(PollResult, poll.id)
    assert result.ballots_sha256 in page and result.roll_sha256 in page and '<svg class="chart"' in page
    assert "Passed (Yes: 2, No: 1, Abstain: 0; 3 of 3 took part)" in page
    assert "Online: 2" in page and "With help of a committee member: 1" in page
    assert "Households taking part" not in page and poll.households_count is None  # no roster households here
    # The published table, sorted by code, and the lookup.
    page = visitor.get(f"/c/dorf-a/votes/{poll.id}/ballots", query_string=EN).get_data(as_text=True)
    codes = re.findall(r"<td><code>([0-9A-HJKMNP-TV-Z-]{19})</code></td>", page)
    assert len(codes) == 3 and codes == sorted(codes)
    spaced = tracker[:4].lower() + " " + tracker[4:]
    find = f"/c/dorf-a/votes/{poll.id}/find?lang=en"
    r = visitor.post(find, {"tracker": spaced}, token_from=find, once=False)
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    page = r.get_data(as_text=True)
    assert "Found: ballot" in page and "counted as: No" in page
    page = visitor.post(find, {"tracker": "AAAA"}, token_from=find, once=False).get_data(as_text=True)
    assert "No ballot with this code" in page
    csv = visitor.get(f"/c/dorf-a/votes/{poll.id}/ballots.csv", buffered=True)
    assert csv.mimetype == "text/csv"
    import hashlib

    assert hashlib.sha256(csv.get_data()).hexdigest() == result.ballots_sha256
    assert visitor.get(f"/c/dorf-a/votes/{poll.id}/roll.csv", buffered=True).status_code == 303  # members only
    roll = resa.get(f"/c/dorf-a/votes/{poll.id}/roll.csv", buffered=True).get_data()
    assert hashlib.sha256(roll).hexdigest() == result.roll_sha256
    # meda sees the assisted vote in their history.
    meda = _as(app, "meda")
    page = meda.get("/c/dorf-a/votes/mine", query_string=EN).get_data(as_text=True)
    assert "Recorded by Coma with you present." in page
    # Secrecy: no page, export or audit payload puts a name next to a choice.
    for url in (f"/c/dorf-a/votes/{poll.id}", f"/c/dorf-a/votes/{poll.id}/ballots", "/c/dorf-a/votes/mine",
                "/c/dorf-a/votes/", "/c/dorf-a/audit/"):
        for who in (coma, meda, resa, visitor):
            html = who.get(url, query_string=EN).get_data(as_text=True)
            assert "Names and choices" not in html
            if "/ballots" not in url:
                assert not any(code in html for code in codes), url
    export = coma.get("/c/dorf-a/audit/export.jsonl", buffered=True).get_data(as_text=True)
    assert not any(t.replace("-", "") in export for t in codes)
    for payload in db.session.execute(select(AuditEvent.payload)).scalars():
        data = json.loads(payload)["data"]
        if json.loads(payload)["action"] == "poll.participated":
            assert set(data) <= {"origin", "voter"}


def test_roll_call_poll_shows_names_with_choices_after_close(app, world):
    p = make_poll(world, "open", secret=False)
    casting.cast(world.a, p, [2], actor=world["resa"])
    db.session.commit()
    page = Client(app).get(f"/c/dorf-a/votes/{p.id}", query_string=EN).get_data(as_text=True)
    assert "Names and choices" not in page
    make_due(p)
    page = Client(app).get(f"/c/dorf-a/votes/{p.id}", query_string=EN).get_data(as_text=True)
    assert "Names and choices (roll-call vote)" in page and "Resa: No" in page


def test_closed_on_access_after_closing_time(app, world):
    p = make_poll(world, "voted")
    make_due(p)
    page = Client(app).get("/c/dorf-a/votes/", query_string=EN).get_data(as_text=True)
    db.session.expire_all()
    assert p.state == "closed" and "Passed" in page


def test_paper_flow_through_the_pages(app, world):
    from portal.communities import services as cs

    from .support.helpers import make_user

    comc = make_user("comc")
    cs.grant_role(world.a, cs.add_resident(world.a, comc, actor=world["coma"]), "committee", actor=world["coma"])
    db.session.commit()
    p = make_poll(world, "open")
    coma, other = _as(app, "coma"), _as(app, "comc")
    url = f"/c/dorf-a/votes/{p.id}/paper"
    page = coma.get(url, query_string=EN).get_data(as_text=True)
    assert "Resa" in page and "Meda" in page
    r = coma.post(url + "/mark", {"voters": [str(world["resa"].id), str(world["meda"].id)]}, token_from=url)
    assert r.status_code == 303
    r = coma.post(url + "/totals?lang=en", {"ballots": "2", "invalid": "0", "count-1": "1", "count-2": "0",
                                             "count-3": "0"}, token_from=url)
    assert r.status_code == 400 and "add up" in r.get_data(as_text=True)
    r = coma.post(url + "/totals", {"ballots": "2", "invalid": "1", "count-1": "1", "count-2": "0", "count-3": "0"},
                  token_from=url)
    assert r.status_code == 303
    r = coma.post(url + "/confirm?lang=en", token_from=url)
    assert r.status_code == 400 and "A second committee member must confirm" in r.get_data(as_text=True)
    assert other.post(url + "/confirm", token_from=url).status_code == 303
    page = other.get(url, query_string=EN).get_data(as_text=True)
    assert "Confirmed by Comc" in page
    resa = _as(app, "resa")
    page = resa.get(f"/c/dorf-a/votes/{p.id}", query_string=EN).get_data(as_text=True)
    assert "You voted on paper" in page


SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'


def _inert(html, where):
    low = html.lower()
    assert "<script" not in low and "<img" not in low and "onerror=alert(1)>" not in low, where


def test_hostile_text_is_escaped_on_every_votes_page(app, world):
    from markupsafe import escape

    from portal.communities import services as cs

    from .support.helpers import make_user

    evil_name = SCRIPT + '"><img src=x>'  # within the 50 characters of a display name
    evil = make_user("evilvoter", name=evil_name)
    cs.add_resident(world.a, evil, actor=world["coma"])
    db.session.commit()
    p = make_poll(world, "open", kind="up_to_k", k=2, secret=False, question=SCRIPT + " square?",
                  options=[SCRIPT, IMG, "plain"])
    p.description = IMG + "\n" + SCRIPT
    db.session.commit()
    casting.cast(world.a, p, [1, 2], actor=evil)
    db.session.commit()
    coma, ev = _as(app, "coma"), _as(app, "evilvoter")
    pages = [(coma, f"/c/dorf-a/votes/{p.id}"), (coma, f"/c/dorf-a/votes/{p.id}/assisted"),
             (coma, f"/c/dorf-a/votes/{p.id}/paper"), (coma, f"/c/dorf-a/votes/{p.id}/edit"),
             (coma, "/c/dorf-a/votes/"), (ev, "/c/dorf-a/votes/mine"), (coma, "/c/dorf-a/audit/")]
    for who, url in pages:
        r = who.get(url)
        assert r.status_code in (200, 403), url
        _inert(r.get_data(as_text=True), url)
    html = coma.get(f"/c/dorf-a/votes/{p.id}/assisted").get_data(as_text=True)
    assert str(escape(SCRIPT)) in html and str(escape(IMG)) in html
    token = coma.token(f"/c/dorf-a/votes/{p.id}")
    r = coma.post(f"/c/dorf-a/votes/{p.id}/confirm", {"choice": ["1", "2"], "csrf_token": token})
    _inert(r.get_data(as_text=True), "confirm")
    make_due(p)
    for url in (f"/c/dorf-a/votes/{p.id}", f"/c/dorf-a/votes/{p.id}/ballots", f"/c/dorf-a/votes/{p.id}/find"):
        html = Client(app).get(url).get_data(as_text=True)
        _inert(html, url)
    find, visitor = f"/c/dorf-a/votes/{p.id}/find", Client(app)
    _inert(visitor.post(find, {"tracker": '"><img src=x onerror=alert(1)>'}, token_from=find,
                        once=False).get_data(as_text=True), "find")
    html = Client(app).get(f"/c/dorf-a/votes/{p.id}").get_data(as_text=True)
    assert str(escape(evil_name)) in html  # the roll-call name, shown escaped


def test_proposal_and_poll_link_both_ways(app, world):
    from .support.proposals import make_proposal

    prop = make_proposal(world)
    coma = _as(app, "coma")
    page = coma.get(f"/c/dorf-a/proposals/{prop.id}", query_string=EN).get_data(as_text=True)
    assert f"/c/dorf-a/votes/new?proposal={prop.id}" in page  # the committee can put it to a vote
    form = coma.get(f"/c/dorf-a/votes/new?proposal={prop.id}").get_data(as_text=True)
    assert f'value="{prop.id}"' in form
    p = make_poll(world, "closed", link_kind="proposal", link_id=prop.id)
    page = Client(app).get(f"/c/dorf-a/proposals/{prop.id}", query_string=EN).get_data(as_text=True)
    assert f"/c/dorf-a/votes/{p.id}" in page and "Passed" in page and "votes/new" not in page
    page = Client(app).get(f"/c/dorf-a/votes/{p.id}", query_string=EN).get_data(as_text=True)
    assert "This vote decides:" in page and f"/c/dorf-a/proposals/{prop.id}" in page


def test_published_ballots_are_paged_by_receipt_code(app, world):
    from portal.communities import services as cs

    from .support.budget import make_people

    people = make_people("many", 60)
    for u in people:
        cs.add_resident(world.a, u, actor=world["coma"])
    db.session.commit()
    p = make_poll(world, "open")
    for u in people:
        casting.cast(world.a, p, [1], actor=u)
    make_due(p)
    closing.close_if_due(world.a, p)
    db.session.commit()
    client = Client(app)
    html = client.get(f"/c/dorf-a/votes/{p.id}/ballots", query_string=EN).get_data(as_text=True)
    first = re.findall(r"<td><code>([0-9A-HJKMNP-TV-Z-]{19})</code></td>", html)
    link = re.search(r'<a rel="next" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    html = client.get(link).get_data(as_text=True)
    rest = re.findall(r"<td><code>([0-9A-HJKMNP-TV-Z-]{19})</code></td>", html)
    assert len(first) == 50 and len(rest) == 10 and first + rest == sorted(first + rest)
    assert 'rel="next"' not in html
    for bad in ("x", "AAAA", "a" * 16, "A" * 17):
        assert client.get(f"/c/dorf-a/votes/{p.id}/ballots?after={bad}").status_code == 400
