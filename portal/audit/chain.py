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
import re
import secrets
from dataclasses import dataclass
from datetime import timezone

from sqlalchemy import bindparam, insert, select, text
from sqlalchemy.orm.attributes import set_committed_value

from ..db import pk_of, utcnow
from ..extensions import db
from .models import AuditEvent

GENESIS = "0" * 64
SALT_BYTES = 16  # 128 bits: a private payload cannot be guessed from its hash (docs: "What the trail tells whom")

# Which events are private (shown to the committee only): one table, filled by the capabilities
# that own private matters (mediation registers its case type and its action prefix). record()
# decides from it, once, and writes the decision into the payload ("private": true with a salt).
_PRIVATE_SUBJECTS: set[str] = set()
_PRIVATE_ACTION_PREFIXES: set[str] = set()


def keep_private(*, subject_type: str, action_prefix: str | None = None) -> None:
    """Events about `subject_type` (as subject, or named as a [type, id] pair in their data) and
    events whose action starts with `action_prefix` are private."""
    _PRIVATE_SUBJECTS.add(subject_type)
    if action_prefix:
        _PRIVATE_ACTION_PREFIXES.add(action_prefix)


def private_by_rule(action: str, subject_type: str | None, data_json: str) -> bool:
    return (action.startswith(tuple(_PRIVATE_ACTION_PREFIXES)) or subject_type in _PRIVATE_SUBJECTS
            or any(f'"{t}"' in data_json for t in _PRIVATE_SUBJECTS))


def payload_private(body: dict) -> bool:
    """Whether a stored event is private. Events recorded since salts exist carry the decision
    in their payload; older ones (no salt) are judged by today's rule, as the audit page did."""
    if "salt" in body:
        return body.get("private") is True
    subject = body.get("subject")
    subject_type = subject[0] if isinstance(subject, list) and subject else None
    return private_by_rule(str(body.get("action", "")), subject_type, canonical_json(body.get("data")))


def canonical_json(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def chain_hash(prev_hash_hex: str, payload: str) -> str:
    return hashlib.sha256(bytes.fromhex(prev_hash_hex) + payload.encode("utf-8")).hexdigest()


class ChainBroken(RuntimeError):
    """The chain was changed behind record()'s back; appending would hide it."""


# Prebuilt statements (compiled once per process): record() runs in every write of the portal.
_READ_HEAD_PG = text(
    "SELECT c.audit_seq, c.audit_head, "
    "(SELECT max(e.seq) FROM audit_event e WHERE e.community_id = c.id) "
    "FROM community c WHERE c.id = :c FOR NO KEY UPDATE OF c")
_LOCK_AND_READ_HEAD_SQLITE = text(
    "UPDATE community SET audit_seq = audit_seq WHERE id = :c RETURNING audit_seq, audit_head, "
    "(SELECT max(e.seq) FROM audit_event e WHERE e.community_id = community.id)")
_EVENTS = AuditEvent.__table__
_INSERT_EVENT = insert(_EVENTS).returning(_EVENTS.c.id)
_SET_HEAD = "UPDATE community SET audit_seq = :seq, audit_head = :hash{} WHERE id = :community_id RETURNING content_seq"
# A change of what people see moves the pages' content version too; a read's trace does not.
_WRITE_HEAD = {False: text(_SET_HEAD.format(", content_seq = content_seq + 1")), True: text(_SET_HEAD.format(""))}
# PostgreSQL: the event and the new head in one statement (one round trip fewer).
_COLUMNS = ("community_id", "seq", "occurred_at", "actor_id", "actor_role", "action", "subject_type", "subject_id",
            "private", "payload", "prev_hash", "hash")
_APPEND_PG = {trace: text(
    f"WITH ev AS (INSERT INTO audit_event ({', '.join(_COLUMNS)}) "
    f"VALUES ({', '.join(':' + c for c in _COLUMNS)}) RETURNING id) "
    + _SET_HEAD.format("" if trace else ", content_seq = content_seq + 1") + ", (SELECT id FROM ev)"
).bindparams(*[bindparam(c, type_=_EVENTS.c[c].type) for c in _COLUMNS]) for trace in (False, True)}


def _lock_and_read_head(community_id: int) -> tuple[int, str, int | None]:
    """Serialise writers of one community (other communities never wait) and read
    its head: (stored seq, stored hash, highest seq actually in the table).

    PostgreSQL: lock the community row itself (FOR NO KEY UPDATE, the lock the
    head UPDATE in record() takes anyway). With exactly that lock taken first, one
    lock guards the chain: a transaction that already changed the community row
    (renamed it, say) and then records already holds it, instead of deadlocking
    with a writer holding a separate chain lock and waiting for the row. It does
    not conflict with the key-share locks of inserts that reference the community.
    SQLite: one writer at a time; taking the write lock before reading the head
    means nobody can append between our read and our write (one statement: a no-op
    UPDATE that returns the head).
    """
    conn = db.session.connection()
    row = conn.execute(_READ_HEAD_PG if conn.dialect.name == "postgresql" else _LOCK_AND_READ_HEAD_SQLITE,
                       {"c": community_id}).one()
    stored_seq, stored_head, last_seq = row
    return stored_seq or 0, stored_head or GENESIS, last_seq


def _check_event_fields(action, role, subject_type, subject_id) -> None:
    # What goes into the payload must come back from the database unchanged, or
    # the event could never verify (e.g. "7" stored as 7, True stored as 1).
    if not (isinstance(action, str) and 0 < len(action) <= 40):
        raise ValueError(f"audit action must be a string of 1 to 40 characters, not {action!r}")
    if not (isinstance(role, str) and len(role) <= 20):
        raise ValueError(f"audit actor_role must be a string of at most 20 characters, not {role!r}")
    if subject_type is not None and not (isinstance(subject_type, str) and len(subject_type) <= 30):
        raise ValueError(f"audit subject type must be a string of at most 30 characters, not {subject_type!r}")
    if subject_id is not None and (type(subject_id) is not int or not -2**31 <= subject_id < 2**31):
        raise ValueError(f"audit subject id must be an int, not {subject_id!r}")


def record(community, action: str, subject=None, data: dict | None = None,
           actor_role: str | None = None, *, trace: bool = False, actor) -> AuditEvent:
    """Append one event to `community`'s chain inside the caller's transaction.

    `actor` is a User or None (system); `subject` a model instance with an id, or
    a (type, id) pair; `data` the changed fields (ids and values, never secrets).

    The new event follows the head stored on the community row, not whatever row
    happens to be last: a tail deleted behind our back stays a visible gap instead
    of being papered over by the next event, and rows added behind our back are
    never adopted into the chain (ChainBroken).

    `trace=True` marks the trace a read leaves (a look at a mediation case, an export): it is
    chained like any event, but it changes nothing anyone sees, so it does not move the
    community's content version (content_seq), on which the page caches key.
    """
    if subject is None:
        subject_type, subject_id = None, None
    elif isinstance(subject, tuple):
        subject_type, subject_id = subject
    else:
        subject_type, subject_id = subject.__tablename__, pk_of(subject)
    actor_id = pk_of(actor) if actor is not None else None
    role = actor_role or ("system" if actor is None else "user")
    _check_event_fields(action, role, subject_type, subject_id)
    session = db.session
    session.flush()
    community_id = pk_of(community)
    stored_seq, prev, last_seq = _lock_and_read_head(community_id)
    if last_seq is not None and last_seq > stored_seq:
        raise ChainBroken(f"audit chain of community {community_id} has events after its head "
                          f"(seq {last_seq} > {stored_seq}); run `flask audit verify`")
    seq = stored_seq + 1
    occurred = utcnow().replace(microsecond=0)
    data_json = canonical_json(data or {})
    private = private_by_rule(action, subject_type, data_json)
    body = {
        "action": action,
        "actor": actor_id,
        "actor_role": role,
        "at": occurred.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "community": community_id,
        "data": data or {},
        "seq": seq,
        "subject": [subject_type, subject_id],
    }
    if private:
        # The chain commits to a private event without revealing it: with 128 random bits in the
        # payload, trying every plausible actor, case and time against the shown hash finds nothing.
        body["private"] = True
        body["salt"] = secrets.token_hex(SALT_BYTES)
    payload = canonical_json(body)
    digest = chain_hash(prev, payload)
    values = dict(community_id=community_id, seq=seq, occurred_at=occurred, actor_id=actor_id,
                  actor_role=role, action=action, subject_type=subject_type, subject_id=subject_id,
                  private=private, payload=payload, prev_hash=prev, hash=digest)
    # Core statements: the row is written now, without a unit-of-work flush of an ORM object.
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        content_seq, event_id = conn.execute(_APPEND_PG[trace], values).one()
    else:
        event_id = conn.execute(_INSERT_EVENT, values).scalar_one()
        content_seq = conn.execute(_WRITE_HEAD[trace], values).scalar_one()
    event = AuditEvent(id=event_id, **values)  # what was written, for the caller (not in the session)
    # Keep the loaded object in step with the row we just wrote.
    set_committed_value(community, "audit_seq", seq)
    set_committed_value(community, "audit_head", digest)
    set_committed_value(community, "content_seq", content_seq)
    return event


def lock_chains(*units) -> dict[int, tuple[int, str]]:
    """Take the chain locks of several units in one order (by id), before recording in them: two
    hand-offs A→B and B→A at the same moment then wait for each other instead of deadlocking.
    Returns each unit's stored head (seq, hash) as the database has it now."""
    heads = {}
    for unit_id in sorted({pk_of(u) for u in units}):
        seq, head, _last = _lock_and_read_head(unit_id)
        heads[unit_id] = (seq, head)
    return heads


def record_handoff(sender, receiver, action: str, subject, data: dict | None = None,
                   actor_role: str | None = None, *, actor) -> tuple[AuditEvent, AuditEvent]:
    """A hand-off between two units (a matter dispatched, returned, escalated): one event in each
    chain, each naming the other chain's head at that moment (docs/architecture.md, "Traces across
    levels"). The sender's event names the receiver's head before the hand-off; the receiver's
    names the sender's head after it, i.e. the sender's event itself."""
    db.session.flush()
    other_seq, other_head = lock_chains(sender, receiver)[pk_of(receiver)]
    out = record(sender, action + ".sent", subject,
                 {**(data or {}), "to": pk_of(receiver), "to_head": [other_seq, other_head]},
                 actor_role=actor_role, actor=actor)
    got = record(receiver, action + ".received", subject,
                 {**(data or {}), "from": pk_of(sender), "from_head": [out.seq, out.hash]},
                 actor_role=actor_role, actor=actor)
    return out, got


@dataclass
class VerifyResult:
    community_id: int | None
    slug: str
    count: int
    ok: bool
    broken_seq: int | None = None
    reason: str = ""
    head_seq: int = 0
    head_hash: str = GENESIS
    # How a written-down head failed ("cut": the chain ends before it, "rewritten": its hash differs), else "".
    head_failure: str = ""


_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def parse_head(value: str) -> tuple[int, str]:
    """'SEQ:HASH' as written down from the audit page -> (seq, lower-case hash)."""
    seq, sep, digest = (value or "").strip().partition(":")
    digest = digest.strip().lower()
    if not sep or not seq.strip().isascii() or not seq.strip().isdigit() or not _HEX64.match(digest):
        raise ValueError("a head looks like SEQ:HASH, e.g. 12:3f5a… (64 hex digits)")
    return int(seq), digest


def _load_payload(payload) -> tuple[dict | None, str]:
    """The payload as a dict, or why it cannot be one of ours."""
    if not isinstance(payload, str):
        return None, "payload is not a string"
    try:
        body = json.loads(payload)
    except (ValueError, RecursionError):
        return None, "payload is not valid JSON"
    if not isinstance(body, dict):
        return None, "payload is not a JSON object"
    if canonical_json(body) != payload:
        return None, "payload is not in canonical form"
    return body, ""


def _same(a, b) -> bool:
    # JSON true == 1 in Python; a payload must carry the very same types.
    return type(a) is type(b) and a == b


def _row_matches_payload(ev, body: dict) -> str:
    if not _same(body.get("seq"), ev.seq):
        return "seq differs from payload"
    if not _same(body.get("community"), ev.community_id):
        return "community differs from payload (row moved or copied from another community)"
    if not _same(body.get("action"), ev.action) or not _same(body.get("actor"), ev.actor_id) \
            or not _same(body.get("actor_role"), ev.actor_role):
        return "action or actor differs from payload"
    subject = body.get("subject")
    if not isinstance(subject, list) or len(subject) != 2 \
            or not _same(subject[0], ev.subject_type) or not _same(subject[1], ev.subject_id):
        return "subject differs from payload"
    occurred = ev.occurred_at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if body.get("at") != occurred:
        return "time differs from payload"
    if "salt" in body and not (body.get("private") is True and isinstance(body["salt"], str)
                               and len(body["salt"]) == 2 * SALT_BYTES):
        return "a salted payload must be a private event with a 128-bit salt"
    if not _same(payload_private(body), ev.private):
        return "private flag differs from payload (an event hidden or shown behind record()'s back)"
    return ""


class _Chain:
    """Walks one chain event by event; shared by the database and the export verifier."""

    def __init__(self, result: VerifyResult, expect_head: tuple[int, str] | None):
        self.result = result
        self.prev = GENESIS
        self.expected_seq = 1
        self.hashes = {0: GENESIS}  # only the seqs someone asked about
        self.wanted = set()
        if expect_head is not None:
            self.wanted.add(expect_head[0])

    def fail(self, seq, reason) -> VerifyResult:
        r = self.result
        r.ok, r.broken_seq, r.reason = False, seq, reason
        return r

    def step(self, seq, prev_hash, digest, payload, check_row=None) -> str:
        """Check one event; returns why it is broken ('' if fine)."""
        if not _same(seq, self.expected_seq):
            return f"expected seq {self.expected_seq}, found {seq!r} (missing, duplicated or reordered events)"
        if prev_hash != self.prev:
            return "prev_hash does not match the previous event's hash"
        body, why = _load_payload(payload)
        if body is None:
            return why
        if check_row is not None:
            why = check_row(body)
        elif not _same(body.get("seq"), seq):
            why = "seq differs from payload"
        if why:
            return why
        if chain_hash(self.prev, payload) != digest:
            return "hash does not match sha256(prev_hash || payload)"
        self.prev = digest
        self.result.count += 1
        self.result.head_seq, self.result.head_hash = seq, digest
        if seq in self.wanted:
            self.hashes[seq] = digest
        self.expected_seq += 1
        return ""

    def check_expected_head(self, expect_head) -> VerifyResult:
        if expect_head is not None:
            seq, digest = expect_head
            if seq > self.result.head_seq:
                self.result.head_failure = "cut"
                return self.fail(self.result.head_seq + 1,
                                 f"the chain ends at seq {self.result.head_seq}, before the expected head seq {seq} "
                                 "(history cut short)")
            if self.hashes.get(seq) != digest.lower():
                self.result.head_failure = "rewritten"
                return self.fail(seq, "hash at the expected head differs from the one written down "
                                      "(history rewritten)")
        return self.result


def verify_community(community, expect_head: tuple[int, str] | None = None) -> VerifyResult:
    """Recompute one community's chain from the database; report the first broken seq.

    Reads the rows and the stored head straight from the database (not from
    objects the session may already hold), so what is checked is what is stored.
    """
    community_id = community.id
    result = VerifyResult(community_id, community.slug, 0, True)
    stored_seq, stored_head = db.session.execute(
        text("SELECT audit_seq, audit_head FROM community WHERE id = :c"), {"c": community_id}).one()
    stored_seq = stored_seq or 0
    chain = _Chain(result, expect_head)
    chain.wanted.add(stored_seq)
    table = AuditEvent.__table__
    rows = db.session.execute(
        select(table).where(table.c.community_id == community_id)
        .order_by(table.c.seq, table.c.id).execution_options(yield_per=500))
    try:
        for ev in rows:
            why = chain.step(ev.seq, ev.prev_hash, ev.hash, ev.payload,
                             check_row=lambda body, ev=ev: _row_matches_payload(ev, body))
            if why:
                return chain.fail(chain.expected_seq, why)
    finally:
        rows.close()
    # The head kept on the community row (same transaction as every append) catches
    # a deleted tail and events added behind record()'s back.
    if stored_seq > result.head_seq:
        return chain.fail(result.head_seq + 1, f"chain ends at seq {result.head_seq} but the community head "
                                               f"says seq {stored_seq} (events missing at the end)")
    if chain.hashes.get(stored_seq) != stored_head:
        return chain.fail(stored_seq or 1, f"the community head (seq {stored_seq}) does not match the chain")
    if stored_seq < result.head_seq:
        return chain.fail(stored_seq + 1, f"events after the community head (seq {stored_seq}) "
                                          "were not written by record()")
    return chain.check_expected_head(expect_head)


def verify_export_lines(lines, expect_head: tuple[int, str] | None = None) -> VerifyResult:
    """Verify an exported chain (JSON Lines of seq, prev_hash, hash, payload) offline.

    `lines` yields bytes or str. Needs no database: every hash is recomputed from
    the exported payload bytes, and all events must belong to one community.
    """
    result = VerifyResult(None, "", 0, True)
    chain = _Chain(result, expect_head)
    community = None
    for number, raw in enumerate(lines, 1):
        if isinstance(raw, bytes):
            try:
                raw = raw.decode("utf-8")
            except UnicodeDecodeError:
                return chain.fail(chain.expected_seq, f"line {number} is not UTF-8")
        if number == 1:
            raw = raw.lstrip("\ufeff")  # a byte-order mark added by an editor is not part of the chain
        if not raw.strip():
            continue
        try:
            item = json.loads(raw)
        except (ValueError, RecursionError):
            return chain.fail(chain.expected_seq, f"line {number} is not valid JSON")
        if not isinstance(item, dict) or set(item) != {"seq", "prev_hash", "hash", "payload"}:
            return chain.fail(chain.expected_seq, f"line {number} is not an exported event "
                                                  "(seq, prev_hash, hash, payload)")

        def check(body, item=item):
            nonlocal community
            if not _same(body.get("seq"), item["seq"]):
                return "seq differs from payload"
            if community is None:
                community = body.get("community")
            if not _same(body.get("community"), community) or not isinstance(community, int):
                return "payload names another community than the rest of the file"
            return ""

        why = chain.step(item["seq"], item["prev_hash"], item["hash"], item["payload"], check_row=check)
        if why:
            return chain.fail(chain.expected_seq, why)
    result.community_id = community
    if result.count == 0:
        return chain.fail(1, "the file holds no events")
    return chain.check_expected_head(expect_head)
