"""The resident's objection to what was recorded with them, with each bad input it refuses: the
list again (400), the text kept, the message at its field and in the summary; sent twice, one objection."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.assisted.models import AssistedAction
from portal.audit.models import AuditEvent
from portal.extensions import db

from .support.forms import en, refused, token_of
from .support.proposals import assisted_support_entry
from .support.security import row_counts

pytestmark = pytest.mark.usefixtures("fast_passwords")  # conftest: a cheap password hash

MINE = "/c/dorf-a/assisted/"


@pytest.mark.parametrize("reason, message", [
    ("", "This field is required."),
    ("不" * 501, "Field cannot be longer than 500 characters."),
])
def test_objection_refusals(app, world, reason, message):
    entry = assisted_support_entry(world)
    c = en(app, "resa")
    before = row_counts()
    url = f"/c/dorf-a/assisted/{entry.id}/dispute"
    r = c.post(url, {"reason": reason}, token_from=MINE)
    refused(r, f'action="{url}"', message, "reason", [reason] if reason else [])
    assert row_counts() == before


def test_objection_too_late(app, world):
    entry = assisted_support_entry(world)
    entry.created_at = entry.created_at - timedelta(days=8)
    db.session.commit()
    c = en(app, "resa")
    r = c.post(f"/c/dorf-a/assisted/{entry.id}/dispute", {"reason": "Not what I wanted"}, token_from=MINE)
    refused(r, "Recorded with me", "More than 7 days have passed: speak to the committee instead.")
    assert db.session.get(AssistedAction, entry.id).disputed_at is None


def test_objection_sent_twice_is_recorded_once(app, world):
    entry = assisted_support_entry(world)
    c = en(app, "resa")
    url = f"/c/dorf-a/assisted/{entry.id}/dispute"
    token = token_of(c.get(MINE).get_data(as_text=True), url)
    first = c.post(url, {"reason": "I never agreed", "submit_token": token}, token_from=MINE)
    assert first.status_code == 303
    again = c.post(url, {"reason": "I never agreed", "submit_token": token}, token_from=MINE)
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"]
    assert "already sent" in c.get(again.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(AssistedAction, entry.id).dispute_reason == "I never agreed"
    assert db.session.execute(select(func.count()).select_from(AuditEvent)
                              .where(AuditEvent.action == "assisted.disputed")).scalar_one() == 1
