"""The matters' use cases (portal/matters/services.py) on SQLite and PostgreSQL: the whole loop,
every refusal, the hand-offs in both chains, the counters equal to recount() after each step,
every chain verifying."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest

from portal.db import utcnow
from portal.extensions import db
from portal.matters import services as ms
from portal.matters import tally

from .support.matters_checks import check_all, events, refused

pytestmark = pytest.mark.usefixtures("fast_passwords")


def category(world, key="roads"):
    return next(c for c in ms.categories(world.unit("jie-a")) if c.key == key)


def report(world, title="Broken lamp", who="resa", community=None, **kw):
    m = ms.report(community or world.a, category_id=category(world).id, title=title, actor=world[who], **kw)
    db.session.commit()
    return m


def step(fn, *args, **kwargs):
    out = fn(*args, **kwargs)
    db.session.commit()
    check_all()
    return out


def test_the_whole_loop(app, world):
    a, dept = world.a, world.unit("dept-a")
    m = report(world)
    check_all()
    assert (m.state, m.holder_id, m.serial) == ("triage", a.id, 1)
    step(ms.dispatch, a, m, dept, note="please", actor=world["coma"])
    assert (m.state, m.holder_id, m.sender_id) == ("dispatched", dept.id, a.id)
    step(ms.accept, dept, m, actor=world["depa"])
    assert m.state == "handling"
    step(ms.note, dept, m, "ordered the part", actor=world["depa"])
    before = m.deadline
    step(ms.ask_extension, dept, m, 48, "the part is late", actor=world["depa"])
    refused(ms.ask_extension, dept, m, 24, "again", actor=world["depa"])  # extension twice
    step(ms.decide_extension, a, m, True, actor=world["coma"])
    assert m.deadline == before + timedelta(hours=48) and m.extension_decided == "granted"
    step(ms.urge, world.unit("jie-a"), m, "hurry up", actor=world["stra"])
    assert m.urged == 1
    step(ms.resolve, dept, m, "replaced the lamp", actor=world["depa"])
    assert (m.state, m.resolved_by_id) == ("resolved", dept.id)
    step(ms.confirm, a, m, False, "still dark", actor=world["resa"])
    assert (m.state, m.holder_id) == ("handling", dept.id)
    step(ms.resolve, dept, m, "replaced the fuse too", actor=world["depa"])
    step(ms.confirm, a, m, True, actor=world["resa"])
    assert m.state == "closed" and m.closed_on_time is True
    step(ms.rate, a, m, "unsatisfied", actor=world["resa"])
    refused(ms.rate, a, m, "fair", actor=world["resa"])  # rating twice
    step(ms.reopen, a, m, "it flickers", actor=world["resa"])
    assert (m.state, m.holder_id, m.reopened, m.rating) == ("handling", dept.id, True, None)
    step(ms.resolve, dept, m, "new lamp", actor=world["depa"])
    step(ms.confirm, a, m, True, actor=world["resa"])
    step(ms.rate, a, m, "satisfied", actor=world["resa"])
    refused(ms.reopen, a, m, "again", actor=world["resa"])  # satisfied, and reopened once already
    stored = tally.stored()[0]
    month = tally.month_of(m.closed_at)
    assert stored[(a.id, 0, m.category_id, month)]["satisfied"] == 1
    assert stored[(dept.id, 0, m.category_id, month)]["reported"] == 1  # received once, counted once
    # The path, in order.
    actions = [e.action for e in events(a.id) if e.subject_type == "matter"]
    assert actions[:2] == ["matter.reported", "matter.dispatched.sent"]
    assert "matter.reopened.sent" in actions and "matter.closed" in actions
    assert [e.action for e in events(dept.id) if e.subject_type == "matter"][:2] == [
        "matter.dispatched.received", "matter.accepted"]


def test_hand_off_events_name_each_others_head(app, world):
    a, dept = world.a, world.unit("dept-a")
    m = report(world)
    dept_head = (dept.audit_seq, dept.audit_head)
    step(ms.dispatch, a, m, dept, actor=world["coma"])
    sent, got = events(a.id)[-1], events(dept.id)[-1]
    assert sent.action == "matter.dispatched.sent" and got.action == "matter.dispatched.received"
    sent_data, got_data = json.loads(sent.payload)["data"], json.loads(got.payload)["data"]
    assert sent_data["to"] == dept.id and tuple(sent_data["to_head"]) == dept_head
    assert got_data["from"] == a.id and got_data["from_head"] == [sent.seq, sent.hash]
    # Recall before accepting: dept-a's chain sends, dorf-a's receives.
    step(ms.recall, a, m, actor=world["coma"])
    assert events(dept.id)[-1].action == "matter.recalled.sent"
    assert events(a.id)[-1].action == "matter.recalled.received"
    # Return: the department sends it back.
    step(ms.dispatch, a, m, dept, actor=world["coma"])
    step(ms.return_, dept, m, "not ours", actor=world["depa"])
    assert (m.state, m.holder_id) == ("triage", a.id)
    assert events(dept.id)[-1].action == "matter.returned.sent" and events(a.id)[-1].action == "matter.returned.received"
    # Up to the street, then the street on to the department.
    street = world.unit("jie-a")
    step(ms.dispatch, a, m, street, actor=world["coma"])
    step(ms.accept, street, m, actor=world["stra"])
    step(ms.dispatch, street, m, dept, actor=world["stra"])
    assert m.sender_id == street.id
    assert events(street.id)[-1].action == "matter.dispatched.sent"


def test_escalation_moves_a_matter_one_level_up(app, world):
    a, street = world.a, world.unit("jie-a")
    m = report(world)
    assert ms.escalate_if_due(m) is False  # not due yet
    db.session.commit()
    later = m.deadline + ms.grace() + timedelta(minutes=1)
    assert m.id in ms.due_for_escalation(later)
    assert ms.escalate_if_due(m, later) is True
    db.session.commit()
    check_all()
    assert (m.state, m.holder_id, m.sender_id) == ("dispatched", street.id, a.id)
    assert events(a.id)[-1].action == "matter.escalated.sent"
    assert events(street.id)[-1].action == "matter.escalated.received"
    assert events(street.id)[-1].actor_id is None


def test_refusals(app, world, monkeypatch):
    a, dept, foreign = world.a, world.unit("dept-a"), world.unit("dept-b")
    cat = category(world)
    refused(ms.report, a, category_id=None, title="x", actor=world["resa"])  # no category
    refused(ms.report, a, category_id=cat.id, title="x", latitude=123.0, longitude=10.0, actor=world["resa"])
    refused(ms.report, a, category_id=cat.id, title="x", latitude=12.0, actor=world["resa"])  # half a place
    refused(ms.report, a, category_id=cat.id, title="  ", actor=world["resa"])
    refused(ms.report, world.unit("jie-a"), category_id=cat.id, title="x", actor=world["stra"])
    m = report(world)
    refused(ms.dispatch, a, m, dept, deadline=utcnow() - timedelta(hours=1), actor=world["coma"])  # in the past
    refused(ms.dispatch, a, m, foreign, actor=world["coma"])  # outside the tree
    refused(ms.dispatch, a, m, world.b, actor=world["coma"])  # a sibling community is not a target
    refused(ms.dispatch, a, m, None, actor=world["coma"])
    refused(ms.accept, dept, m, actor=world["depa"])  # not held by dept-a
    refused(ms.dispatch, world.b, m, dept, actor=world["comb"])  # not the holder
    step(ms.dispatch, a, m, dept, actor=world["coma"])
    refused(ms.return_, dept, m, "", actor=world["depa"])  # return without a reason
    refused(ms.return_, dept, m, "   ", actor=world["depa"])
    refused(ms.resolve, dept, m, "done", actor=world["depa"])  # not accepted yet
    refused(ms.recall, world.b, m, actor=world["comb"])  # only the sender recalls
    step(ms.accept, dept, m, actor=world["depa"])
    refused(ms.recall, a, m, actor=world["coma"])  # recall after accept
    refused(ms.accept, dept, m, actor=world["depa"])  # twice
    refused(ms.ask_extension, dept, m, 0, "why", actor=world["depa"])
    refused(ms.ask_extension, dept, m, 24, "", actor=world["depa"])
    step(ms.ask_extension, dept, m, 24, "late", actor=world["depa"])
    refused(ms.ask_extension, dept, m, 24, "late again", actor=world["depa"])  # extension twice
    refused(ms.decide_extension, world.unit("jie-a"), m, True, actor=world["stra"])  # not the sender
    step(ms.decide_extension, a, m, False, actor=world["coma"])
    refused(ms.decide_extension, a, m, True, actor=world["coma"])  # decided already
    refused(ms.urge, dept, m, "me?", actor=world["depa"])  # the holder does not urge itself
    refused(ms.urge, world.unit("jie-b"), m, "foreign", actor=world["stra"])
    refused(ms.confirm, a, m, True, actor=world["resa"])  # not resolved yet
    step(ms.resolve, dept, m, "fixed", actor=world["depa"])
    refused(ms.confirm, a, m, True, actor=world["resb"])  # not the reporter
    refused(ms.confirm, a, m, False, "", actor=world["resa"])  # not fixed needs a note
    refused(ms.rate, a, m, "satisfied", actor=world["resa"])  # not closed yet
    step(ms.confirm, a, m, True, actor=world["resa"])
    refused(ms.rate, a, m, "great", actor=world["resa"])
    refused(ms.rate, a, m, "fair", actor=world["coma"])  # not the reporter
    step(ms.rate, a, m, "satisfied", actor=world["resa"])
    refused(ms.rate, a, m, "unsatisfied", actor=world["resa"])  # rating twice
    refused(ms.reopen, a, m, "hm", actor=world["resa"])  # satisfied: no reopen

    # Reopen after 7 days.
    m2 = report(world, "Pothole")
    step(ms.handle, a, m2, actor=world["coma"])
    step(ms.resolve, a, m2, "filled", actor=world["coma"])
    step(ms.confirm, a, m2, True, actor=world["resa"])
    step(ms.rate, a, m2, "unsatisfied", actor=world["resa"])
    later = ms._now() + timedelta(days=7, minutes=1)
    with monkeypatch.context() as mp:
        mp.setattr(ms, "_now", lambda: later)  # a week and a minute after the close
        refused(ms.reopen, a, m2, "too late", actor=world["resa"])

    # A merge, a question, a refusal.
    m3 = report(world, "Same lamp")
    refused(ms.merge, a, m3, m3, actor=world["coma"])
    m4 = report(world, "Noise")
    step(ms.ask_more, a, m4, "where?", actor=world["coma"])
    refused(ms.answer_more, a, m4, "here", actor=world["resb"])
    refused(ms.answer_more, a, m4, "", actor=world["resa"])
    step(ms.answer_more, a, m4, "by the well", actor=world["resa"])
    refused(ms.refuse, a, m4, "", actor=world["coma"])
    step(ms.refuse, a, m4, "not a public matter", actor=world["coma"])
    refused(ms.handle, a, m4, actor=world["coma"])  # finished
    m5 = report(world, "Lamp again")
    step(ms.merge, a, m5, m3, actor=world["coma"])
    assert m5.state == "merged" and m5.merged_into_id == m3.id


def test_recount_after_a_reopen_with_the_month_of_the_first_close(app, world):
    """A reopen undoes its close's counts in the month of that close."""
    a = world.a
    m = report(world)
    step(ms.handle, a, m, actor=world["coma"])
    step(ms.resolve, a, m, "done", actor=world["coma"])
    step(ms.confirm, a, m, True, actor=world["resa"])
    step(ms.rate, a, m, "unsatisfied", actor=world["resa"])
    step(ms.reopen, a, m, "no", actor=world["resa"])
    assert not any(v["closed"] for v in tally.stored()[0].values())
    assert tally.stored()[1] == {}


def test_anonymous_and_grid_worker_reports_are_confirmed_by_the_grid_worker(app, world):
    from .support.helpers import add_grid

    grid = add_grid(world)
    a = world.a
    m = report(world, "Rubbish", grid_id=grid.id, anonymous=True)
    step(ms.handle, a, m, actor=world["coma"])
    step(ms.resolve, a, m, "cleared", actor=world["coma"])
    step(ms.confirm, a, m, True, actor=world["grida"])
    refused(ms.rate, a, m, "fair", actor=world["resa"])  # an anonymous report is not rated
    stored = tally.stored()[0]
    assert stored[(a.id, grid.id, m.category_id, tally.month_of(m.closed_at))]["closed"] == 1


def test_no_longer_deadline_from_oneself(app, world):
    """After a return the matter is the sender's own: it cannot ask itself for a longer deadline.
    After an escalation the unit that asked is the sender: it cannot grant itself the request."""
    a, dept, street = world.a, world.unit("dept-a"), world.unit("jie-a")
    m = report(world)
    step(ms.dispatch, a, m, dept, actor=world["coma"])
    step(ms.return_, dept, m, "not ours", actor=world["depa"])
    step(ms.handle, a, m, actor=world["coma"])
    refused(ms.ask_extension, a, m, 24, "more time", actor=world["coma"])
    step(ms.dispatch, a, m, dept, actor=world["coma"])
    step(ms.accept, dept, m, actor=world["depa"])
    step(ms.ask_extension, dept, m, 24, "more time", actor=world["depa"])
    later = m.deadline + ms.grace() + timedelta(minutes=1)
    assert ms.escalate_if_due(m, later)
    db.session.commit()
    check_all()
    assert (m.holder_id, m.sender_id) == (street.id, dept.id)
    refused(ms.decide_extension, dept, m, True, actor=world["depa"])


def test_an_anonymous_reporter_is_not_in_the_chain(app, world):
    """Every resident reads the audit trail and can follow an actor id: the steps of an anonymous
    report's reporter name nobody there (the matter row keeps who reported)."""
    a = world.a
    m = report(world, "Someone dumps rubbish", anonymous=True)
    step(ms.ask_more, a, m, "where exactly?", actor=world["coma"])
    step(ms.answer_more, a, m, "behind the school", actor=world["resa"])
    step(ms.handle, a, m, actor=world["coma"])
    step(ms.resolve, a, m, "cleared", actor=world["coma"])
    step(ms.confirm, a, m, True, actor=world["resa"])
    mine = [e for e in events(a.id) if e.subject_type == "matter" and e.subject_id == m.id]
    assert {e.action for e in mine if e.actor_id is None} == {"matter.reported", "matter.answered", "matter.closed"}
    assert all(json.loads(e.payload)["actor"] != world["resa"].id for e in mine)
    assert m.reporter_id == world["resa"].id


def test_the_trail_sentences_of_a_matter_never_name_its_reporter(app, world):
    """The reporter's steps read without a name, in the community's chain and in the chain of the
    unit a reopen goes back to (people above must not learn who reported)."""
    from portal.audit.sentences import Context, sentence

    a, dept = world.a, world.unit("dept-a")
    m = report(world)
    step(ms.ask_more, a, m, "which lamp?", actor=world["coma"])
    step(ms.answer_more, a, m, "the one by the well", actor=world["resa"])
    step(ms.dispatch, a, m, dept, actor=world["coma"])
    step(ms.accept, dept, m, actor=world["depa"])
    step(ms.resolve, dept, m, "fixed", actor=world["depa"])
    step(ms.confirm, a, m, False, "no", actor=world["resa"])
    step(ms.resolve, dept, m, "fixed again", actor=world["depa"])
    step(ms.confirm, a, m, True, actor=world["resa"])
    step(ms.rate, a, m, "unsatisfied", actor=world["resa"])
    step(ms.reopen, a, m, "still broken", actor=world["resa"])
    ctx = Context(names={world["resa"].id: "Resa Reporter", world["coma"].id: "Coma", world["depa"].id: "Depa"})
    by_reporter = [e for unit in (a, dept) for e in events(unit.id)
                   if e.subject_type == "matter" and e.actor_id == world["resa"].id]
    assert {e.action for e in by_reporter} == {"matter.reported", "matter.answered", "matter.not_fixed",
                                               "matter.closed", "matter.rated", "matter.reopened.sent",
                                               "matter.reopened.received"}
    for e in by_reporter:
        text = str(sentence(e, ctx))
        assert "Resa" not in text and f" {m.serial} " in text, text  # 第 1 号事项
    accepted = next(e for e in events(dept.id) if e.action == "matter.accepted")
    assert "Depa" in str(sentence(accepted, ctx))
