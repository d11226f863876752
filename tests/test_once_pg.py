"""One effect per submitted form, under real concurrency (PostgreSQL only).

The same rendered form sent several times at the same moment — a double tap on a slow phone, a
retry after a timeout while the first send is still being handled — makes exactly one object,
and every send lands on it (portal/web/once.py). Each send is its own request, with its own app
context, session and connection, as in gunicorn workers. Run with TEST_DATABASE_URL set.
"""
from __future__ import annotations

import secrets

import pytest
from sqlalchemy import func, select

from portal import create_app
from portal.audit import verify_community
from portal.comments.models import Comment
from portal.extensions import db
from portal.proposals.models import Proposal
from portal.web.models import SubmittedForm

from .conftest import is_postgres
from .support.helpers import Client, run_threads
from .support.proposals import category_id, make_proposal

pytestmark = [pytest.mark.usefixtures("fast_passwords"), pytest.mark.skipif(
    not is_postgres(), reason="PostgreSQL only: set TEST_DATABASE_URL=postgresql+psycopg://.../test")]

N = 8


@pytest.fixture
def app2(app):
    other = create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                        "UPLOAD_ROOT": app.config["UPLOAD_ROOT"],
                        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": N + 5, "max_overflow": 5}})
    other.jinja_env.bytecode_cache = app.jinja_env.bytecode_cache
    yield other
    with other.app_context():
        db.engine.dispose()


def send_at_once(app2, username, url, data, token_from):
    """N sends of one rendered form (one token) at once; their answers."""
    clients = []
    for _ in range(N):
        c = Client(app2)
        c.login(username)
        clients.append(c)
    form = dict(data, submit_token=secrets.token_urlsafe(24))
    tokens = [c.token(token_from) for c in clients]
    answers = [None] * N

    def send(i):
        def run():
            answers[i] = clients[i].post(url, dict(form, csrf_token=tokens[i]))
        return run

    run_threads([send(i) for i in range(N)], together=True, what="a send")
    return answers


def _landed_on_one_place(answers):
    assert all(a.status_code == 303 for a in answers), [a.status_code for a in answers]
    assert len({a.headers["Location"] for a in answers}) == 1, {a.headers["Location"] for a in answers}


def test_a_proposal_sent_n_times_at_once_is_made_once(app, app2, world):
    before = db.session.execute(select(func.count()).select_from(Proposal)).scalar_one()
    data = {"title": "Fix the well", "body": "The pump is broken.", "category": str(category_id(world.a)),
            "action": "publish"}
    answers = send_at_once(app2, "resa", "/c/dorf-a/proposals/new", data, "/c/dorf-a/proposals/new")
    _landed_on_one_place(answers)
    db.session.expire_all()
    assert db.session.execute(select(func.count()).select_from(Proposal)).scalar_one() == before + 1
    assert db.session.execute(select(func.count()).select_from(SubmittedForm)).scalar_one() == 1
    assert verify_community(world.a).ok


def test_a_comment_sent_n_times_at_once_appears_once(app, app2, world):
    p = make_proposal(world)
    url = f"/c/dorf-a/proposals/{p.id}"
    answers = send_at_once(app2, "meda", f"{url}/comments", {"body": "Me too."}, url)
    _landed_on_one_place(answers)
    db.session.expire_all()
    assert db.session.execute(select(func.count()).select_from(Comment)
                              .where(Comment.subject_id == p.id)).scalar_one() == 1
    assert verify_community(world.a).ok
