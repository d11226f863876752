"""Two units acting on one matter at the same moment (PostgreSQL only: SQLite has one writer). The
matter's row lock (services.lock) orders them: the second meets the first's state and is refused,
or finds nothing to do. Each writer has its own app context, session and connection, as concurrent
gunicorn requests do. Run with TEST_DATABASE_URL set."""
from __future__ import annotations

from datetime import timedelta

import pytest

from portal.auth.models import User
from portal.communities.models import Community
from portal.extensions import db
from portal.matters import services as ms
from portal.matters.models import Matter
from portal.web.errors import RuleViolation

from .conftest import is_postgres
from .support.helpers import run_threads
from .support.matters_checks import check_all, events

pytestmark = [pytest.mark.usefixtures("fast_passwords"), pytest.mark.postgres, pytest.mark.skipif(
    not is_postgres(), reason="PostgreSQL only: set TEST_DATABASE_URL=postgresql+psycopg://.../test")]


def _worker(other, outcomes, name, fn, unit_id, matter_id, user_id):
    def run():
        with other.app_context():
            unit = db.session.get(Community, unit_id)
            matter = db.session.get(Matter, matter_id)
            user = db.session.get(User, user_id) if user_id else None
            try:
                result = fn(unit, matter, user)
                db.session.commit()
                outcomes[name] = "nothing" if result is False else "ok"
            except RuleViolation:
                db.session.rollback()
                outcomes[name] = "refused"
            finally:
                db.session.remove()
    return run


def _report(world):
    cat = ms.categories(world.unit("jie-a"))[0]
    m = ms.report(world.a, category_id=cat.id, title="Broken lamp", actor=world["resa"])
    db.session.commit()
    return m


def _matter(m):
    db.session.expire_all()
    return db.session.get(Matter, m.id)


@pytest.mark.parametrize("attempt", range(3))
def test_accept_against_recall(app, app2, world, attempt):
    dept = world.unit("dept-a")
    m = _report(world)
    ms.dispatch(world.a, m, dept, actor=world["coma"])
    db.session.commit()
    outcomes = {}
    run_threads([
        _worker(app2, outcomes, "accept", lambda u, mm, usr: ms.accept(u, mm, actor=usr), dept.id, m.id,
                world["depa"].id),
        _worker(app2, outcomes, "recall", lambda u, mm, usr: ms.recall(u, mm, actor=usr), world.a.id, m.id,
                world["coma"].id),
    ], together=True)
    assert sorted(outcomes.values()) == ["ok", "refused"], outcomes
    m = _matter(m)
    if outcomes["accept"] == "ok":
        assert (m.state, m.holder_id) == ("handling", dept.id)
    else:
        assert (m.state, m.holder_id) == ("triage", world.a.id)
        assert events(world.a.id)[-1].action == "matter.recalled.received"
    check_all()


@pytest.mark.parametrize("attempt", range(3))
def test_resolve_against_escalation(app, app2, world, attempt):
    dept = world.unit("dept-a")
    m = _report(world)
    ms.dispatch(world.a, m, dept, actor=world["coma"])
    ms.accept(dept, m, actor=world["depa"])
    db.session.commit()
    later = m.deadline + ms.grace() + timedelta(minutes=1)
    outcomes = {}
    run_threads([
        _worker(app2, outcomes, "resolve", lambda u, mm, usr: ms.resolve(u, mm, "fixed", actor=usr), dept.id, m.id,
                world["depa"].id),
        _worker(app2, outcomes, "escalate", lambda u, mm, usr: ms.escalate_if_due(mm, later), dept.id, m.id, None),
    ], together=True)
    m = _matter(m)
    if outcomes["resolve"] == "ok":
        assert outcomes["escalate"] == "nothing" and m.state == "resolved" and m.holder_id == dept.id
    else:
        assert outcomes == {"resolve": "refused", "escalate": "ok"}
        assert (m.state, m.holder_id, m.sender_id) == ("dispatched", world.unit("jie-a").id, dept.id)
    check_all()


@pytest.mark.parametrize("attempt", range(3))
def test_two_dispatches_at_once(app, app2, world, attempt):
    dept, street = world.unit("dept-a"), world.unit("jie-a")
    dept_id, street_id = dept.id, street.id
    m = _report(world)
    outcomes = {}
    run_threads([
        _worker(app2, outcomes, "to dept", lambda u, mm, usr: ms.dispatch(u, mm, db.session.get(Community, dept_id), actor=usr), world.a.id, m.id,
                world["coma"].id),
        _worker(app2, outcomes, "to street", lambda u, mm, usr: ms.dispatch(u, mm, db.session.get(Community, street_id),
                                                                             actor=usr), world.a.id, m.id,
                world["coma"].id),
    ], together=True)
    assert sorted(outcomes.values()) == ["ok", "refused"], outcomes
    m = _matter(m)
    assert m.state == "dispatched" and m.holder_id == (dept.id if outcomes["to dept"] == "ok" else street.id)
    assert len(events(world.a.id, "matter.dispatched.sent")) == 1
    check_all()
