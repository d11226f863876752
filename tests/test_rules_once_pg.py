"""One amendment per rendered form, under real concurrency (PostgreSQL only).

The same amendment form sent several times at the same moment (a double tap on a slow phone, a
retry while the first send is still being handled) makes exactly one amendment, and every send
lands on it (portal/web/once.py). Each send is its own request, with its own app context,
session and connection. Run with TEST_DATABASE_URL set (its own database, e.g. .../test_rules).
"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.audit import verify_community
from portal.comments.models import Comment
from portal.extensions import db
from portal.rules import services
from portal.rules.models import Amendment
from portal.web.models import SubmittedForm

from .conftest import is_postgres
from .support.once import landed_on_one_place, send_at_once
from .support.rules import make_rules

pytestmark = [pytest.mark.usefixtures("fast_passwords"), pytest.mark.skipif(
    not is_postgres(), reason="PostgreSQL only: set TEST_DATABASE_URL=postgresql+psycopg://.../test_rules")]


def test_an_amendment_sent_n_times_at_once_is_made_once(app, app2, world):
    v = make_rules(world, "consultation")
    c = services.clauses_of(v)[0]
    page = f"/c/dorf-a/rules/v/{v.id}/clauses/{c.id}"
    answers = send_at_once(app2, "resa", f"{page}/amendments",
                            {"kind": "change", "text": "村民必须爱护公共设施。", "rationale": "更清楚"}, page)
    landed_on_one_place(answers)
    db.session.expire_all()
    made = db.session.execute(select(Amendment).where(Amendment.version_id == v.id)).scalars().all()
    assert len(made) == 1
    assert answers[0].headers["Location"].endswith(f"/rules/v/{v.id}/amendments/{made[0].id}")
    assert db.session.execute(select(func.count()).select_from(SubmittedForm)).scalar_one() == 1
    assert verify_community(world.a).ok


def test_a_clause_comment_sent_n_times_at_once_appears_once(app, app2, world):
    v = make_rules(world, "consultation")
    c = services.clauses_of(v)[0]
    page = f"/c/dorf-a/rules/v/{v.id}/clauses/{c.id}"
    answers = send_at_once(app2, "meda", f"{page}/comments", {"body": "同意。"}, page)
    landed_on_one_place(answers)
    db.session.expire_all()
    assert db.session.execute(select(func.count()).select_from(Comment)
                              .where(Comment.subject_type == "rule_clause", Comment.subject_id == c.id)).scalar_one() == 1
    assert verify_community(world.a).ok
