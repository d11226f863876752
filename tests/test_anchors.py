"""Traces across levels (issue 15): the heads of the chains below are anchored in the chain above,
and `flask audit verify` catches a chain rewritten consistently after its head was anchored, or
after a hand-off named its event in the receiving unit's chain (SQLite and PostgreSQL)."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from portal.audit import verify_community
from portal.audit.anchors import anchor_all, anchor_children, last_anchors
from portal.audit.chain import GENESIS, canonical_json, chain_hash
from portal.extensions import db
from portal.matters import services as ms

from .support.audit import cli, head, rows, tamper

pytestmark = pytest.mark.usefixtures("fast_passwords")


def rewrite(community_id: int, seq: int, change) -> list:
    """Rewrite one chain's past consistently: change the event at `seq` (change(body) edits its
    payload), recompute every hash from there on and the head on the community row, so that the
    chain verifies on its own. Returns the statements for tamper()."""
    stmts, prev = [], GENESIS
    for r in rows(community_id):
        if r.seq < seq:
            prev = r.hash
            continue
        body = json.loads(r.payload)
        if r.seq == seq:
            change(body)
        payload = canonical_json(body)
        digest = chain_hash(prev, payload)
        stmts.append(("UPDATE audit_event SET payload = :p, prev_hash = :ph, hash = :h WHERE id = :id",
                      {"p": payload, "ph": prev, "h": digest, "id": r.id}))
        prev = digest
    stmts.append(("UPDATE community SET audit_head = :h WHERE id = :c", {"h": prev, "c": community_id}))
    return stmts


def test_anchor_writes_each_moved_head_once(app, world):
    street = world.unit("jie-a")
    events = anchor_children(street)
    db.session.commit()
    anchored = {e.subject_id for e in events}
    assert anchored == {world.a.id, world.b.id, world.unit("dept-a").id}
    assert last_anchors(street)[world.a.id] == head(world.a.id)
    for e in events:
        data = json.loads(e.payload)["data"]
        assert e.action == "audit.anchored" and set(data) == {"child", "seq", "hash"}
        assert (data["seq"], data["hash"]) == head(data["child"])
    assert anchor_children(street) == []  # nothing moved
    ms.save_category(street, "trees", "树木", "Trees", 72, actor=world["stra"])  # the street's own chain moves
    assert anchor_children(street) == []  # …its children's did not
    # One more event in dorf-a: only dorf-a is anchored again.
    from portal.communities import services as cs
    cs.add_resident(world.a, world["nobody"], actor=world["coma"])
    assert [e.subject_id for e in anchor_children(street)] == [world.a.id]
    db.session.commit()
    for c in (street, world.a, world.b):
        assert verify_community(c).ok


def test_the_cli_anchors_streets_then_districts_and_verify_is_happy(app, world):
    res = app.test_cli_runner().invoke(args=["audit", "anchor"])
    assert res.exit_code == 0, res.output
    # jie-a: dorf-a, dorf-b, dept-a; jie-b: dept-b; qu-a: jie-a; qu-b: jie-b (after their anchors).
    assert "6 anchors written" in res.output
    district = world.unit("qu-a")
    assert last_anchors(district)[world.unit("jie-a").id] == head(world.unit("jie-a").id)
    res = cli(app, "verify")
    assert res.exit_code == 0, res.output
    res = app.test_cli_runner().invoke(args=["audit", "anchor"])
    assert "0 anchors written" in res.output


def test_a_community_rewritten_after_anchoring_is_caught_from_its_streets_chain(app, world):
    street = world.unit("jie-a")
    anchor_all()
    db.session.commit()
    a_id = world.a.id
    # Rewrite dorf-a's second event (who was made committee) consistently.
    tamper(*rewrite(a_id, 2, lambda body: body["data"].update(forged=True)))
    db.session.expire_all()
    assert verify_community(world.a).ok  # the community's own chain no longer tells
    res = cli(app, "verify")
    assert res.exit_code != 0, res.output
    assert "dorf-a: ok" in res.output  # on its own, it verifies …
    assert f"dorf-a: seq {head(a_id)[0]} rewritten after anchoring, caught from {street.slug}'s chain" in res.output
    # … and only jie-a's anchor tells: nothing else is reported.
    assert res.output.count("BROKEN") == 1


def test_a_street_rewritten_after_anchoring_is_caught_from_its_district(app, world):
    anchor_all()
    db.session.commit()
    street = world.unit("jie-a")
    tamper(*rewrite(street.id, 1, lambda body: body["data"].update(name="Forged")))
    res = cli(app, "verify")
    assert res.exit_code != 0
    assert "caught from qu-a's chain" in res.output


def test_a_hand_off_names_the_senders_event(app, world):
    """A sender's chain rewritten after a dispatch is caught from the receiver's chain, even
    before any anchor."""
    street = world.unit("jie-a")
    cat = ms.categories(street)[0]
    m = ms.report(world.a, category_id=cat.id, title="Broken lamp", actor=world["resa"])
    ms.dispatch(world.a, m, world.unit("dept-a"), note="", actor=world["coma"])
    db.session.commit()
    assert cli(app, "verify").exit_code == 0
    sent = next(r for r in rows(world.a.id) if r.action == "matter.dispatched.sent")
    tamper(*rewrite(world.a.id, sent.seq, lambda body: body["data"].update(note="forged")))
    assert verify_community(world.a).ok
    res = cli(app, "verify")
    assert res.exit_code != 0
    assert f"dorf-a: seq {sent.seq} does not match the hand-off received at dept-a's seq" in res.output


def test_anchor_is_a_trace_and_does_not_move_the_content_version(app, world):
    street = world.unit("jie-a")
    before = db.session.execute(text("SELECT content_seq FROM community WHERE id = :c"), {"c": street.id}).scalar()
    anchor_children(street)
    db.session.commit()
    after = db.session.execute(text("SELECT content_seq FROM community WHERE id = :c"), {"c": street.id}).scalar()
    assert before == after


def test_a_hand_off_names_the_receivers_head_before_it(app, world):
    """The receiving unit's chain rewritten before a hand-off is caught from the sender's chain."""
    street = world.unit("jie-a")
    cat = ms.categories(street)[0]
    m = ms.report(world.a, category_id=cat.id, title="Broken lamp", actor=world["resa"])
    dept = world.unit("dept-a")
    ms.dispatch(world.a, m, dept, note="", actor=world["coma"])
    db.session.commit()
    sent = next(r for r in rows(world.a.id) if r.action == "matter.dispatched.sent")
    to_seq = json.loads(sent.payload)["data"]["to_head"][0]
    tamper(*rewrite(dept.id, to_seq, lambda body: body["data"].update(name="Forged")))
    assert verify_community(dept).ok
    res = cli(app, "verify")
    assert res.exit_code != 0
    assert f"dept-a: seq {to_seq} does not match the hand-off sent at dorf-a's seq {sent.seq}" in res.output
