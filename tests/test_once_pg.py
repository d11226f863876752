"""One effect per submitted form, under real concurrency (PostgreSQL only).

The same rendered form sent several times at the same moment — a double tap on a slow phone, a
retry after a timeout while the first send is still being handled — makes exactly one object,
and every send lands on it (portal/web/once.py). Each send is its own request, with its own app
context, session and connection, as in gunicorn workers. Run with TEST_DATABASE_URL set.
"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.audit import verify_community
from portal.comments.models import Comment
from portal.extensions import db
from portal.proposals.models import Proposal
from portal.web.models import SubmittedForm

from .conftest import is_postgres
from .support.once import landed_on_one_place, send_at_once
from .support.proposals import category_id, make_proposal

pytestmark = [pytest.mark.usefixtures("fast_passwords"), pytest.mark.skipif(
    not is_postgres(), reason="PostgreSQL only: set TEST_DATABASE_URL=postgresql+psycopg://.../test")]

def test_a_proposal_sent_n_times_at_once_is_made_once(app, app2, world):
    before = db.session.execute(select(func.count()).select_from(Proposal)).scalar_one()
    data = {"title": "Fix the well", "body": "The pump is broken.", "category": str(category_id(world.a)),
            "action": "publish"}
    answers = send_at_once(app2, "resa", "/c/dorf-a/proposals/new", data, "/c/dorf-a/proposals/new")
    landed_on_one_place(answers)
    db.session.expire_all()
    assert db.session.execute(select(func.count()).select_from(Proposal)).scalar_one() == before + 1
    assert db.session.execute(select(func.count()).select_from(SubmittedForm)).scalar_one() == 1
    assert verify_community(world.a).ok


def test_a_comment_sent_n_times_at_once_appears_once(app, app2, world):
    p = make_proposal(world)
    url = f"/c/dorf-a/proposals/{p.id}"
    answers = send_at_once(app2, "meda", f"{url}/comments", {"body": "Me too."}, url)
    landed_on_one_place(answers)
    db.session.expire_all()
    assert db.session.execute(select(func.count()).select_from(Comment)
                              .where(Comment.subject_id == p.id)).scalar_one() == 1
    assert verify_community(world.a).ok
