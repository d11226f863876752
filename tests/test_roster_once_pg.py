"""The roster import (and the other creating forms of the committee and the platform admin) sent
several times at the same moment imports once, and every send lands on the result (PostgreSQL only:
portal/web/once.py). Each send is its own request, with its own app context, session and connection,
as in gunicorn workers. Run with TEST_DATABASE_URL set; modelled on tests/test_once_pg.py."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.audit import verify_community
from portal.auth.models import User
from portal.communities.models import Community
from portal.extensions import db
from portal.moderation.models import Flag
from portal.roster.models import Household, HouseholdMember
from portal.web.models import SubmittedForm

from .conftest import is_postgres
from .support.once import landed_on_one_place, send_at_once
from .support.proposals import make_proposal

pytestmark = [pytest.mark.usefixtures("fast_passwords"), pytest.mark.skipif(
    not is_postgres(), reason="PostgreSQL only: set TEST_DATABASE_URL=postgresql+psycopg://.../test")]

ROSTER = "姓名,户,手机\n王秀英,三组12号,13900000001\n王建国,三组12号,\n李桂兰,五组3号,\n"


def _count(model, *where):
    db.session.expire_all()
    return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def test_a_roster_import_sent_n_times_at_once_imports_once(app, app2, world):
    users = _count(User)
    answers = send_at_once(app2, "coma", "/c/dorf-a/roster/import", {"roster_text": ROSTER}, "/c/dorf-a/roster/")
    landed_on_one_place(answers)
    assert answers[0].headers["Location"].endswith("/roster/households")
    assert _count(User) == users + 3
    assert _count(HouseholdMember) == 3
    assert _count(Household, Household.community_id == world.a.id) == 2
    assert _count(SubmittedForm) == 1
    assert verify_community(world.a).ok


def test_a_new_community_sent_n_times_at_once_is_made_once(app, app2, world):
    data = {"slug": "dorf-c", "name": "Dorf C", "region": "", "kind": "village", "default_locale": "zh_Hans"}
    answers = send_at_once(app2, "root", "/admin/communities", data, "/admin/")
    landed_on_one_place(answers)
    assert _count(Community, Community.slug == "dorf-c") == 1


def test_a_report_sent_n_times_at_once_is_made_once(app, app2, world):
    p = make_proposal(world)
    url = f"/c/dorf-a/moderation/flag/proposal/{p.id}"
    answers = send_at_once(app2, "meda", url, {"reason": "Advertising"}, url)
    landed_on_one_place(answers)
    assert _count(Flag) == 1
    assert verify_community(world.a).ok
