"""The schema comes from the migrations, and they match the models."""
from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from portal import create_app
from portal.extensions import db

ROOT = Path(__file__).resolve().parent.parent


def test_models_match_migrations(app):
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == [], diff


def test_existing_communities_get_default_categories(tmp_path):
    # The walk 0002 -> head with data, down and up again, on a throw-away SQLite file
    # (the PostgreSQL run migrates its own database from scratch once per run).
    url = f"sqlite:///{tmp_path / 'walk.sqlite3'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"), revision="0002")
        db.session.execute(text("INSERT INTO community (slug, name, region, kind, default_locale, created_at, "
                                "audit_seq, audit_head) VALUES ('old', 'Old', '', 'village', 'zh_Hans', "
                                "'2026-01-01 00:00:00', 0, :h)"), {"h": "0" * 64})
        db.session.commit()
        upgrade(directory=str(ROOT / "migrations"))
        keys = db.session.execute(text("SELECT key FROM proposal_category ORDER BY position")).scalars().all()
        assert keys == ["roads", "sanitation", "safety", "funds", "other"]
        downgrade(directory=str(ROOT / "migrations"), revision="0002")
        upgrade(directory=str(ROOT / "migrations"))
        db.session.remove()
        db.engine.dispose()
