"""The audit chain as tests read it: the stored rows, the head on the community row, the CLI verifier."""
from __future__ import annotations

from sqlalchemy import select, text

from portal.audit import verify_community
from portal.audit.models import AuditEvent
from portal.extensions import db

from ..conftest import is_postgres

T = AuditEvent.__table__


def rows(community_id):
    """The stored rows of one chain, read straight from the table (no ORM cache)."""
    return db.session.execute(select(T).where(T.c.community_id == community_id).order_by(T.c.seq)).all()


def head(community_id):
    return tuple(db.session.execute(
        text("SELECT audit_seq, audit_head FROM community WHERE id = :c"), {"c": community_id}).one())


def assert_intact(app, *communities):
    for c in communities:
        r = verify_community(c)
        assert r.ok, r
        assert (r.head_seq, r.head_hash) == head(c.id)
    res = cli(app, "verify")
    assert res.exit_code == 0, res.output
    for c in communities:
        assert f"{c.slug}: ok, {head(c.id)[0]} events" in res.output


def cli(app, *args):
    return app.test_cli_runner().invoke(args=["audit", *args])


def tamper(*statements, commit_first=True):
    """Run statements in one committed transaction that bypasses the triggers."""
    if commit_first:
        db.session.commit()
    with db.engine.begin() as conn:
        triggers = []
        if is_postgres():
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            triggers = conn.execute(text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_event'")).all()
            assert {n for n, _ in triggers} == {"audit_event_no_update", "audit_event_no_delete"}
            for name, _ in triggers:
                conn.execute(text(f'DROP TRIGGER "{name}"'))
        for stmt in statements:
            if isinstance(stmt, tuple):
                conn.execute(text(stmt[0]), stmt[1])
            else:
                conn.execute(stmt)
        for _, sql in triggers:
            conn.execute(text(sql))
