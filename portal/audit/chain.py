"""record() appends to a community's chain; verify() recomputes it.

hash = sha256(prev_hash_bytes || payload_bytes), the first prev_hash is 32 zero
bytes, seq is gapless per community. The payload is canonical JSON holding every
column of the row, so a row edited, moved or copied from another community no
longer matches its own payload. The community row keeps the head (seq, hash),
written in the same transaction, so a deleted tail is detected too; a published
head written down by a resident proves the past was not rewritten wholesale.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timezone

from sqlalchemy import select, text
from sqlalchemy.orm.attributes import set_committed_value

from ..db import utcnow
from ..extensions import db
from .models import AuditEvent

GENESIS = "0" * 64
_LOCK_CLASS = 0x59534849  # "YSHI": advisory-lock namespace for audit chains


def canonical_json(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def chain_hash(prev_hash_hex: str, payload: str) -> str:
    return hashlib.sha256(bytes.fromhex(prev_hash_hex) + payload.encode("utf-8")).hexdigest()


def _lock_chain(community_id: int) -> None:
    """Serialise writers of one community; other communities never wait."""
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k, :c)"), {"k": _LOCK_CLASS, "c": community_id})
    else:
        # SQLite has one writer at a time: taking the write lock now (before
        # reading the head) means nobody can append between our read and write.
        session.execute(text("UPDATE community SET audit_seq = audit_seq WHERE id = :c"), {"c": community_id})


def record(community, actor, action: str, subject=None, data: dict | None = None,
           actor_role: str | None = None) -> AuditEvent:
    """Append one event to `community`'s chain inside the caller's transaction.

    `actor` is a User or None (system); `subject` a model instance with an id, or
    a (type, id) pair; `data` the changed fields (ids and values, never secrets).
    """
    session = db.session
    session.flush()
    _lock_chain(community.id)
    last = session.execute(
        select(AuditEvent.seq, AuditEvent.hash)
        .where(AuditEvent.community_id == community.id)
        .order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    seq = (last.seq + 1) if last else 1
    prev = last.hash if last else GENESIS
    if subject is None:
        subject_type, subject_id = None, None
    elif isinstance(subject, tuple):
        subject_type, subject_id = subject
    else:
        subject_type, subject_id = subject.__tablename__, subject.id
    actor_id = actor.id if actor is not None else None
    role = actor_role or ("system" if actor is None else "user")
    occurred = utcnow().replace(microsecond=0)
    body = {
        "action": action,
        "actor": actor_id,
        "actor_role": role,
        "at": occurred.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "community": community.id,
        "data": data or {},
        "seq": seq,
        "subject": [subject_type, subject_id],
    }
    payload = canonical_json(body)
    digest = chain_hash(prev, payload)
    event = AuditEvent(
        community_id=community.id, seq=seq, occurred_at=occurred, actor_id=actor_id,
        actor_role=role, action=action, subject_type=subject_type, subject_id=subject_id,
        payload=payload, prev_hash=prev, hash=digest,
    )
    session.add(event)
    session.flush()
    session.execute(
        text("UPDATE community SET audit_seq = :s, audit_head = :h WHERE id = :c"),
        {"s": seq, "h": digest, "c": community.id},
    )
    # Keep the loaded object in step with the row we just wrote.
    set_committed_value(community, "audit_seq", seq)
    set_committed_value(community, "audit_head", digest)
    return event


@dataclass
class VerifyResult:
    community_id: int
    slug: str
    count: int
    ok: bool
    broken_seq: int | None = None
    reason: str = ""
    head_seq: int = 0
    head_hash: str = GENESIS


def _row_matches_payload(ev: AuditEvent, body: dict) -> str:
    if body.get("seq") != ev.seq:
        return "seq differs from payload"
    if body.get("community") != ev.community_id:
        return "community differs from payload (row moved or copied from another community)"
    if body.get("action") != ev.action or body.get("actor") != ev.actor_id \
            or body.get("actor_role") != ev.actor_role:
        return "action or actor differs from payload"
    if body.get("subject") != [ev.subject_type, ev.subject_id]:
        return "subject differs from payload"
    occurred = ev.occurred_at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if body.get("at") != occurred:
        return "time differs from payload"
    return ""


def verify_community(community, expect_head: tuple[int, str] | None = None) -> VerifyResult:
    """Recompute one community's chain; report the first broken seq."""
    result = VerifyResult(community.id, community.slug, 0, True)
    prev = GENESIS
    expected_seq = 1
    rows = db.session.execute(
        select(AuditEvent).where(AuditEvent.community_id == community.id)
        .order_by(AuditEvent.seq, AuditEvent.id)
        .execution_options(yield_per=500)
    ).scalars()

    def fail(seq, reason):
        result.ok, result.broken_seq, result.reason = False, seq, reason
        return result

    for ev in rows:
        result.count += 1
        if ev.seq != expected_seq:
            return fail(expected_seq, f"expected seq {expected_seq}, found {ev.seq} (missing, duplicated or reordered rows)")
        if ev.prev_hash != prev:
            return fail(ev.seq, "prev_hash does not match the previous event's hash")
        try:
            body = json.loads(ev.payload)
        except ValueError:
            return fail(ev.seq, "payload is not valid JSON")
        if canonical_json(body) != ev.payload:
            return fail(ev.seq, "payload is not in canonical form")
        mismatch = _row_matches_payload(ev, body)
        if mismatch:
            return fail(ev.seq, mismatch)
        if chain_hash(prev, ev.payload) != ev.hash:
            return fail(ev.seq, "hash does not match sha256(prev_hash || payload)")
        prev = ev.hash
        expected_seq += 1
        result.head_seq, result.head_hash = ev.seq, ev.hash
    if (community.audit_seq or 0) != result.head_seq or (community.audit_head or GENESIS) != result.head_hash:
        return fail(result.head_seq + 1,
                    f"chain ends at seq {result.head_seq} but the community head says seq {community.audit_seq}")
    if expect_head is not None:
        seq, digest = expect_head
        if seq > result.head_seq:
            return fail(result.head_seq + 1, f"the expected head seq {seq} is beyond the end of the chain")
        got = db.session.execute(
            select(AuditEvent.hash).where(AuditEvent.community_id == community.id, AuditEvent.seq == seq)
        ).scalar_one_or_none()
        if got != digest.lower():
            return fail(seq, "hash at the expected head differs from the one written down (history rewritten)")
    return result
