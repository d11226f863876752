"""The roster import (and the other creating forms of the committee and the platform admin) sent
several times at the same moment imports once, and every send lands on the result (PostgreSQL only:
portal/web/once.py). Each send is its own request, with its own app context, session and connection,
as in gunicorn workers. Run with TEST_DATABASE_URL set; modelled on tests/test_once_pg.py."""
from __future__ import annotations

import secrets

import pytest
from sqlalchemy import func, select

from portal import create_app
from portal.audit import verify_community
from portal.auth.models import User
from portal.communities.models import Community
from portal.extensions import db
from portal.moderation.models import Flag
from portal.roster.models import Household, HouseholdMember
from portal.web.models import SubmittedForm

from .conftest import is_postgres
from .support.helpers import Client, run_threads
from .support.proposals import make_proposal

pytestmark = [pytest.mark.usefixtures("fast_passwords"), pytest.mark.skipif(
    not is_postgres(), reason="PostgreSQL only: set TEST_DATABASE_URL=postgresql+psycopg://.../test")]

N = 8
ROSTER = "姓名,户,手机\n王秀英,三组12号,13900000001\n王建国,三组12号,\n李桂兰,五组3号,\n"


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


def _count(model, *where):
    db.session.expire_all()
    return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def test_a_roster_import_sent_n_times_at_once_imports_once(app, app2, world):
    users = _count(User)
    answers = send_at_once(app2, "coma", "/c/dorf-a/roster/import", {"roster_text": ROSTER}, "/c/dorf-a/roster/")
    _landed_on_one_place(answers)
    assert answers[0].headers["Location"].endswith("/roster/households")
    assert _count(User) == users + 3
    assert _count(HouseholdMember) == 3
    assert _count(Household, Household.community_id == world.a.id) == 2
    assert _count(SubmittedForm) == 1
    assert verify_community(world.a).ok


def test_a_new_community_sent_n_times_at_once_is_made_once(app, app2, world):
    data = {"slug": "dorf-c", "name": "Dorf C", "region": "", "kind": "village", "default_locale": "zh_Hans"}
    answers = send_at_once(app2, "root", "/admin/communities", data, "/admin/")
    _landed_on_one_place(answers)
    assert _count(Community, Community.slug == "dorf-c") == 1


def test_a_report_sent_n_times_at_once_is_made_once(app, app2, world):
    p = make_proposal(world)
    url = f"/c/dorf-a/moderation/flag/proposal/{p.id}"
    answers = send_at_once(app2, "meda", url, {"reason": "Advertising"}, url)
    _landed_on_one_place(answers)
    assert _count(Flag) == 1
    assert verify_community(world.a).ok
