"""One effect per submitted votes form, under real concurrency (PostgreSQL only).

The same rendered new-poll form, ballot or paper totals form sent several times at the same moment
(a double tap on a slow phone, a retry while the first send is still being handled) makes exactly
one poll, one ballot, one paper totals entry, and every send lands where the first one went — for
a ballot the poll's page, never the receipt (portal/web/once.py). Each send is its own request,
with its own app context, session and connection, as in gunicorn workers. Run with
TEST_DATABASE_URL set (its own database, e.g. test_votes).
"""
from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from portal.audit import verify_community
from portal.audit.models import AuditEvent
from portal.db import utcnow
from portal.extensions import db
from portal.votes import paper
from portal.votes.models import PaperTotals, Poll, RollEntry, SealedBallot
from portal.web.models import SubmittedForm

from .conftest import is_postgres
from .support.once import send_at_once
from .support.votes import make_poll

pytestmark = [pytest.mark.usefixtures("fast_passwords"), pytest.mark.postgres, pytest.mark.skipif(
    not is_postgres(), reason="PostgreSQL only: set TEST_DATABASE_URL=postgresql+psycopg://.../test_votes")]

def _count(model, *where) -> int:
    return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def _local(dt):
    return dt.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%dT%H:%M")


def test_a_new_poll_sent_n_times_at_once_is_made_once(app, app2, world):
    now = utcnow()
    data = {"question": "Plant trees on the square?", "description": "", "kind": "yes_no_abstain",
            "secrecy": "secret", "preset": "simple_majority", "opens_at": _local(now),
            "closes_at": _local(now + timedelta(days=2)), "options": "", "k": "", "proposal": ""}
    answers = send_at_once(app2, "coma", "/c/dorf-a/votes/new", data, "/c/dorf-a/votes/new")
    assert all(a.status_code == 303 for a in answers), [a.status_code for a in answers]
    assert len({a.headers["Location"] for a in answers}) == 1
    db.session.expire_all()
    polls = db.session.execute(select(Poll)).scalars().all()
    assert len(polls) == 1 and answers[0].headers["Location"].endswith(f"/votes/{polls[0].id}")
    assert _count(SubmittedForm) == 1
    assert verify_community(world.a).ok


def test_a_ballot_sent_n_times_at_once_is_cast_once(app, app2, world):
    p = make_poll(world, "open")
    url = f"/c/dorf-a/votes/{p.id}"
    answers = send_at_once(app2, "resa", f"{url}/cast", {"choice": "1"}, url)
    # The send that cast it is answered with the receipt itself (200, no-store, no Location); every
    # other one goes to the poll's page, never to an address with the code.
    receipts = [a for a in answers if a.status_code == 200]
    assert len(receipts) == 1 and "Location" not in receipts[0].headers, [a.status_code for a in answers]
    assert receipts[0].headers["Cache-Control"] == "no-store"
    places = [a.headers["Location"] for a in answers if a is not receipts[0]]
    assert len(places) == len(answers) - 1 and all(x.endswith(f"{url}#cast") for x in places), places
    db.session.expire_all()
    assert _count(SealedBallot, SealedBallot.poll_id == p.id) == 1 and _count(RollEntry, RollEntry.poll_id == p.id) == 1
    rows = db.session.execute(select(SubmittedForm.target)).scalars().all()
    assert len(rows) == 1 and rows[0].endswith(f"{url}#cast")
    assert verify_community(world.a).ok


def test_paper_totals_sent_n_times_at_once_are_entered_once(app, app2, world):
    p = make_poll(world, "open")
    paper.mark_paper(world.a, p, [world["resa"], world["meda"]], actor=world["coma"])
    db.session.commit()
    url = f"/c/dorf-a/votes/{p.id}/paper"
    answers = send_at_once(app2, "coma", f"{url}/totals",
                           {"ballots": "2", "invalid": "0", "count-1": "1", "count-2": "1", "count-3": "0"}, url)
    assert all(a.status_code == 303 for a in answers), [a.status_code for a in answers]
    assert {a.headers["Location"] for a in answers} == {answers[0].headers["Location"]}
    db.session.expire_all()
    assert _count(AuditEvent, AuditEvent.action == "poll.paper_entered") == 1
    assert db.session.get(PaperTotals, p.id).ballots == 2
    assert verify_community(world.a).ok
