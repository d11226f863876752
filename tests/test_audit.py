"""The per-community audit chain (docs/architecture.md, "The audit chain"): what it records, how it detects
tampering, who may read and export it, and that the offline tools agree.

Tampering is done the way someone with database access would do it: raw SQL that
bypasses the append-only triggers (SQLite: drop them for the statement, then put
them back; PostgreSQL: SET LOCAL session_replication_role = replica).
"""
from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.exc import DBAPIError

from portal.audit import record, verify_community
from portal.audit.chain import GENESIS, canonical_json, chain_hash
from portal.audit.models import AuditEvent
from portal.communities import services as cs
from portal.communities.models import Community
from portal.extensions import db

from .conftest import is_postgres
from .support.audit import T, assert_intact, cli, head, rows, tamper
from .support.helpers import make_user, membership

pytestmark = pytest.mark.usefixtures("fast_passwords")  # conftest: a cheap password hash

XSS_SCRIPT = "<script>alert(1)</script>"
XSS_IMG = '"><img src=x onerror=alert(1)>'


# ---------------------------------------------------------------- helpers


def row(community_id, seq):
    return db.session.execute(select(T).where(T.c.community_id == community_id, T.c.seq == seq)).one()




def _where(community_id, seq):
    return (T.c.community_id == community_id) & (T.c.seq == seq)


def set_head_stmt(community_id, seq, digest):
    return ("UPDATE community SET audit_seq = :s, audit_head = :h WHERE id = :c",
            {"s": seq, "h": digest, "c": community_id})


def values_of(r, **changes):
    v = dict(r._mapping)
    v.pop("id")
    v.update(changes)
    return v


def rewrite_from(community_id, start, edit):
    """Rewrite the chain from seq `start` on the way a capable attacker would:
    `edit` gets the payload bodies from `start` on and returns the new ones; every
    seq, payload, hash and the community head are made consistent again."""
    old = rows(community_id)
    prev = old[start - 2].hash if start > 1 else GENESIS
    bodies = edit([json.loads(r.payload) for r in old[start - 1:]])
    stmts = [delete(T).where((T.c.community_id == community_id) & (T.c.seq >= start))]
    seq = start - 1
    for body in bodies:
        seq += 1
        body["seq"] = seq
        payload = canonical_json(body)
        digest = chain_hash(prev, payload)
        stmts.append(insert(T).values(
            community_id=community_id, seq=seq,
            occurred_at=datetime.strptime(body["at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc),
            actor_id=body["actor"], actor_role=body["actor_role"], action=body["action"],
            subject_type=body["subject"][0], subject_id=body["subject"][1],
            payload=payload, prev_hash=prev, hash=digest))
        prev = digest
    stmts.append(set_head_stmt(community_id, seq, prev))
    tamper(*stmts)
    return seq, prev






def assert_broken(app, community, seq, *, others=(), reason=None):
    """verify_community() and `flask audit verify` both name `seq` as the first broken one."""
    r = verify_community(community)
    assert not r.ok and r.broken_seq == seq, r
    if reason:
        assert reason in r.reason, r.reason
    res = cli(app, "verify", "--community", community.slug)
    assert res.exit_code == 1, res.output
    assert f"{community.slug}: BROKEN at seq {seq}:" in res.output, res.output
    res = cli(app, "verify")  # all communities: the broken one fails the run, the others are still ok
    assert res.exit_code == 1, res.output
    assert f"{community.slug}: BROKEN at seq {seq}:" in res.output, res.output
    for other in others:
        assert f"{other.slug}: ok," in res.output, res.output
    return r


def page_seqs(html):
    return [int(s) for s in re.findall(r'<li id="r(\d+)">', html)]


# ---------------------------------------------------------------- 1. chain basics


def test_world_events_land_in_the_right_chain(app, world):
    w = world
    u = {k: v.id for k, v in w.users.items()}
    cs.approve_member(w.a, membership(w.a, w["penda"]), actor=w["coma"])
    cs.revoke_role(w.a, membership(w.a, w["meda"]), "mediator", actor=w["coma"])
    db.session.commit()

    expected_a = [
        ("community.created", u["root"], "platform_admin", ("community", w.a.id),
         {"slug": "dorf-a", "name": "Dorf A", "region": "Region A", "kind": "village", "default_locale": "zh_Hans",
          "street": w.a.parent_id}),
        ("membership.added", u["root"], "platform_admin", None, {"user": u["coma"], "status": "verified"}),
        ("role.granted", u["root"], "platform_admin", None, {"user": u["coma"], "role": "committee"}),
        ("membership.added", u["coma"], "committee", None, {"user": u["meda"], "status": "verified"}),
        ("membership.added", u["coma"], "committee", None, {"user": u["resa"], "status": "verified"}),
        ("role.granted", u["coma"], "committee", None, {"user": u["meda"], "role": "mediator"}),
        ("membership.requested", u["penda"], "user", None, {"user": u["penda"]}),
        ("membership.requested", u["reja"], "user", None, {"user": u["reja"]}),
        ("membership.rejected", u["coma"], "committee", None,
         {"user": u["reja"], "status": "rejected", "reason": "not known here"}),
        ("membership.verified", u["coma"], "committee", None, {"user": u["penda"], "status": "verified"}),
        ("role.revoked", u["coma"], "committee", None, {"user": u["meda"], "role": "mediator"}),
    ]
    expected_b = [
        ("community.created", u["root"], "platform_admin", ("community", w.b.id),
         {"slug": "dorf-b", "name": "Dorf B", "region": "Region B", "kind": "urban", "default_locale": "zh_Hans",
          "street": w.b.parent_id}),
        ("membership.added", u["root"], "platform_admin", None, {"user": u["comb"], "status": "verified"}),
        ("role.granted", u["root"], "platform_admin", None, {"user": u["comb"], "role": "committee"}),
        ("membership.added", u["comb"], "committee", None, {"user": u["resb"], "status": "verified"}),
    ]
    for community, expected in ((w.a, expected_a), (w.b, expected_b)):
        chain = rows(community.id)
        assert [r.seq for r in chain] == list(range(1, len(expected) + 1))  # gapless from 1
        assert chain[0].prev_hash == "0" * 64
        prev = "0" * 64
        for r, (action, actor, role, subject, data) in zip(chain, expected):
            assert r.community_id == community.id
            assert r.prev_hash == prev
            # Recomputed here independently of portal.audit.chain.
            assert r.hash == hashlib.sha256(bytes.fromhex(prev) + r.payload.encode("utf-8")).hexdigest()
            body = json.loads(r.payload)
            assert r.payload == json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
            assert (r.action, r.actor_id, r.actor_role) == (action, actor, role)
            assert body["action"] == action and body["actor"] == actor and body["actor_role"] == role
            assert body["community"] == community.id and body["seq"] == r.seq
            assert body["data"] == data
            assert body["at"] == r.occurred_at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
            if subject:
                assert (r.subject_type, r.subject_id) == subject
            else:  # membership events point at the member's membership in this community
                assert r.subject_type == "membership"
                assert r.subject_id == membership(community, db.session.get(type(w["root"]), data["user"])).id
            assert body["subject"] == [r.subject_type, r.subject_id]
            prev = r.hash
        assert head(community.id) == (len(expected), prev)
    # Nothing of A leaked into B's chain (or the other way round).
    a_users = {u[n] for n in ("coma", "meda", "resa", "penda", "reja")}
    for r in rows(w.b.id):
        body = json.loads(r.payload)
        assert body["community"] == w.b.id
        assert body["data"].get("user") not in a_users and r.actor_id not in a_users
    for r in rows(w.a.id):
        assert json.loads(r.payload)["data"].get("user") not in {u["comb"], u["resb"]}
    assert_intact(app, w.a, w.b)


def test_payload_is_canonical_json_stored_verbatim(app, world):
    data = {"z": 1, "a": [3, 1, 2], "name": '王明 "zitiert" <b>&amp;', "nested": {"y": None, "b": True}}
    ev = record(world.a, "test.event", ("thing", 7), data, actor_role="committee", actor=world["coma"])
    db.session.commit()
    stored = row(world.a.id, ev.seq)
    assert stored.payload == ev.payload
    assert stored.payload == canonical_json(json.loads(stored.payload))
    # Non-ASCII kept as is, keys sorted, no spaces: the exact bytes that were hashed.
    assert '"name":"王明 \\"zitiert\\" <b>&amp;"' in stored.payload
    assert stored.payload.index('"a":') < stored.payload.index('"nested":') < stored.payload.index('"z":')
    assert ", " not in stored.payload and ": " not in stored.payload
    assert json.loads(stored.payload)["data"] == data
    assert stored.hash == hashlib.sha256(bytes.fromhex(stored.prev_hash) + stored.payload.encode()).hexdigest()
    assert (stored.subject_type, stored.subject_id) == ("thing", 7)
    assert head(world.a.id) == (10, stored.hash)
    assert (world.a.audit_seq, world.a.audit_head) == (10, stored.hash)  # in-memory object kept in step
    assert_intact(app, world.a, world.b)


def test_record_is_part_of_the_callers_transaction(app, world):
    before = head(world.a.id)
    record(world.a, "test.event", None, {"n": 1}, actor=None)
    db.session.rollback()
    assert head(world.a.id) == before
    assert len(rows(world.a.id)) == 9
    ev = record(world.a, "test.event", None, {"n": 2}, actor=None)
    db.session.commit()
    assert ev.seq == 10 and ev.prev_hash == before[1]  # the rolled-back seq was not consumed
    assert (ev.actor_id, ev.actor_role) == (None, "system")
    assert_intact(app, world.a, world.b)


def test_record_refuses_what_could_never_verify(app, world):
    """A subject id that the database would store differently from the payload
    (a string, a bool) is refused at once, not discovered by the next verify."""
    for subject in (("thing", "7"), ("thing", True), ("thing", 2**40), (5, 1)):
        with pytest.raises(ValueError):
            record(world.a, "test.event", subject, {}, actor=None)
    for action in ("", "x" * 41, None):
        with pytest.raises(ValueError):
            record(world.a, action, None, {}, actor=None)
    db.session.rollback()
    assert head(world.a.id)[0] == 9
    assert_intact(app, world.a, world.b)


def test_community_without_events_verifies(app):
    c = Community(slug="leer", name="Leer")
    db.session.add(c)
    db.session.commit()
    r = verify_community(c)
    assert r.ok and r.count == 0 and (r.head_seq, r.head_hash) == (0, GENESIS)
    assert cli(app, "verify", "--community", "leer").exit_code == 0


# ---------------------------------------------------------------- 2. append-only and tamper detection


@pytest.mark.parametrize("sql", [
    "UPDATE audit_event SET action = 'x' WHERE seq = 2",
    "UPDATE audit_event SET payload = payload WHERE seq = 2",
    "DELETE FROM audit_event WHERE seq = 9",
    "DELETE FROM audit_event",
])
def test_triggers_refuse_update_and_delete(app, world, sql):
    db.session.commit()
    with pytest.raises(DBAPIError, match="append-only"):
        with db.engine.begin() as conn:
            conn.execute(text(sql))
    assert len(rows(world.a.id)) == 9 and len(rows(world.b.id)) == 4
    assert_intact(app, world.a, world.b)


def test_triggers_refuse_orm_changes(app, world):
    ev = db.session.execute(select(AuditEvent).where(AuditEvent.community_id == world.a.id,
                                                     AuditEvent.seq == 3)).scalar_one()
    ev.action = "role.revoked"
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEvent, ev.id))
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.commit()
    db.session.rollback()
    assert_intact(app, world.a, world.b)


def test_edited_payload_is_detected(app, world):
    a = world.a
    for seq in (5, 7):
        r = row(a.id, seq)
        tamper(update(T).where(_where(a.id, seq)).values(
            payload=r.payload.replace(f'"user":{world["resa"].id}', f'"user":{world["nobody"].id}')
            .replace(f'"user":{world["penda"].id}', f'"user":{world["nobody"].id}')))
        assert row(a.id, seq).payload != r.payload
    assert_broken(app, a, 5, others=[world.b], reason="hash")


def test_edited_payload_of_first_event_is_detected(app, world):
    r = row(world.a.id, 1)
    tamper(update(T).where(_where(world.a.id, 1)).values(payload=r.payload.replace("Dorf A", "Dorf X")))
    assert_broken(app, world.a, 1, others=[world.b])


def test_non_canonical_or_foreign_payload_is_detected(app, world):
    """Same JSON content re-serialised differently is not the hashed bytes any more."""
    r = row(world.a.id, 4)
    tamper(update(T).where(_where(world.a.id, 4)).values(payload=json.dumps(json.loads(r.payload))))
    assert_broken(app, world.a, 4, reason="canonical")


@pytest.mark.parametrize("payload", ["[]", "null", "\"x\"", "not json", "[" * 5000 + "]" * 5000],
                         ids=["array", "null", "string", "not-json", "deeply-nested"])
def test_garbage_payload_rehashed_is_reported_not_crashing(app, world, payload):
    """Even a payload that is valid JSON but not an object, with a matching hash, is named."""
    r = row(world.a.id, 9)
    tamper(update(T).where(_where(world.a.id, 9)).values(payload=payload, hash=chain_hash(r.prev_hash, payload)),
           set_head_stmt(world.a.id, 9, chain_hash(r.prev_hash, payload)))
    assert_broken(app, world.a, 9, others=[world.b])


@pytest.mark.parametrize("column,value", [
    ("action", "membership.verified"),
    ("actor_id", "nobody"),
    ("actor_id", None),
    ("actor_role", "platform_admin"),
    ("subject_id", 999),
    ("subject_type", "community"),
    ("occurred_at", datetime(2020, 1, 1, tzinfo=timezone.utc)),
])
def test_edited_column_without_payload_is_detected(app, world, column, value):
    if value == "nobody":
        value = world["nobody"].id
    tamper(update(T).where(_where(world.a.id, 6)).values({column: value}))
    assert getattr(row(world.a.id, 6), column) == value
    assert_broken(app, world.a, 6, others=[world.b], reason="differs from payload")


def test_edited_hash_is_detected(app, world):
    tamper(update(T).where(_where(world.a.id, 4)).values(hash="f" * 64))
    assert_broken(app, world.a, 4, others=[world.b])


def test_edited_hash_with_next_prev_hash_is_detected(app, world):
    tamper(update(T).where(_where(world.a.id, 4)).values(hash="f" * 64),
           update(T).where(_where(world.a.id, 5)).values(prev_hash="f" * 64))
    assert_broken(app, world.a, 4, reason="hash")


def test_edited_prev_hash_is_detected(app, world):
    tamper(update(T).where(_where(world.a.id, 1)).values(prev_hash="1" * 64))
    assert_broken(app, world.a, 1, reason="prev_hash")


def test_deleted_middle_row_is_detected(app, world):
    tamper(delete(T).where(_where(world.a.id, 5)))
    assert [r.seq for r in rows(world.a.id)] == [1, 2, 3, 4, 6, 7, 8, 9]
    assert_broken(app, world.a, 5, others=[world.b])


def test_deleted_middle_row_with_renumbering_is_detected(app, world):
    """Deleting seq 5 and moving 6..9 down one still breaks the links."""
    stmts = [delete(T).where(_where(world.a.id, 5))]
    stmts += [update(T).where(_where(world.a.id, s)).values(seq=s - 1) for s in range(6, 10)]
    stmts.append(set_head_stmt(world.a.id, 8, row(world.a.id, 9).hash))
    tamper(*stmts)
    assert_broken(app, world.a, 5, others=[world.b])


def test_deleted_tail_row_is_detected_by_the_head(app, world):
    tamper(delete(T).where(_where(world.a.id, 9)))
    assert head(world.a.id)[0] == 9
    assert_broken(app, world.a, 9, others=[world.b], reason="head")


def test_deleted_tail_rows_are_detected_by_the_head(app, world):
    tamper(delete(T).where((T.c.community_id == world.a.id) & (T.c.seq >= 7)))
    assert_broken(app, world.a, 7, others=[world.b], reason="head")


def test_edited_community_head_is_detected(app, world):
    tamper(set_head_stmt(world.a.id, 9, "e" * 64))
    assert_broken(app, world.a, 9, others=[world.b], reason="head")
    tamper(set_head_stmt(world.a.id, 11, row(world.a.id, 9).hash))
    assert_broken(app, world.a, 10, others=[world.b], reason="head")


def test_row_appended_without_moving_the_head_is_detected(app, world):
    """An event added behind the published head (forged, not through record())."""
    last = row(world.a.id, 9)
    body = json.loads(last.payload)
    body["seq"] = 10
    payload = canonical_json(body)
    tamper(insert(T).values(values_of(last, seq=10, payload=payload, prev_hash=last.hash,
                                      hash=chain_hash(last.hash, payload))))
    assert_broken(app, world.a, 10, others=[world.b], reason="head")


def test_deleted_tail_stays_visible_after_the_next_event(app, world):
    """The next event follows the stored head, so it cannot paper over a deleted tail."""
    old9 = row(world.a.id, 9)
    tamper(delete(T).where(_where(world.a.id, 9)))
    ev = record(world.a, "test.event", None, {}, actor_role="committee", actor=world["coma"])
    db.session.commit()
    assert (ev.seq, ev.prev_hash) == (10, old9.hash)
    assert_broken(app, world.a, 9, others=[world.b])


def test_forged_events_behind_the_head_are_never_adopted(app, world):
    from portal.audit.chain import ChainBroken

    last = row(world.a.id, 9)
    body = dict(json.loads(last.payload), seq=10)
    payload = canonical_json(body)
    tamper(insert(T).values(values_of(last, seq=10, payload=payload, prev_hash=last.hash,
                                      hash=chain_hash(last.hash, payload))))
    with pytest.raises(ChainBroken):
        record(world.a, "test.event", None, {}, actor_role="committee", actor=world["coma"])
    db.session.rollback()
    assert head(world.a.id)[0] == 9 and len(rows(world.a.id)) == 10
    assert_broken(app, world.a, 10, others=[world.b])
    # Other communities carry on.
    record(world.b, "test.event", None, {}, actor_role="committee", actor=world["comb"])
    db.session.commit()
    assert verify_community(world.b).ok


def test_reordered_rows_are_detected(app, world):
    a = world.a.id
    tamper(update(T).where(_where(a, 4)).values(seq=-4),
           update(T).where(_where(a, 6)).values(seq=4),
           update(T).where(_where(a, -4)).values(seq=6))
    assert json.loads(row(a, 4).payload)["seq"] == 6
    assert_broken(app, world.a, 4, others=[world.b])


def test_row_spliced_from_another_community_is_detected(app, world):
    a, b = world.a.id, world.b.id
    foreign = row(b, 2)  # "comb added", same seq in both chains
    tamper(delete(T).where(_where(a, 2)), insert(T).values(values_of(foreign, community_id=a)))
    assert_broken(app, world.a, 2, others=[world.b])


def test_row_spliced_with_matching_links_is_detected(app, world):
    """Even with prev_hash and hash fixed up, the payload names the other community."""
    a, b = world.a.id, world.b.id
    foreign = row(b, 2)
    prev = row(a, 1).hash
    digest = chain_hash(prev, foreign.payload)
    tamper(delete(T).where((T.c.community_id == a) & (T.c.seq >= 2)),
           insert(T).values(values_of(foreign, community_id=a, prev_hash=prev, hash=digest)),
           set_head_stmt(a, 2, digest))
    assert_broken(app, world.a, 2, others=[world.b], reason="community")


def test_row_copied_from_another_community_to_the_tail_is_detected(app, world):
    a, b = world.a.id, world.b.id
    foreign = row(b, 4)
    tamper(insert(T).values(values_of(foreign, community_id=a, seq=10)), set_head_stmt(a, 10, foreign.hash))
    assert_broken(app, world.a, 10, others=[world.b])


def test_replace_into_is_refused(app, world):
    """INSERT OR REPLACE (SQLite, with recursive_triggers on) and an upsert (PostgreSQL)
    would replace a row: the append-only triggers refuse both."""
    r = row(world.a.id, 9)
    forged = r.payload.replace("not known here", "never asked")
    db.session.commit()
    with db.engine.begin() as conn:
        if is_postgres():
            with pytest.raises(DBAPIError, match="append-only"):
                conn.execute(text(
                    "INSERT INTO audit_event (community_id, seq, occurred_at, actor_role, action, payload, "
                    "prev_hash, hash) VALUES (:c, 9, now(), 'x', 'x', :p, :h, :h) ON CONFLICT (community_id, seq) "
                    "DO UPDATE SET payload = excluded.payload"), {"c": world.a.id, "p": forged, "h": r.hash})
            return
        with pytest.raises(DBAPIError, match="append-only"):
            conn.execute(text(
                "INSERT OR REPLACE INTO audit_event (community_id, seq, occurred_at, actor_id, actor_role, action, "
                "subject_type, subject_id, payload, prev_hash, hash) SELECT community_id, seq, occurred_at, "
                "actor_id, actor_role, action, subject_type, subject_id, :p, prev_hash, hash FROM audit_event "
                "WHERE community_id = :c AND seq = 9"), {"c": world.a.id, "p": forged})
    assert row(world.a.id, 9).payload == r.payload


def test_first_of_several_breaks_is_named(app, world):
    tamper(update(T).where(_where(world.a.id, 8)).values(action="x"),
           delete(T).where(_where(world.a.id, 3)),
           update(T).where(_where(world.b.id, 2)).values(hash="0" * 64))
    assert_broken(app, world.a, 3)
    assert_broken(app, world.b, 2)


def test_verify_reads_the_database_not_the_session_cache(app, world):
    """Tampering after the verifier's session loaded the rows is still seen."""
    db.session.commit()
    assert verify_community(world.a).ok
    loaded = db.session.execute(select(AuditEvent).where(AuditEvent.community_id == world.a.id)).scalars().all()
    a = db.session.get(Community, world.a.id)
    assert a.audit_seq == 9 and len(loaded) == 9
    tamper(update(T).where(_where(world.a.id, 5)).values(action="role.revoked"),
           delete(T).where(_where(world.a.id, 9)), commit_first=False)
    r = verify_community(a)
    assert not r.ok and r.broken_seq == 5
    res = cli(app, "verify", "--community", "dorf-a")
    assert res.exit_code == 1 and "BROKEN at seq 5:" in res.output


def test_consistent_rewrite_needs_a_written_down_head(app, world, make_client):
    a = world.a
    resa = make_client()
    resa.login("resa")
    html = resa.get("/c/dorf-a/audit/").get_data(as_text=True)
    # The head a resident writes down from the public page.
    m = re.search(r'<p class="audit-head"><strong>\D*(\d+)\D*</strong>.*?<code class="hash head-hash">([0-9a-f]{64})</code>',
                  html, re.S)
    written = (int(m.group(1)), m.group(2))
    assert written == head(a.id) == (9, row(a.id, 9).hash)
    early = (4, row(a.id, 4).hash)

    def whitewash(bodies):  # drop "reja was rejected" and change who asked first
        bodies = [b for b in bodies if b["action"] != "membership.rejected"]
        bodies[-1]["data"]["user"] = world["nobody"].id
        bodies.append(dict(bodies[-1], action="membership.requested", data={"user": world["resb"].id}))
        return bodies

    new_head = rewrite_from(a.id, 6, whitewash)
    assert new_head[0] == 9 and new_head[1] != written[1]
    # A consistent rewrite fools everything that has only the database ...
    assert verify_community(a).ok
    res = cli(app, "verify")
    assert res.exit_code == 0, res.output
    assert f"dorf-a: ok, 9 events, head 9:{new_head[1]}" in res.output
    # ... but not someone holding the head written down before.
    r = verify_community(a, expect_head=written)
    assert not r.ok and r.broken_seq == 9 and "rewritten" in r.reason
    res = cli(app, "verify", "--community", "dorf-a", "--head", f"{written[0]}:{written[1]}")
    assert res.exit_code == 1 and "dorf-a: BROKEN at seq 9:" in res.output, res.output
    # Upper case, as copied by hand from a printout, works too.
    res = cli(app, "verify", "--community", "dorf-a", "--head", f"{written[0]}:{written[1].upper()}")
    assert res.exit_code == 1 and "BROKEN at seq 9:" in res.output
    # A head from before the rewritten part still matches: no false alarm.
    assert verify_community(a, expect_head=early).ok
    res = cli(app, "verify", "--community", "dorf-a", "--head", f"{early[0]}:{early[1]}")
    assert res.exit_code == 0, res.output
    res = cli(app, "verify", "--community", "dorf-a", "--head", f"0:{GENESIS}")
    assert res.exit_code == 0, res.output


def test_truncating_rewrite_is_caught_by_a_later_head(app, world):
    written = head(world.a.id)
    rewrite_from(world.a.id, 8, lambda bodies: [])  # drop the last two events, head moved back to 7
    assert verify_community(world.a).ok
    r = verify_community(world.a, expect_head=written)
    assert not r.ok and r.broken_seq == 8
    res = cli(app, "verify", "--community", "dorf-a", "--head", f"9:{written[1]}")
    assert res.exit_code == 1 and "dorf-a: BROKEN at seq 8:" in res.output, res.output


def test_verify_cli_rejects_bad_arguments(app, world):
    for args, message in [
        (["--head", "9:" + "a" * 64], "--head needs --community"),
        (["--community", "dorf-a", "--head", "nine:" + "a" * 64], "SEQ:HASH"),
        (["--community", "dorf-a", "--head", "9"], "SEQ:HASH"),
        (["--community", "dorf-a", "--head", "9:abc"], "SEQ:HASH"),
        (["--community", "dorf-a", "--head", "-1:" + "a" * 64], "SEQ:HASH"),
        (["--community", "dorf-a", "--head", "9:" + "g" * 64], "SEQ:HASH"),
        (["--community", "nowhere"], "no community"),
    ]:
        res = cli(app, "verify", *args)
        assert res.exit_code not in (0, None) and message in res.output, (args, res.output)
        assert "Traceback" not in res.output
        assert res.exception is None or isinstance(res.exception, SystemExit), res.exception


# ---------------------------------------------------------------- 4. the audit page


def test_audit_page_is_for_verified_members_only(app, world, make_client):
    for name in ("resa", "coma", "meda"):
        c = make_client()
        c.login(name)
        r = c.get("/c/dorf-a/audit/")
        assert r.status_code == 200, name
        html = r.get_data(as_text=True)
        assert page_seqs(html) == list(range(9, 0, -1))
        assert head(world.a.id)[1] in html
    for name in ("penda", "reja", "nobody", "comb", "resb"):
        c = make_client()
        c.login(name)
        assert c.get("/c/dorf-a/audit/").status_code == 403, name
        assert c.get("/c/dorf-a/audit/export.jsonl").status_code == 403, name
    visitor = make_client()
    r = visitor.get("/c/dorf-a/audit/?action=role.granted")
    assert r.status_code == 303 and "/login" in r.headers["Location"]
    assert visitor.get("/c/nowhere/audit/").status_code == 404


def test_audit_page_shows_only_its_own_community(app, world, make_client):
    comb = make_client()
    comb.login("comb")
    html = comb.get("/c/dorf-b/audit/").get_data(as_text=True)
    assert page_seqs(html) == [4, 3, 2, 1]
    assert "Dorf A" not in html and "Dorf B" in html
    assert head(world.a.id)[1] not in html and head(world.b.id)[1] in html
    # Filtering by an actor of A on B's page finds nothing of A.
    html = comb.get(f"/c/dorf-b/audit/?actor={world['coma'].id}").get_data(as_text=True)
    assert page_seqs(html) == []
    assert comb.get("/c/dorf-a/audit/").status_code == 403


def _fill(community, n, actors):
    for i in range(n):
        actor = actors[i % len(actors)]
        record(community, "test.even" if i % 2 == 0 else "test.odd", None, {"i": i},
               actor_role="committee" if actor else None, actor=actor)
    db.session.commit()


def test_audit_page_pagination_and_filters(app, world, make_client):
    from portal.audit.views import PAGE

    a = world.a
    _fill(a, 121, [world["coma"], None, world["meda"]])  # seq 10 .. 130
    c = make_client()
    c.login("resa")
    seen, url, pages = [], "/c/dorf-a/audit/", 0
    while url:
        html = c.get(url).get_data(as_text=True)
        got = page_seqs(html)
        assert len(got) <= PAGE and got == sorted(got, reverse=True)
        seen += got
        pages += 1
        m = re.search(r'href="([^"]+)" rel="next"', html)
        url = m.group(1).replace("&amp;", "&") if m else None
    assert pages == -(-130 // PAGE) and seen == list(range(130, 0, -1))  # keyset pages: nothing lost, nothing twice

    html = c.get("/c/dorf-a/audit/?before=12").get_data(as_text=True)
    assert page_seqs(html) == list(range(11, 0, -1)) and 'rel="next"' not in html

    # Filter by action, with pagination keeping the filter.
    odd = [s for s in range(130, 9, -1) if (s - 10) % 2 == 1]
    html = c.get("/c/dorf-a/audit/?action=test.odd").get_data(as_text=True)
    assert page_seqs(html) == odd[:PAGE]
    nxt = re.search(r'href="([^"]+)" rel="next"', html).group(1).replace("&amp;", "&")
    assert "action=test.odd" in nxt and f"before={odd[PAGE - 1]}" in nxt
    assert page_seqs(c.get(nxt).get_data(as_text=True)) == odd[PAGE:2 * PAGE]
    html = c.get("/c/dorf-a/audit/?action=membership.rejected").get_data(as_text=True)
    assert page_seqs(html) == [9]
    assert page_seqs(c.get("/c/dorf-a/audit/?action=no.such").get_data(as_text=True)) == []

    # Filter by actor (the link on a name), and both together.
    meda = world["meda"].id
    by_meda = [s for s in range(130, 9, -1) if (s - 10) % 3 == 2]
    html = c.get(f"/c/dorf-a/audit/?actor={meda}").get_data(as_text=True)
    assert page_seqs(html) == by_meda[:PAGE]
    assert f'href="/c/dorf-a/audit/?actor={meda}"' in html
    coma = world["coma"].id
    html = c.get(f"/c/dorf-a/audit/?actor={coma}&action=membership.added").get_data(as_text=True)
    assert page_seqs(html) == [5, 4]
    both = [s for s in range(130, 9, -1) if (s - 10) % 3 == 0 and (s - 10) % 2 == 0]
    html = c.get(f"/c/dorf-a/audit/?actor={coma}&action=test.even").get_data(as_text=True)
    assert page_seqs(html) == both[:PAGE]


def test_audit_page_bad_parameters_are_400(app, world, make_client):
    c = make_client()
    c.login("resa")
    for query in ("before=abc", "before=-1", "before=0", "before=1e3", "before=%EF%BC%95", "before=99999999999",
                  "actor=99999999999", "actor=abc", "actor=-5", "actor=0", "actor=1.5", "actor=%201",
                  "action=" + "x" * 200, "action=" + "%E4%BD%A0" * 41):
        r = c.get(f"/c/dorf-a/audit/?{query}")
        assert r.status_code == 400, (query, r.status_code)
    assert page_seqs(c.get(f"/c/dorf-a/audit/?before=9&actor={world['coma'].id}").get_data(as_text=True)) == [6, 5, 4]
    # What the filter form sends when nothing is chosen is not an error.
    assert page_seqs(c.get("/c/dorf-a/audit/?action=&actor=&before=").get_data(as_text=True)) == list(range(9, 0, -1))


def test_audit_page_escapes_everything(app, world, make_client):
    root, coma = world["root"], world["coma"]
    evil = cs.create_community(root, "evil", XSS_SCRIPT + XSS_IMG, XSS_IMG)
    cs.appoint_committee(evil, coma, actor=root)
    x1 = make_user("xone", name=XSS_SCRIPT)
    x2 = make_user("xtwo", name=XSS_IMG)
    cs.request_join(evil, XSS_IMG, actor=x1)
    cs.reject_member(evil, cs.request_join(evil, XSS_SCRIPT, actor=x2), XSS_SCRIPT + XSS_IMG, actor=coma)
    db.session.commit()
    assert any(XSS_SCRIPT in r.payload for r in rows(evil.id))
    assert any(XSS_IMG.replace('"', '\\"') in r.payload for r in rows(evil.id))

    c = make_client()
    c.login("coma")
    for url in ("/c/evil/audit/", f"/c/evil/audit/?actor={x1.id}", f"/c/evil/audit/?actor={x2.id}",
                "/c/evil/audit/?action=membership.rejected"):
        r = c.get(url)
        assert r.status_code == 200
        html = r.get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html, url
        assert "onerror=alert(1)>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # shown, as text
    html = c.get("/c/evil/audit/").get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&#34;&gt;&lt;img" in html or "&quot;&gt;&lt;img" in html  # display name, escaped


# ---------------------------------------------------------------- 5. export and offline verification


def _export(app, who="coma", slug="dorf-a"):
    from .support.helpers import Client

    c = Client(app)
    c.login(who)
    # buffered: the streamed body is read inside the request's own context (see helpers._Http).
    r = c.get(f"/c/{slug}/audit/export.jsonl", buffered=True)
    assert r.status_code == 200
    assert r.mimetype == "application/x-ndjson"
    assert "attachment" in r.headers["Content-Disposition"] and f"audit-{slug}.jsonl" in r.headers["Content-Disposition"]
    return r.get_data()


def test_export_is_committee_only(app, world, make_client):
    for name in ("resa", "meda", "penda", "nobody", "comb"):
        c = make_client()
        c.login(name)
        assert c.get("/c/dorf-a/audit/export.jsonl").status_code == 403, name
    r = make_client().get("/c/dorf-a/audit/export.jsonl")
    assert r.status_code == 303 and "/login" in r.headers["Location"]
    c = make_client()
    c.login("resa")
    assert "export.jsonl" not in c.get("/c/dorf-a/audit/").get_data(as_text=True)
    c = make_client()
    c.login("coma")
    assert "export.jsonl" in c.get("/c/dorf-a/audit/").get_data(as_text=True)


def test_export_holds_the_exact_chain(app, world, tmp_path):
    record(world.a, "test.event", None,
           {"name": "王明 \"引号\" <b>", "emoji": "🙂", "breaks": "a\u2028b\u2029c\x85d\ne\rf\x0bg\x1ch"},
           actor_role="committee", actor=world["coma"])
    db.session.commit()
    data = _export(app)
    # One event per line, however the reader splits lines.
    assert len(data.split(b"\n")) == 11 and data.endswith(b"\n")
    lines = data.decode("utf-8").splitlines()
    stored = rows(world.a.id)
    assert len(lines) == len(stored) == 10
    prev = "0" * 64
    for line, r in zip(lines, stored):
        item = json.loads(line)
        assert set(item) == {"seq", "prev_hash", "hash", "payload"}
        assert isinstance(item["payload"], str) and item["payload"] == r.payload  # the stored bytes
        assert (item["seq"], item["prev_hash"], item["hash"]) == (r.seq, r.prev_hash, r.hash)
        # Offline re-hash, with nothing but the export.
        assert item["prev_hash"] == prev
        assert hashlib.sha256(bytes.fromhex(prev) + item["payload"].encode("utf-8")).hexdigest() == item["hash"]
        assert json.loads(item["payload"])["seq"] == item["seq"]
        prev = item["hash"]
    assert prev == head(world.a.id)[1]
    assert "王明" in lines[-1]
    assert json.loads(json.loads(lines[-1])["payload"])["data"]["breaks"] == "a\u2028b\u2029c\x85d\ne\rf\x0bg\x1ch"
    res = cli(app, "verify-export", _write(tmp_path, "a.jsonl", data.split(b"\n")[:-1]))
    assert res.exit_code == 0 and f"ok, 10 events, head 10:{prev}" in res.output, res.output
    # B's export is B's chain only.
    b_lines = _export(app, "comb", "dorf-b").decode().splitlines()
    assert [json.loads(x)["seq"] for x in b_lines] == [1, 2, 3, 4]
    assert all(json.loads(json.loads(x)["payload"])["community"] == world.b.id for x in b_lines)


def _write(tmp_path, name, lines):
    p = tmp_path / name
    p.write_bytes(b"".join((x if isinstance(x, bytes) else x.encode()) + b"\n" for x in lines))
    return str(p)


def test_verify_export_cli(app, world, tmp_path):
    data = _export(app)
    good = _write(tmp_path, "good.jsonl", data.splitlines())
    res = cli(app, "verify-export", good)
    assert res.exit_code == 0, res.output
    assert f"ok, 9 events, head 9:{head(world.a.id)[1]}" in res.output
    res = cli(app, "verify-export", good, "--head", f"9:{head(world.a.id)[1]}")
    assert res.exit_code == 0, res.output
    res = cli(app, "verify-export", good, "--head", f"9:{'a' * 64}")
    assert res.exit_code == 1 and "BROKEN at seq 9" in res.output

    items = [json.loads(x) for x in data.splitlines()]

    def broken(name, new_items, seq, raw=None):
        path = _write(tmp_path, name, raw if raw is not None else [json.dumps(i, ensure_ascii=False) for i in new_items])
        res = cli(app, "verify-export", path)
        assert res.exit_code == 1, (name, res.output)
        assert f"BROKEN at seq {seq}" in res.output, (name, res.output)
        assert "Traceback" not in res.output

    def edited(i, **kw):
        out = [dict(x) for x in items]
        out[i - 1].update(kw)
        return out

    broken("payload.jsonl", edited(6, payload=items[5]["payload"].replace("mediator", "committee")), 6)
    broken("hash.jsonl", edited(4, hash="0" * 64), 4)
    broken("prev.jsonl", edited(1, prev_hash="1" * 64), 1)
    broken("missing.jsonl", items[:4] + items[5:], 5)
    broken("swapped.jsonl", items[:2] + [items[3], items[2]] + items[4:], 3)
    broken("seq.jsonl", edited(7, seq=8), 7)
    rehashed = edited(9)  # payload changed and hash recomputed: the payload no longer names seq 9
    rehashed[8]["payload"] = items[8]["payload"].replace('"seq":9', '"seq":10')
    rehashed[8]["hash"] = chain_hash(rehashed[8]["prev_hash"], rehashed[8]["payload"])
    broken("rehashed.jsonl", rehashed, 9)
    b_items = [json.loads(x) for x in _export(app, "comb", "dorf-b").splitlines()]
    mixed = items[:3] + [dict(b_items[3], prev_hash=items[2]["hash"])]
    mixed[3]["hash"] = chain_hash(items[2]["hash"], mixed[3]["payload"])
    broken("mixed.jsonl", mixed, 4)  # a line of another community's chain
    lines = [json.dumps(i) for i in items]
    broken("garbage.jsonl", None, 3, raw=lines[:2] + ["{not json"] + lines[3:])
    broken("array.jsonl", None, 2, raw=lines[:1] + ["[1, 2]"] + lines[2:])
    broken("types.jsonl", edited(2, payload={"seq": 2}), 2)
    broken("badhex.jsonl", edited(2, prev_hash="zz"), 2)
    broken("bytes.jsonl", None, 5, raw=[x.encode() for x in lines[:4]] + [b"\xff\xfe"])
    # A non-canonical payload (same JSON, other bytes) whose hash was recomputed.
    noncanon = edited(3)
    noncanon[2]["payload"] = json.dumps(json.loads(items[2]["payload"]))
    noncanon[2]["hash"] = chain_hash(items[1]["hash"], noncanon[2]["payload"])
    broken("noncanon.jsonl", noncanon, 3)
    # Saved again by an editor: CRLF line ends and a byte-order mark change nothing.
    crlf = _write(tmp_path, "crlf.jsonl", [b"\xef\xbb\xbf" + data.splitlines()[0] + b"\r"]
                  + [x + b"\r" for x in data.splitlines()[1:]])
    res = cli(app, "verify-export", crlf)
    assert res.exit_code == 0, res.output
    # An empty file is not a verified chain either.
    res = cli(app, "verify-export", _write(tmp_path, "empty.jsonl", []))
    assert res.exit_code == 1


def test_verify_export_needs_no_database(tmp_path, database_url):
    """Run against an app whose database does not exist: the file alone is enough."""
    from portal import create_app

    payload1 = canonical_json({"action": "community.created", "actor": None, "actor_role": "system",
                               "at": "2026-01-01T00:00:00Z", "community": 1, "data": {}, "seq": 1,
                               "subject": ["community", 1]})
    h1 = chain_hash(GENESIS, payload1)
    path = _write(tmp_path, "one.jsonl", [json.dumps({"seq": 1, "prev_hash": GENESIS, "hash": h1, "payload": payload1})])
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/none.sqlite3"})
    res = app.test_cli_runner().invoke(args=["audit", "verify-export", path])
    assert res.exit_code == 0, res.output
    assert f"ok, 1 events, head 1:{h1}" in res.output
    assert not (tmp_path / "missing").exists()


# ---------------------------------------------------------------- the head on paper, checked later
# Without a head written down, a consistent rewrite or a cut-off tail cannot be seen (docs/features.md, "Audit
# trail"); the notice puts the head on the board and the check form compares it with the trail.


def _check(client, value):
    from urllib.parse import quote

    r = client.get(f"/c/dorf-a/audit/check?head={quote(value)}")
    assert r.status_code == 200
    return r.get_data(as_text=True)


def _resident_in_english(make_client):
    c = make_client()
    c.login("resa")
    c.http.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return c


def test_head_notice_prints_the_head_and_a_qr_code_that_checks_it(app, world, make_client):
    resa = make_client()
    resa.login("resa")
    seq, digest = head(world.a.id)
    html = resa.get("/c/dorf-a/audit/head").get_data(as_text=True)
    assert f'<dd class="head-seq">{seq}</dd>' in html
    groups = re.findall(r"<span>([0-9a-f]{8})</span>", html)
    assert "".join(groups) == digest and len(groups) == 8
    assert "<svg" in html and 'class="qr"' in html
    link = f"http://localhost/c/dorf-a/audit/check?head={seq}:{digest}"
    assert link in html
    # The QR code's own link, followed: it matches.
    assert "核对一致。" in resa.get(link.replace("http://localhost", "")).get_data(as_text=True)
    for name, code in (("penda", 403), ("nobody", 403), ("comb", 403)):
        c = make_client()
        c.login(name)
        assert c.get("/c/dorf-a/audit/head").status_code == code, name
        assert c.get(f"/c/dorf-a/audit/check?head={seq}:{digest}").status_code == code, name
    assert make_client().get("/c/dorf-a/audit/head").status_code in (302, 303, 403)


def test_check_form_tells_match_cut_and_rewrite_apart(app, world, make_client):
    a = world.a
    resa = _resident_in_english(make_client)
    written = head(a.id)
    early = (4, row(a.id, 4).hash)
    # As copied from the notice: groups with spaces, a full-width colon, capital letters.
    spaced = " ".join(written[1][i:i + 8] for i in range(0, 64, 8)).upper()
    assert "It matches." in _check(resa, f"{written[0]} ： {spaced}")
    assert "It matches." in _check(resa, f"{early[0]}:{early[1]}")
    # A typo: a clear message on the field, and what was typed is still there.
    html = _check(resa, "9:12345")
    assert 'id="head-error"' in html and 'aria-invalid="true"' in html and 'value="9:12345"' in html
    assert "It matches." not in html
    # A wrong code for a real record.
    assert "has a different code today" in _check(resa, f"{written[0]}:{'0' * 64}")
    # The tail cut off and the head moved back: only the written-down head notices.
    rewrite_from(a.id, 8, lambda bodies: [])
    assert verify_community(a).ok
    assert "The trail has no record no. 9." in _check(resa, f"{written[0]}:{written[1]}")
    assert "It matches." in _check(resa, f"{early[0]}:{early[1]}")


def test_check_form_catches_a_consistent_rewrite(app, world, make_client):
    a = world.a
    resa = _resident_in_english(make_client)
    written = head(a.id)

    def whitewash(bodies):
        bodies[-1]["data"]["user"] = world["nobody"].id
        return bodies

    rewrite_from(a.id, 6, whitewash)
    assert verify_community(a).ok
    assert "Record no. 9 has a different code today." in _check(resa, f"{written[0]}:{written[1]}")
    # Chinese by default.
    zh = make_client()
    zh.login("resa")
    assert "第9号记录今天的编码不一样。" in _check(zh, f"{written[0]}:{written[1]}")
