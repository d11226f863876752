"""Anchors: the heads of the chains below written into the chain above (docs/architecture.md,
"Traces across levels").

A unit's chain proves its own past only as far as nobody recomputes it wholesale: whoever can
write every hash of one chain (and the head on its row) can rewrite that chain consistently.
Writing each child's head (seq, hash) into its parent's chain — a community's and a department's
into its street's, a street's into its district's — means such a rewrite must also rewrite the
parent's chain, and the parent's parent's: `flask audit verify` compares every anchor with the
child's event at that seq. One small event per child whose head moved since its last anchor.
"""
from __future__ import annotations

import json

from sqlalchemy import select, text

from ..communities.models import Community
from ..extensions import db
from .chain import GENESIS, lock_chains, record
from .models import AuditEvent

ACTION = "audit.anchored"
# Which levels anchor which: the street holds its communities and departments, the district its
# streets and departments. The unnamed street of a one-village installation anchors too (harmless,
# and the village's chain gains the same protection once levels are set up).
PARENT_LEVELS = ("street", "district")


def _children(parent: Community) -> list[Community]:
    return list(db.session.execute(select(Community).where(Community.parent_id == parent.id)
                                   .order_by(Community.id)).scalars())


def last_anchors(parent: Community) -> dict[int, tuple[int, str]]:
    """child id -> (seq, hash) of the latest anchor of that child in the parent's chain."""
    t = AuditEvent.__table__
    out: dict[int, tuple[int, str]] = {}
    for subject_id, payload in db.session.execute(
            select(t.c.subject_id, t.c.payload).where(t.c.community_id == parent.id, t.c.action == ACTION)
            .order_by(t.c.seq)):
        data = json.loads(payload).get("data") or {}
        out[subject_id] = (data.get("seq"), data.get("hash"))
    return out


def anchor_children(parent: Community, *, actor=None) -> list[AuditEvent]:
    """Record `audit.anchored` in the parent's chain for each child whose head moved since its
    last anchor: data {"child": id, "seq": n, "hash": h}. Returns the events written."""
    children = _children(parent)
    if not children:
        return []
    lock_chains(parent)
    before = last_anchors(parent)
    events = []
    for child in children:
        seq, head = db.session.execute(text("SELECT audit_seq, audit_head FROM community WHERE id = :c"),
                                       {"c": child.id}).one()
        if not seq or before.get(child.id) == (seq, head):
            continue
        events.append(record(parent, ACTION, ("community", child.id), {"child": child.id, "seq": seq, "hash": head},
                             actor_role="system" if actor is None else None, trace=True, actor=actor))
    return events


def anchor_all(*, actor=None) -> int:
    """Every street's children, then every district's (so a district anchors its streets' new
    heads, which include the anchors just made). Returns how many anchors were written."""
    n = 0
    for level in PARENT_LEVELS:
        for parent in db.session.execute(select(Community).where(Community.level == level)
                                         .order_by(Community.id)).scalars().all():
            n += len(anchor_children(parent, actor=actor))
    return n


def check_anchors(parent: Community) -> list[str]:
    """Every anchor in the parent's chain must still name the child's event at that seq."""
    t = AuditEvent.__table__
    problems = []
    slugs = dict(db.session.execute(select(Community.id, Community.slug)).all())
    for payload in db.session.execute(select(t.c.payload).where(t.c.community_id == parent.id,
                                                                t.c.action == ACTION).order_by(t.c.seq)).scalars():
        data = json.loads(payload).get("data") or {}
        child, seq, digest = data.get("child"), data.get("seq"), data.get("hash")
        found = db.session.execute(select(t.c.hash).where(t.c.community_id == child, t.c.seq == seq)).scalar()
        if found != digest:
            what = "missing" if found is None else "rewritten"
            problems.append(f"{slugs.get(child, child)}: seq {seq} {what} after anchoring, "
                            f"caught from {parent.slug}'s chain")
    return problems


def check_handoffs(unit: Community) -> list[str]:
    """Each hand-off names the other chain: a `matter.<x>.received` names the sender's event that
    sent it (from_head: that event must still be there, with that hash, and be the `.sent`), and a
    `matter.<x>.sent` names the receiver's head just before (to_head: the receiver's event at that
    seq must still have that hash)."""
    t = AuditEvent.__table__
    problems = []
    slugs = dict(db.session.execute(select(Community.id, Community.slug)).all())
    for seq, action, payload in db.session.execute(
            select(t.c.seq, t.c.action, t.c.payload).where(
                t.c.community_id == unit.id, t.c.action.like("matter.%.received") | t.c.action.like("matter.%.sent"))
            .order_by(t.c.seq)):
        data = json.loads(payload).get("data") or {}
        received = action.endswith(".received")
        other = data.get("from") if received else data.get("to")
        other_seq, other_hash = (data.get("from_head" if received else "to_head") or [None, None])[:2]
        row = db.session.execute(select(t.c.hash, t.c.action).where(t.c.community_id == other,
                                                                    t.c.seq == other_seq)).first()
        if received:
            ok = row is not None and row.hash == other_hash and row.action == action[:-len("received")] + "sent"
        else:
            ok = (row.hash == other_hash) if row is not None else (other_seq == 0 and other_hash == GENESIS)
        if not ok:
            problems.append(f"{slugs.get(other, other)}: seq {other_seq} does not match the hand-off "
                            f"{'received' if received else 'sent'} at {unit.slug}'s seq {seq}")
    return problems
