"""Invariants of the matters' loop, shared by the services, random-walk and concurrency tests:
one holder in a state that fits, every hand-off in both chains naming each other's head, the
counters equal to what recount() rebuilds, every chain verifying."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select, text

from portal.audit import verify_community
from portal.audit.models import AuditEvent
from portal.communities.models import Community
from portal.extensions import db
from portal.matters import tally
from portal.matters.models import Matter, MatterStep
from portal.web.errors import RuleViolation

T = AuditEvent.__table__
HANDOFF = {"dispatch": "dispatched", "return": "returned", "recall": "recalled", "escalate": "escalated",
           "reopen": "reopened"}


def snapshot():
    """Everything a refused action must leave as it was: every chain head and every matter row."""
    db.session.expire_all()
    heads = db.session.execute(text("SELECT id, audit_seq, audit_head FROM community ORDER BY id")).all()
    matters = db.session.execute(text("SELECT * FROM matter ORDER BY id")).all()
    steps = db.session.execute(text("SELECT count(*) FROM matter_step")).scalar()
    return [tuple(r) for r in heads], [tuple(r) for r in matters], steps, tally.stored()


def refused(fn, *args, **kwargs):
    """The action raises RuleViolation and changes nothing (after the rollback the wrapper does)."""
    db.session.commit()
    before = snapshot()
    with pytest.raises(RuleViolation):
        fn(*args, **kwargs)
    db.session.rollback()
    assert snapshot() == before


def events(unit_id, action=None):
    q = select(T).where(T.c.community_id == unit_id).order_by(T.c.seq)
    if action:
        q = q.where(T.c.action == action)
    return db.session.execute(q).all()


def check_handoffs():
    """Every hand-off step of every matter has its .sent and .received event, in order, each
    naming the other chain's head (to_head: the receiver's head before; from_head: the sent one)."""
    for m in db.session.execute(select(Matter)).scalars():
        steps = db.session.execute(select(MatterStep).where(MatterStep.matter_id == m.id,
                                                            MatterStep.action.in_(tuple(HANDOFF)))
                                   .order_by(MatterStep.seq)).scalars().all()
        per_kind: dict = {}
        for s in steps:
            if s.action == "reopen" and s.to_unit_id == m.community_id:
                continue  # reopened in the community itself: one event, no hand-off
            per_kind.setdefault(HANDOFF[s.action], []).append(s)
        for x, kind_steps in per_kind.items():
            sent = [e for e in _matter_events(m.id, f"matter.{x}.sent")]
            got = [e for e in _matter_events(m.id, f"matter.{x}.received")]
            assert len(sent) == len(got) == len(kind_steps), (m.id, x, len(sent), len(got), len(kind_steps))
            for s, out, rec in zip(kind_steps, sent, got):
                out_data, rec_data = json.loads(out.payload)["data"], json.loads(rec.payload)["data"]
                assert rec.community_id == s.to_unit_id and out_data["to"] == rec.community_id
                assert rec_data["from"] == out.community_id
                assert rec_data["from_head"] == [out.seq, out.hash]
                to_seq, to_hash = out_data["to_head"]
                assert rec.seq == to_seq + 1 and rec.prev_hash == to_hash


def _matter_events(matter_id, action):
    return db.session.execute(select(T).where(T.c.subject_type == "matter", T.c.subject_id == matter_id,
                                              T.c.action == action).order_by(T.c.id)).all()


def check_matters():
    from portal.matters.states import FINISHED, STATES

    for m in db.session.execute(select(Matter)).scalars():
        assert m.state in STATES and m.holder_id is not None
        holder = db.session.get(Community, m.holder_id)
        assert holder is not None and holder.level in ("community", "street", "district", "department")
        if m.state == "dispatched":
            assert m.sender_id is not None and m.sender_id != m.holder_id
        if m.state == "closed":
            assert m.closed_at is not None and m.resolved_at is not None
        else:
            assert m.closed_at is None and m.rating is None
        if m.state == "resolved":
            assert m.resolved_at is not None and m.resolved_by_id is not None
        if m.state == "merged":
            assert m.merged_into_id is not None
        assert m.state in FINISHED or m.deadline is not None
        last = db.session.execute(select(MatterStep).where(MatterStep.matter_id == m.id)
                                  .order_by(MatterStep.seq.desc()).limit(1)).scalar_one()
        assert last.seq == m.steps and last.state == m.state


def check_all():
    db.session.expire_all()
    assert tally.recount() == tally.stored()
    check_matters()
    check_handoffs()
    for c in db.session.execute(select(Community)).scalars():
        r = verify_community(c)
        assert r.ok, (c.slug, r)
