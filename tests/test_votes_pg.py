"""One person, one vote under real concurrency (PostgreSQL only: SQLite has one writer).

Fifty casts by one resident at once (double taps, several tabs) leave exactly one roll
entry and one ballot; two hundred residents at once leave a tally equal to the number
of successful casts, and the community's audit chain still verifies. Each writer has
its own app context, session and connection, as concurrent gunicorn requests do.
Run with TEST_DATABASE_URL set.
"""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, insert, select
from werkzeug.security import generate_password_hash

from portal import create_app
from portal.audit import verify_community
from portal.auth.models import User
from portal.communities import services as cs
from portal.communities.models import Community
from portal.extensions import db
from portal.votes import casting, closing
from portal.votes.models import Poll, PollResult, RollEntry, SealedBallot
from portal.web.errors import RuleViolation

from .conftest import is_postgres
from .support.helpers import PASSWORD, run_threads
from .support.votes import make_poll

pytestmark = [pytest.mark.usefixtures("fast_passwords"), pytest.mark.postgres, pytest.mark.skipif(
    not is_postgres(), reason="PostgreSQL only: set TEST_DATABASE_URL=postgresql+psycopg://.../test")]


def _app(app, n):
    other = create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                        "UPLOAD_ROOT": app.config["UPLOAD_ROOT"],
                        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": n + 5, "max_overflow": 5}})
    return other


def _run(targets, timeout=120):
    return run_threads(targets, timeout, together=True, what="a cast")


def _caster(other, poll_id, user_id, outcomes):
    def run():
        with other.app_context():
            community = db.session.execute(select(Community).join(Poll, Poll.community_id == Community.id)
                                           .where(Poll.id == poll_id)).scalar_one()
            poll, user = db.session.get(Poll, poll_id), db.session.get(User, user_id)
            try:
                casting.cast(community, poll, [1 + user_id % 3], actor=user)
                db.session.commit()
                outcomes.append("ok")
            except RuleViolation:
                db.session.rollback()
                outcomes.append("refused")
            finally:
                db.session.remove()
    return run


def _count(model, poll_id):
    db.session.expire_all()
    return db.session.execute(select(func.count()).select_from(model).where(model.poll_id == poll_id)).scalar_one()


def test_fifty_concurrent_casts_by_one_resident(app, world):
    p = make_poll(world, "open")
    other = _app(app, 50)
    outcomes = []
    _run([_caster(other, p.id, world["resa"].id, outcomes) for _ in range(50)])
    with other.app_context():
        db.engine.dispose()
    assert outcomes.count("ok") == 1 and outcomes.count("refused") == 49
    assert _count(RollEntry, p.id) == 1 and _count(SealedBallot, p.id) == 1
    assert verify_community(world.a).ok


def test_two_hundred_residents_at_once(app, world):
    digest = generate_password_hash(PASSWORD, method="scrypt:128:8:1")
    ids = db.session.execute(insert(User).returning(User.id), [
        {"username": f"voter{i:03d}", "display_name": f"Voter {i}", "password_hash": digest}
        for i in range(200)]).scalars().all()
    for u in db.session.execute(select(User).where(User.id.in_(ids))).scalars():
        cs.add_resident(world.a, u, actor=world["coma"])
    db.session.commit()
    p = make_poll(world, "open")
    other = _app(app, 40)
    outcomes = []
    # Each resident taps twice: 400 requests, 200 of them must succeed.
    _run([_caster(other, p.id, uid, outcomes) for uid in ids for _ in range(2)], timeout=300)
    with other.app_context():
        db.engine.dispose()
    ok = outcomes.count("ok")
    assert ok == 200 and outcomes.count("refused") == 200
    assert _count(RollEntry, p.id) == ok and _count(SealedBallot, p.id) == ok
    casting.cast(world.a, p, [1], actor=world["coma"])
    casting.cast(world.a, p, [1], actor=world["meda"])
    casting.cast(world.a, p, [1], actor=world["resa"])  # the last of the list: closes the poll
    db.session.commit()
    assert p.state == "closed"
    r = db.session.get(PollResult, p.id)
    assert sum(json.loads(r.totals)) == ok + 3 == r.turnout
    assert closing.recount(p)[0]
    assert verify_community(world.a).ok


def test_the_last_two_ballots_at_once_close_the_poll_exactly_once(app, world):
    """Two of three have not voted; both cast at the same moment, each in its own transaction.
    The poll's row lock orders them: the first leaves one missing, the second completes the
    electorate and closes (its roll count runs after the lock, so it sees the first's entry).
    Exactly one close, one result, and every ballot is in it."""
    from portal.audit.models import AuditEvent

    p = make_poll(world, "open")
    casting.cast(world.a, p, [1], actor=world["coma"])
    db.session.commit()
    other = _app(app, 4)
    outcomes = []
    _run([_caster(other, p.id, world[n].id, outcomes) for n in ("resa", "meda")])
    with other.app_context():
        db.engine.dispose()
    assert outcomes == ["ok", "ok"]
    db.session.expire_all()
    poll = db.session.get(Poll, p.id)
    assert poll.state == "closed"
    closes = db.session.execute(select(AuditEvent.payload).where(AuditEvent.action == "poll.closed")).scalars().all()
    assert len(closes) == 1 and json.loads(closes[0])["data"]["reason"] == "everyone_voted"
    assert db.session.execute(select(func.count()).select_from(PollResult)
                              .where(PollResult.poll_id == p.id)).scalar_one() == 1
    assert db.session.get(PollResult, p.id).turnout == 3 and _count(SealedBallot, p.id) == 0
    assert closing.recount(poll)[0] and verify_community(world.a).ok
