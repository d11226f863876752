"""Issue 19, findings 2 and 3, played as the attacker: someone with the database files (SQLite:
the file and its -wal; PostgreSQL: system columns and the heap) tries to link a ballot to its
voter, and someone reading URLs and logs tries to find a receipt code.

While the poll is open a ballot is sealed: its receipt code and choice are nowhere in the files.
After close: no sealed row, no key, no -wal left; the plaintext ballots are in receipt-code
order; on PostgreSQL every ballot carries the close's xmin, never a roll entry's.
"""
from __future__ import annotations

import json
import logging
import secrets
from pathlib import Path

import pytest
from sqlalchemy import text

from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.votes import casting, closing
from portal.votes.models import PollKey, SealedBallot

from .conftest import is_postgres
from .support.security import client_as
from .support.votes import absent_resident, make_due, make_poll, receipt_code, sealed_count, unsealed

VOTERS = ("resa", "meda", "coma")


def _cast_all(world, p):
    """Each voter's cast in its own transaction, as on the web."""
    trackers = []
    for i, n in enumerate(VOTERS):
        trackers.append(casting.cast(world.a, p, [1 + i % 3], actor=world[n]))
        db.session.commit()
    return trackers


def _close(world, p):
    make_due(p)
    closing.close_if_due(world.a, p)
    db.session.commit()
    return db.session.info.get("yishi_last_scrub")


def _rows(sql):
    return db.session.execute(text(sql)).all()


@pytest.fixture
def wal_app(app, world):
    """The test's database file in WAL mode, as in production (TestConfig turns WAL off; the
    mode is kept in the file, so every new connection uses it)."""
    if is_postgres():
        pytest.skip("SQLite files")
    db.session.commit()
    db.engine.dispose()
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode=WAL").scalar() == "wal"
    return app, Path(app.config["DB_FILE"])


def _files(copy: Path) -> bytes:
    wal = Path(str(copy) + "-wal")
    return copy.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def test_sqlite_files_hold_no_code_while_open_and_nothing_linkable_after_close(wal_app, world):
    _app, copy = wal_app
    assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert db.session.execute(text("PRAGMA secure_delete")).scalar() == 1
    absent_resident(world)  # so that the three ballots leave the poll open
    p = make_poll(world, "open", kind="single", options=["Red", "Green", "Blue"])
    trackers = _cast_all(world, p)
    sealed = [b for (b,) in _rows(f"SELECT sealed FROM poll_sealed_ballot WHERE poll_id = {p.id}")]
    wrapped = db.session.get(PollKey, p.id).wrapped
    raw = _files(copy)
    # While open: neither a receipt code nor the sealed plaintext is in the file or the log.
    assert Path(str(copy) + "-wal").stat().st_size > 0
    for t in trackers:
        assert t.encode() not in raw and f"{t},".encode() not in raw
    assert all(b in raw for b in sealed)  # what is there is the ciphertext
    assert len({len(b) for b in sealed}) == 1  # every sealed ballot has the same length

    scrub = _close(world, p)
    assert scrub == {"journal": "wal", "truncated": True, "attempts": scrub["attempts"]}
    assert sealed_count() == 0 and db.session.get(PollKey, p.id) is None
    # The write-ahead log, which paired each cast's pages, is empty; the file holds no sealed
    # ballot and no wrapped key (secure_delete zeroed them), only the plaintext ballots.
    assert Path(str(copy) + "-wal").stat().st_size == 0
    raw = _files(copy)
    assert not any(b in raw for b in sealed) and wrapped not in raw
    assert all(t.encode() in raw for t in trackers)
    # Page order is receipt-code order, not cast order (no rowid: the table is its key's b-tree).
    stored = [t for (t,) in _rows(f"SELECT tracker FROM poll_ballot WHERE poll_id = {p.id}")]
    assert stored == sorted(trackers)
    # Recount and the published table still work.
    ok, _stored_totals, counted, problems = closing.recount(p)
    assert ok and counted == [1, 1, 1], problems


@pytest.mark.postgres
def test_postgres_no_ballot_shares_an_xmin_with_the_roll_after_close(app, world):
    if not is_postgres():
        pytest.skip("PostgreSQL")
    absent_resident(world)  # so that the three ballots leave the poll open
    p = make_poll(world, "open")
    trackers = _cast_all(world, p)
    # While open the sealed row and the roll row share their xmin (docs/features.md, "Votes (表决)") ...
    roll_xmins = {x for (x,) in _rows(f"SELECT xmin::text FROM poll_roll WHERE poll_id = {p.id}")}
    sealed_xmins = {x for (x,) in _rows(f"SELECT xmin::text FROM poll_sealed_ballot WHERE poll_id = {p.id}")}
    assert sealed_xmins == roll_xmins and len(roll_xmins) == 3
    # ... but the content opens only with BALLOT_KEY, and no receipt code is in the clear.
    assert _rows("SELECT count(*) FROM poll_ballot")[0][0] == 0
    scrub = _close(world, p)
    assert scrub["full"] is True
    ballots = _rows(f"SELECT xmin::text, ctid::text, tracker FROM poll_ballot WHERE poll_id = {p.id} ORDER BY ctid")
    assert {x for x, _c, _t in ballots}.isdisjoint(roll_xmins)
    assert len({x for x, _c, _t in ballots}) == 1  # all written by the close
    assert [t for _x, _c, t in ballots] == sorted(trackers)  # heap order is receipt-code order
    # No dead tuple of a sealed ballot or a key remains: VACUUM FULL rewrote both tables empty.
    assert _rows("SELECT pg_relation_size('poll_sealed_ballot'), pg_relation_size('poll_ballot_key')")[0] == (0, 0)
    assert closing.recount(p)[0]


def test_ballots_cast_before_sealing_are_rewritten_in_code_order_at_close(app, world):
    """A poll open across the upgrade: its plaintext ballots from before join the sealed ones."""
    p = make_poll(world, "open")
    early = sorted((casting.new_tracker(), "2") for _ in range(5))
    db.session.execute(text("INSERT INTO poll_ballot (poll_id, tracker, choice) VALUES (:p, :t, :c)"),
                       [{"p": p.id, "t": t, "c": c} for t, c in reversed(early)])
    trackers = _cast_all(world, p)
    _close(world, p)
    stored = [t for (t,) in _rows(f"SELECT tracker FROM poll_ballot WHERE poll_id = {p.id}")]
    assert sorted(stored) == sorted(trackers + [t for t, _ in early]) and sealed_count() == 0


def test_a_sealed_ballot_opens_only_with_its_poll_and_key(app, world):
    from portal.votes import sealing

    p = make_poll(world, "open")
    q = make_poll(world, "open", question="Another?")
    [t] = [casting.cast(world.a, p, [2], actor=world["resa"])]
    db.session.commit()
    assert unsealed(p.id) == [(t, "2")]
    blob = db.session.execute(db.select(SealedBallot.sealed)).scalar_one()
    key = sealing.unwrap(db.session.get(PollKey, p.id).wrapped, p.id)
    with pytest.raises(sealing.SealError):
        sealing.unseal(key, q.id, blob)  # moved to another poll
    with pytest.raises(sealing.SealError):
        sealing.unwrap(db.session.get(PollKey, p.id).wrapped, q.id)
    app.extensions[sealing.EXTENSION] = secrets.token_bytes(32)  # another server key
    with pytest.raises(sealing.SealError):
        sealing.unwrap(db.session.get(PollKey, p.id).wrapped, p.id)


def test_cast_puts_the_code_in_no_url_log_or_audit_event(app, world, caplog):
    p = make_poll(world, "open")
    resa = client_as(app, "resa")
    url = f"/c/dorf-a/votes/{p.id}"
    with caplog.at_level(logging.DEBUG):
        r = resa.post(f"{url}/cast", {"choice": "1"}, token_from=url)
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store" and "Location" not in r.headers
    code = receipt_code(r.get_data(as_text=True))
    assert code not in caplog.text and code[:4] + "-" not in caplog.text
    for e in db.session.execute(db.select(AuditEvent)).scalars():
        assert code not in e.payload
    participated = [json.loads(e.payload) for e in db.session.execute(db.select(AuditEvent)).scalars()
                    if e.action == "poll.participated"]
    assert participated and all(set(e["data"]) == {"origin"} for e in participated)


def test_no_route_takes_a_receipt_code_in_its_address(app, world):
    p = make_poll(world, "closed")
    code = db.session.execute(text(f"SELECT tracker FROM poll_ballot WHERE poll_id = {p.id}")).scalar_one()
    rules = [r.rule for r in app.url_map.iter_rules() if r.rule.startswith("/c/<slug:slug>/votes")]
    assert not any("tracker" in r or "receipt" in r or "code" in r for r in rules), rules
    visitor = client_as(app, "visitor")
    for old in (f"/c/dorf-a/votes/{p.id}/receipt/{code}",):
        assert visitor.get(old).status_code == 404
    # A code in the query string is not looked up: the page does not answer it.
    for path in (f"/c/dorf-a/votes/{p.id}/ballots?lang=en&tracker={code}", f"/c/dorf-a/votes/{p.id}/find?lang=en&tracker={code}"):
        page = visitor.get(path).get_data(as_text=True)
        assert "Found: ballot" not in page
    find = f"/c/dorf-a/votes/{p.id}/find?lang=en"
    page = visitor.get(find).get_data(as_text=True)
    assert 'method="post"' in page and code not in page
    r = visitor.post(find, {"tracker": code}, token_from=find, once=False)
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    assert "Found: ballot" in r.get_data(as_text=True)


def test_find_my_ballot_is_not_offered_while_the_poll_is_open(app, world):
    p = make_poll(world, "voted")
    visitor = client_as(app, "visitor")
    assert visitor.get(f"/c/dorf-a/votes/{p.id}/find").status_code == 404
