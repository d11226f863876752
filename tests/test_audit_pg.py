"""Audit chain guarantees that only PostgreSQL can show: concurrent writers from
many connections, lock behaviour, TRUNCATE. Run with TEST_DATABASE_URL set."""
from __future__ import annotations

import json
import threading
import time

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from portal.audit import record, verify_community
from portal.communities.models import Community
from portal.extensions import db

from .conftest import is_postgres
from .support.audit import assert_intact, head, rows
from .support.helpers import run_threads

pytestmark = [pytest.mark.usefixtures("fast_passwords"), pytest.mark.skipif(
    not is_postgres(), reason="PostgreSQL only: set TEST_DATABASE_URL=postgresql+psycopg://.../test")]

THREADS = 8
PER_THREAD = 20


def _run_threads(targets, timeout=60):
    return run_threads(targets, timeout, what="a writer")


def _appender(app, community_id, tag, barrier, n=PER_THREAD):
    """One writer: its own app context (own session, own connection), n commits."""
    def run():
        with app.app_context():
            barrier.wait()
            for i in range(n):
                community = db.session.get(Community, community_id)
                record(community, "test.append", ("writer", tag), {"writer": tag, "i": i}, actor=None)
                db.session.commit()
    return run


def _check_chain(community_id, expected_writers, n=PER_THREAD):
    chain = rows(community_id)
    total = 1 + len(expected_writers) * n  # community.created + the appends
    assert [r.seq for r in chain] == list(range(1, total + 1))  # no gap, no duplicate
    assert len({r.prev_hash for r in chain}) == total  # no fork: every event has its own parent
    for prev, r in zip(chain, chain[1:]):
        assert r.prev_hash == prev.hash
    per_writer = {}
    for r in chain[1:]:
        body = json.loads(r.payload)
        per_writer.setdefault(body["data"]["writer"], []).append(body["data"]["i"])
    assert per_writer == {w: list(range(n)) for w in expected_writers}  # each writer's events in its order
    assert head(community_id) == (total, chain[-1].hash)


def _community(slug):
    from portal.communities import services as cs

    c = cs.create_community(None, slug, slug.upper())
    db.session.commit()
    return c


def test_concurrent_writers_in_one_community_never_fork(app):
    c = _community("dorf-c")
    barrier = threading.Barrier(THREADS)
    _run_threads([_appender(app, c.id, k, barrier) for k in range(THREADS)])
    db.session.expire_all()
    _check_chain(c.id, [k for k in range(THREADS)])
    r = verify_community(c)
    assert r.ok and r.count == 1 + THREADS * PER_THREAD, r
    assert_intact(app, c)


def test_concurrent_writers_in_two_communities(app):
    a, b = _community("dorf-c"), _community("dorf-d")
    barrier = threading.Barrier(THREADS)
    writers = [_appender(app, (a if k % 2 else b).id, k, barrier) for k in range(THREADS)]
    _run_threads(writers)
    db.session.expire_all()
    _check_chain(a.id, [k for k in range(THREADS) if k % 2])
    _check_chain(b.id, [k for k in range(THREADS) if not k % 2])
    assert_intact(app, a, b)


def test_a_writer_waits_only_for_its_own_community(app):
    """While one transaction holds A's chain, a writer of B commits at once and a
    second writer of A waits, then continues from the first one's event."""
    a, b = _community("dorf-c"), _community("dorf-d")
    holding, release = threading.Event(), threading.Event()
    done = {}

    def hold_a():
        with app.app_context():
            record(db.session.get(Community, a.id), "test.hold", None, {}, actor=None)
            holding.set()
            assert release.wait(30)
            db.session.commit()

    def write(community_id, key):
        def run():
            assert holding.wait(30)
            with app.app_context():
                record(db.session.get(Community, community_id), "test.write", None, {"key": key}, actor=None)
                db.session.commit()
            done[key] = time.monotonic()
        return run

    threads = [threading.Thread(target=f, daemon=True) for f in (hold_a, write(b.id, "b"), write(a.id, "a"))]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 10
    while "b" not in done and time.monotonic() < deadline:
        time.sleep(0.02)
    assert "b" in done, "a writer of B waited for A's lock"
    time.sleep(0.3)
    assert "a" not in done, "a second writer of A did not wait for the first"
    released = time.monotonic()
    release.set()
    for t in threads:
        t.join(30)
    assert done["a"] >= released
    chain = rows(a.id)
    assert [r.action for r in chain] == ["community.created", "test.hold", "test.write"]
    assert_intact(app, a, b)


def test_changing_the_community_row_then_recording_does_not_deadlock(app):
    """A service that edits the community row and then records (e.g. renaming it)
    must not deadlock with a concurrent writer of the same chain."""
    c = _community("dorf-c")
    edited, started = threading.Event(), threading.Event()

    def rename():
        with app.app_context():
            community = db.session.get(Community, c.id)
            community.name = "Renamed"
            db.session.flush()  # holds the community row now
            edited.set()
            assert started.wait(10)
            time.sleep(0.5)  # let the other writer get as far as it can
            record(community, "community.renamed", community, {"name": "Renamed"}, actor=None)
            db.session.commit()

    def append():
        assert edited.wait(10)
        with app.app_context():
            started.set()
            record(db.session.get(Community, c.id), "test.append", None, {}, actor=None)
            db.session.commit()

    _run_threads([rename, append], timeout=30)
    db.session.expire_all()
    assert [r.action for r in rows(c.id)] == ["community.created", "community.renamed", "test.append"]
    assert db.session.get(Community, c.id).name == "Renamed"
    assert_intact(app, c)


def test_truncate_is_refused(app, world):
    db.session.commit()
    with pytest.raises(DBAPIError, match="append-only"):
        with db.engine.begin() as conn:
            conn.execute(text("TRUNCATE audit_event CASCADE"))
    assert len(rows(world.a.id)) == 9
    assert_intact(app, world.a, world.b)


def test_replica_role_is_needed_to_bypass_and_does_not_leak(app, world):
    """SET LOCAL session_replication_role ends with the transaction: the pooled
    connection refuses UPDATE again afterwards."""
    db.session.commit()
    with db.engine.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text("UPDATE audit_event SET action = 'x' WHERE seq = 2 AND community_id = :c"),
                     {"c": world.b.id})
    for _ in range(3):  # whichever pooled connection we get
        with pytest.raises(DBAPIError, match="append-only"):
            with db.engine.begin() as conn:
                conn.execute(text("UPDATE audit_event SET action = 'y' WHERE seq = 2"))
    r = verify_community(world.b)
    assert not r.ok and r.broken_seq == 2
    assert verify_community(world.a).ok
    assert db.session.execute(select(text("current_setting('session_replication_role')"))).scalar() == "origin"
