"""Test fixtures: every test gets a freshly migrated database.

SQLite (default): the migrations run once into a template file that each test
copies; the `world` (helpers.build_world) is built once per worker into a copy of
that template, and a test that asks for it gets a copy of that file instead
(helpers.world_for). PostgreSQL (TEST_DATABASE_URL=postgresql+psycopg://.../test):
a fresh database is created for the run, migrated once, and emptied after each
test; the world is built per test.

Each test still builds its own app; tests/support/speed.py shares what every app
compiles the same way (route builders, template bytecode) and skips fsyncs.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from portal import create_app  # noqa: E402
from portal.extensions import db  # noqa: E402

from .support.helpers import Client  # noqa: E402
from .support.speed import (  # noqa: E402
    TEMPLATES,
    cache_route_builders,
    share_compiled_sql,
    use_fast_commits,
    watch_writes,
)

cache_route_builders()

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
TABLES_IN_ORDER = None


def _compile_catalogs():
    tr = ROOT / "translations"
    for po in tr.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            subprocess.run([sys.executable, "-m", "babel.messages.frontend", "compile", "-d", str(tr)],
                           check=True, capture_output=True)
            break


def _migrate(url: str):
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    from flask_migrate import upgrade

    with app.app_context():
        use_fast_commits(db.engine)  # a throw-away database: no fsync at each migration's commit
        upgrade(directory=str(ROOT / "migrations"))
        db.engine.dispose()


def pytest_configure(config):
    config.addinivalue_line("markers", "postgres: needs TEST_DATABASE_URL (PostgreSQL)")
    config.addinivalue_line("markers", "browser: drives a real Chromium")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    _compile_catalogs()
    if PG_URL:
        base = make_url(PG_URL)
        name = f"yishi_test_{uuid.uuid4().hex[:10]}"
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = base.set(database=name).render_as_string(hide_password=False)
        _migrate(url)
        yield url
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    else:
        template = tmp_path_factory.mktemp("db") / "template.sqlite3"
        _migrate(f"sqlite:///{template}")
        yield str(template)


def is_postgres() -> bool:
    return bool(PG_URL)


@pytest.fixture(scope="session")
def speech_cache(tmp_path_factory):
    """Spoken texts, shared by the tests of a run (the same text is spoken once)."""
    return str(tmp_path_factory.mktemp("speech"))


@pytest.fixture(scope="session")
def world_file(database_url, tmp_path_factory, speech_cache):
    """SQLite: the migrated template with helpers.build_world() in it, built once per worker
    (before any test's monkeypatches) with the same configuration as each test's app."""
    if PG_URL:
        return None
    from .support.helpers import build_world

    folder = tmp_path_factory.mktemp("world")
    path = folder / "world.sqlite3"
    shutil.copyfile(database_url, path)
    application = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "UPLOAD_ROOT": str(folder / "uploads"),
                              "SPEECH_CACHE": speech_cache, "DB_FILE": str(path)})
    with application.app_context():
        build_world()
        db.session.remove()
        db.engine.dispose()
    return str(path)


@pytest.fixture
def app(database_url, world_file, tmp_path, speech_cache):
    if PG_URL:
        url = database_url
    else:
        path = tmp_path / "test.sqlite3"
        shutil.copyfile(database_url, path)
        url = f"sqlite:///{path}"
    application = create_app({"SQLALCHEMY_DATABASE_URI": url, "UPLOAD_ROOT": str(tmp_path / "uploads"),
                              "SPEECH_CACHE": speech_cache, "DB_FILE": None if PG_URL else str(tmp_path / "test.sqlite3"),
                              "TEST_WORLD_FILE": world_file})
    application.jinja_env.bytecode_cache = TEMPLATES
    with application.app_context():
        use_fast_commits(db.engine)
        share_compiled_sql(db.engine, db.Model.registry)
        application.extensions["yishi_test_writes"] = watch_writes(db.engine)
        yield application
        db.session.remove()
        if PG_URL:
            _truncate_all()
        db.engine.dispose()


def _truncate_all():
    """Empty every table and restart every sequence after a PostgreSQL test. DELETE, not
    TRUNCATE: a test leaves a few rows in a few tables, and TRUNCATE's fixed cost per table
    (new files for ~40 tables and their indexes) made this teardown 0.28 s, half of an average
    test. Triggers (the audit trail's append-only ones) are off for this session only."""
    names = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        for n in names:
            conn.execute(text(f'DELETE FROM "{n}"'))
        conn.execute(text("SELECT setval(c.oid, 1, false) FROM pg_class c WHERE c.relkind = 'S'"))


@pytest.fixture
def client(app):
    return Client(app)


@pytest.fixture
def make_client(app):
    return lambda: Client(app)


@pytest.fixture
def world(app):
    """Two communities with every role in each (see helpers.build_world; on SQLite a copy
    of the world built once per worker, see helpers.world_for)."""
    from .support.helpers import world_for

    return world_for(app)


@pytest.fixture
def fast_passwords(monkeypatch):
    """A cheap password hash, for suites that sign many people in or build worlds of their own
    (`pytestmark = pytest.mark.usefixtures("fast_passwords")`). Login still checks the password;
    tests/test_auth.py keeps the real hash."""
    from .support.security import use_fast_passwords

    use_fast_passwords(monkeypatch)


@pytest.fixture
def app2(app):
    """A second app on the same database with a pool big enough for the concurrency tests'
    writers (up to 20 at once; the default pool of 5 + 10 would queue some of them)."""
    other = create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                        "UPLOAD_ROOT": app.config["UPLOAD_ROOT"],
                        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 25, "max_overflow": 5}})
    other.jinja_env.bytecode_cache = app.jinja_env.bytecode_cache
    yield other
    with other.app_context():
        db.engine.dispose()
