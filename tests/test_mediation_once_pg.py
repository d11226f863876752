"""One effect per submitted form under real concurrency (PostgreSQL only), for mediation.

The request form sent several times at the same moment — a double tap on a slow phone, a retry
after a timeout while the first send is still being handled — files exactly one case, and every
send lands on it (portal/web/once.py). Each send is its own request, with its own app context,
session and connection, as in gunicorn workers. Run with TEST_DATABASE_URL set (modelled on
test_once_pg.py).
"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.audit import verify_community
from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.mediation.models import CaseSession, MediationCase
from portal.web.models import SubmittedForm

from .conftest import is_postgres
from .support.mediation import make_case
from .support.once import send_at_once

pytestmark = [pytest.mark.usefixtures("fast_passwords"), pytest.mark.skipif(
    not is_postgres(), reason="PostgreSQL only: set TEST_DATABASE_URL=postgresql+psycopg://.../test")]

NEW = "/c/dorf-a/mediation/new"


def _landed_on_one_place(answers) -> str:
    assert all(a.status_code == 303 for a in answers), [a.status_code for a in answers]
    places = {a.headers["Location"] for a in answers}
    assert len(places) == 1, places
    return places.pop()


def _count(model, *where) -> int:
    db.session.expire_all()
    return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


REQUEST = {"category": "neighbours", "what_happened": "隔壁的鸡每天跑进我家菜地", "what_they_want": "请他把鸡关好",
           "other_party_name": "李四", "urgency": "normal", "consent": "y"}


def test_a_mediation_request_sent_n_times_at_once_files_one_case(app, app2, world):
    before = _count(MediationCase)
    place = _landed_on_one_place(send_at_once(app2, "resa", NEW, REQUEST, NEW))
    assert _count(MediationCase) == before + 1
    case = db.session.execute(select(MediationCase).order_by(MediationCase.id.desc())).scalars().first()
    assert place.endswith(f"/c/dorf-a/mediation/{case.id}") and case.what_happened == REQUEST["what_happened"]
    assert _count(AuditEvent, AuditEvent.action == "mediation.requested") == 1
    assert _count(SubmittedForm) == 1
    assert verify_community(world.a).ok


def test_a_request_filed_for_a_resident_n_times_at_once_is_filed_once(app, app2, world):
    data = dict(REQUEST, on_behalf_username="resa", present="y", agreed="y")
    place = _landed_on_one_place(send_at_once(app2, "coma", NEW, data, NEW))
    assert _count(MediationCase, MediationCase.origin == "on_behalf") == 1
    assert _count(AuditEvent, AuditEvent.action == "assisted.recorded") == 1
    assert "/c/dorf-a/mediation/" in place
    assert verify_community(world.a).ok


def test_a_session_sent_n_times_at_once_is_recorded_once(app, app2, world):
    case = make_case(world, "mediating")
    url = f"/c/dorf-a/mediation/{case.id}"
    place = _landed_on_one_place(send_at_once(app2, "meda", f"{url}/sessions",
                                              {"held_on": "2026-11-20", "place": "村委会调解室"}, url))
    assert place.endswith(f"{url}#sessions")
    assert _count(CaseSession, CaseSession.case_id == case.id) == 1
    assert verify_community(world.a).ok
