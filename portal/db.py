"""Declarative base, naming convention and common column helpers."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import DateTime, MetaData, event, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def pk_of(obj) -> int:
    """The primary key of a loaded model instance without loading it again.

    After a commit every attribute of an instance is expired, `obj.id` included, and
    reading it costs a SELECT of the whole row; the identity key is kept. Anything
    that is not a persistent instance (a new object, a stand-in with an `id`) gives
    its `id` attribute."""
    state = inspect(obj, raiseerr=False)
    key = getattr(state, "key", None)
    if key is not None and len(key[1]) == 1 and state.mapper.primary_key[0].name == "id":
        return key[1][0]
    return obj.id


class TZDateTime(TypeDecorator):
    """Stores UTC; always returns aware datetimes (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                value = value.replace(tzinfo=timezone.utc)
            value = value.astimezone(timezone.utc)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):  # pragma: no cover - trivial
    module = type(dbapi_connection).__module__
    if "sqlite" in module:
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=15000")
        # INSERT OR REPLACE must fire the DELETE trigger too: the audit log stays append-only.
        cur.execute("PRAGMA recursive_triggers=ON")
        # Deleted rows are overwritten with zeros, in the file and in the pages the write-ahead
        # log gets: a closed poll's sealed ballots leave nothing behind (portal/votes/sealing.py).
        cur.execute("PRAGMA secure_delete=ON")
        cur.close()


# SQLite journal for file databases (Config.SQLITE_WAL, on by default; off in TestConfig).
#
# The default rollback journal writes every page twice and fsyncs the database, the
# journal and the directory on every COMMIT (≈ 22 ms per cast measured on a busy disk:
# bench/RESULTS.md). In WAL mode a COMMIT appends the changed pages to instance/*-wal;
# with synchronous=NORMAL it does not fsync at all, the WAL is synced at checkpoints.
# Readers no longer wait for the writer either (one writer at a time, as before).
#
# Durability trade-off: a transaction is never torn and the database never corrupted,
# and a COMMIT survives a crash of the portal's process; but the last transactions
# before a power cut or an operating-system crash (those since the last checkpoint)
# can be lost, as a whole — the roll entry, the ballot and its audit event together, so
# the chain still verifies and the resident can vote again. SQLITE_SYNCHRONOUS=FULL
# keeps WAL and fsyncs every COMMIT (no such loss; about one fsync per write).
# PostgreSQL is unaffected (it keeps synchronous_commit=on).
#
# Backups: the database is the .sqlite3 file AND its -wal file; copy it with
# `sqlite3 instance/yishi.sqlite3 ".backup copy.sqlite3"`, not `cp`.
SQLITE_SYNCHRONOUS_MODES = ("NORMAL", "FULL")


def use_wal(engine, synchronous: str = "NORMAL") -> bool:
    """Put a file SQLite database in WAL mode on every new connection. Returns whether
    it applies (not to PostgreSQL, not to an in-memory database)."""
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:") \
            or "mode=memory" in str(engine.url):
        return False
    synchronous = synchronous.upper()
    if synchronous not in SQLITE_SYNCHRONOUS_MODES:
        raise ValueError(f"SQLITE_SYNCHRONOUS must be one of {', '.join(SQLITE_SYNCHRONOUS_MODES)}")

    @event.listens_for(engine, "connect")
    def _wal(dbapi_connection, connection_record):
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA journal_mode=WAL")  # persistent in the file; a no-op once set
        cur.execute(f"PRAGMA synchronous={synchronous}")  # per connection
        cur.close()

    return True
