"""Every moderation form (report, hide, restore) with each bad input it refuses: the form again
(400), input kept, the message at its field and in the error summary; a report sent twice is made once."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.moderation import services as mod
from portal.moderation.models import Flag

from .support.forms import en, refused, token_of
from .support.pages import audit_seq, events_after, follow, page
from .support.proposals import make_proposal
from .support.security import row_counts

pytestmark = pytest.mark.usefixtures("fast_passwords")  # conftest: a cheap password hash


def _flag_url(p):
    return f"/c/dorf-a/moderation/flag/proposal/{p.id}"


@pytest.mark.parametrize("reason, message", [
    ("", "This field is required."),
    ("村" * 301, "Field cannot be longer than 300 characters."),
])
def test_report_refusals(app, world, reason, message):
    p = make_proposal(world)
    c = en(app, "meda")
    before = row_counts()
    r = c.post(_flag_url(p), {"reason": reason}, token_from=_flag_url(p))
    refused(r, f'action="{_flag_url(p)}"', message, "reason", [reason] if reason else [])
    assert row_counts() == before


def test_report_again_after_the_first_says_so(app, world):
    """A person reports an item once (issue 19, finding 9): a second report, before or after the
    committee looked, is a friendly no-op that writes nothing, not even an audit event."""
    p = make_proposal(world)
    c = en(app, "meda")
    assert c.post(_flag_url(p), {"reason": "Advertising"}, token_from=_flag_url(p)).status_code == 303
    for dismissed in (False, True):
        if dismissed:
            mod.dismiss(world.a, p, actor=world["coma"])
            db.session.commit()
        before, seq = row_counts(), audit_seq(world.a)
        r = c.post(_flag_url(p), {"reason": "Still advertising"}, token_from=_flag_url(p))  # a new form
        assert r.status_code == 303
        assert "You have already reported this; the committee will look at it." in follow(c, r)
        assert audit_seq(world.a) == seq
        after = row_counts()
        after.pop("submitted_form", None), before.pop("submitted_form", None)  # the form's one-time token
        assert after == before
    assert [e.action for e in events_after(world.a, 0)].count("content.flagged") == 1


def test_reports_per_person_and_hour_are_limited(app, world):
    """REPORTS_PER_HOUR reports a person (over all items), then a clear message at the field and
    nothing written; other people still report."""
    app.config["REPORTS_PER_HOUR"] = 3
    items = [make_proposal(world, title=f"Item {i}") for i in range(4)]
    c = en(app, "meda")
    for p in items[:3]:
        assert c.post(_flag_url(p), {"reason": "Advertising"}, token_from=_flag_url(p)).status_code == 303
    before, seq = row_counts(), audit_seq(world.a)
    r = c.post(_flag_url(items[3]), {"reason": "Advertising"}, token_from=_flag_url(items[3]))
    refused(r, f'action="{_flag_url(items[3])}"', "You have sent 3 reports in the last hour, the most one person "
            "may send. Please try again later; the committee is looking at them.", "reason", ["Advertising"])
    assert row_counts() == before and audit_seq(world.a) == seq
    other = en(app, "coma")
    assert other.post(_flag_url(items[3]), {"reason": "Advertising"}, token_from=_flag_url(items[3])).status_code == 303


@pytest.mark.parametrize("role", ["nobody", "penda", "reja", "comb", "root"])
def test_only_members_report(app, world, role):
    """Someone signed in who is not a verified member here gets 403 and no report link: their
    report would go into a community's permanent record that is not theirs."""
    p = make_proposal(world)
    c = en(app, role)
    before = row_counts()
    assert c.get(_flag_url(p)).status_code == 403
    assert c.post(_flag_url(p), {"reason": "Spam"}, token_from=f"/c/dorf-a/proposals/{p.id}").status_code == 403
    assert row_counts() == before
    assert _flag_url(p) not in page(c, f"/c/dorf-a/proposals/{p.id}")
    assert _flag_url(p) in page(en(app, "meda"), f"/c/dorf-a/proposals/{p.id}")


def test_report_sent_twice_is_made_once(app, world):
    p = make_proposal(world)
    c = en(app, "meda")
    token = token_of(c.get(_flag_url(p)).get_data(as_text=True), _flag_url(p))
    first = c.post(_flag_url(p), {"reason": "Advertising", "submit_token": token}, token_from=_flag_url(p))
    assert first.status_code == 303
    again = c.post(_flag_url(p), {"reason": "Advertising", "submit_token": token}, token_from=_flag_url(p))
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"]
    assert db.session.execute(select(func.count()).select_from(Flag)).scalar_one() == 1


@pytest.mark.parametrize("action, reason, message", [
    ("hide", "", "This field is required."),
    ("hide", "村" * 301, "Field cannot be longer than 300 characters."),
    ("restore", "", "This field is required."),
])
def test_hide_and_restore_refusals(app, world, action, reason, message):
    p = make_proposal(world)
    if action == "restore":
        mod.hide(world.a, p, "Advertising", actor=world["coma"])
        db.session.commit()
    c = en(app, "coma")
    before = row_counts()
    url = f"/c/dorf-a/moderation/proposal/{p.id}/{action}"
    r = c.post(url, {"reason": reason}, token_from=f"/c/dorf-a/proposals/{p.id}")
    refused(r, f'action="{url}"', message, "reason", [reason] if reason else [])
    assert row_counts() == before


@pytest.mark.parametrize("action, message", [("hide", "This is already hidden."), ("restore", "This is not hidden.")])
def test_hide_twice_or_restore_what_is_visible(app, world, action, message):
    p = make_proposal(world)
    if action == "hide":
        mod.hide(world.a, p, "Advertising", actor=world["coma"])
        db.session.commit()
    c = en(app, "coma")
    before = row_counts()
    url = f"/c/dorf-a/moderation/proposal/{p.id}/{action}"
    r = c.post(url, {"reason": "A reason"}, token_from=f"/c/dorf-a/proposals/{p.id}")
    refused(r, f'action="{url}"', message, None, ["A reason"])
    assert row_counts() == before
