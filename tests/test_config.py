"""Configuration: defaults, production refusal, demo refusal, Redis rate-limit storage."""
from __future__ import annotations

import pytest

from portal import create_app

from .support.helpers import PASSWORD, Client


def test_default_database_is_sqlite_in_instance(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    import importlib

    import config

    importlib.reload(config)
    try:
        assert config.Config.SQLALCHEMY_DATABASE_URI.startswith("sqlite:///")
        assert config.Config.SQLALCHEMY_DATABASE_URI.endswith("instance/yishi.sqlite3")
    finally:
        importlib.reload(config)


def test_database_url_switches_to_psycopg(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/db")
    import importlib

    import config

    importlib.reload(config)
    try:
        assert config.Config.SQLALCHEMY_DATABASE_URI == "postgresql+psycopg://u@h/db"
    finally:
        monkeypatch.delenv("DATABASE_URL")
        importlib.reload(config)


@pytest.mark.parametrize("settings, journal, synchronous", [
    ({"SQLITE_WAL": True}, "wal", 1),  # what Config (development, production) sets
    ({"SQLITE_WAL": True, "SQLITE_SYNCHRONOUS": "FULL"}, "wal", 2),
    ({}, "delete", 2),  # TestConfig: the suite copies template files, so no WAL there
])
def test_sqlite_journal_is_set_on_connect(tmp_path, settings, journal, synchronous):
    """WAL with synchronous=NORMAL unless configured otherwise (portal/db.py: the trade-off)."""
    from sqlalchemy import text

    import config
    from portal.extensions import db

    assert config.Config.SQLITE_WAL and config.Config.SQLITE_SYNCHRONOUS == "NORMAL" and not config.TestConfig.SQLITE_WAL
    application = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'j.sqlite3'}", **settings})
    with application.app_context():
        with db.engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == journal
            assert conn.execute(text("PRAGMA synchronous")).scalar_one() == synchronous
            assert conn.execute(text("PRAGMA foreign_keys")).scalar_one() == 1  # the portal's other pragmas stay
        db.engine.dispose()
    memory = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SQLITE_WAL": True})
    with memory.app_context(), db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == "memory"


@pytest.mark.parametrize("key", [None, "", "dev-only-not-secret", "short"])
def test_production_refuses_weak_secret(monkeypatch, key):
    import config

    monkeypatch.setattr(config.ProductionConfig, "SECRET_KEY", key)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(config.ProductionConfig)


@pytest.mark.parametrize("key", ["", "ab" * 31, "zz" * 32, "0f" * 32])
def test_production_refuses_to_start_without_a_ballot_key(monkeypatch, key):
    """Issue 19, finding 2: the key that seals open polls' ballots is required (not the tests' key)."""
    import config

    monkeypatch.setattr(config.ProductionConfig, "SECRET_KEY", "x" * 64)
    monkeypatch.setattr(config.ProductionConfig, "PUBLIC_BASE_URL", "https://yishi.example.org")
    monkeypatch.setattr(config.ProductionConfig, "BALLOT_KEY", key)
    with pytest.raises(RuntimeError, match="BALLOT_KEY"):
        create_app(config.ProductionConfig)


def test_development_creates_its_ballot_key_once(tmp_path):
    from portal.votes import sealing

    path = tmp_path / "ballot.key"
    one = create_app({"BALLOT_KEY": "", "BALLOT_KEY_FILE": str(path), "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert path.stat().st_mode & 0o777 == 0o600 and len(path.read_text().strip()) == 64
    two = create_app({"BALLOT_KEY": "", "BALLOT_KEY_FILE": str(path), "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert one.extensions[sealing.EXTENSION] == two.extensions[sealing.EXTENSION] == bytes.fromhex(path.read_text())


def test_production_starts_with_real_secret_and_secure_cookies(monkeypatch, tmp_path):
    import config

    monkeypatch.setattr(config.ProductionConfig, "SECRET_KEY", "x" * 64)
    monkeypatch.setattr(config.ProductionConfig, "PUBLIC_BASE_URL", "https://yishi.example.org")
    monkeypatch.setattr(config.ProductionConfig, "BALLOT_KEY", "ab" * 32)
    monkeypatch.setattr(config.ProductionConfig, "SQLALCHEMY_DATABASE_URI", f"sqlite:///{tmp_path}/p.db")
    app = create_app(config.ProductionConfig)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert "refused in production" in result.output


def test_passwords_use_full_cost_scrypt_outside_tests(monkeypatch, tmp_path):
    """Only TestConfig lowers the scrypt cost (to keep the suite fast); production and the
    demo hash with werkzeug's scrypt at n=32768, r=8, p=1, and unknown logins cost the same."""
    from werkzeug.security import check_password_hash

    import config
    from portal.auth import services

    assert config.Config.PASSWORD_HASH_METHOD == "scrypt"
    assert config.ProductionConfig.PASSWORD_HASH_METHOD == config.DevelopmentConfig.PASSWORD_HASH_METHOD == "scrypt"
    monkeypatch.setattr(config.ProductionConfig, "SECRET_KEY", "x" * 64)
    monkeypatch.setattr(config.ProductionConfig, "PUBLIC_BASE_URL", "https://yishi.example.org")
    monkeypatch.setattr(config.ProductionConfig, "BALLOT_KEY", "ab" * 32)
    monkeypatch.setattr(config.ProductionConfig, "SQLALCHEMY_DATABASE_URI", f"sqlite:///{tmp_path}/p.db")
    with create_app(config.ProductionConfig).app_context():
        digest = services.hash_password(PASSWORD)
        assert services._dummy_hash().startswith("scrypt:32768:8:1$")
    assert digest.startswith("scrypt:32768:8:1$")
    assert check_password_hash(digest, PASSWORD) and not check_password_hash(digest, PASSWORD + "x")
    assert services.hash_password(PASSWORD).startswith("scrypt:32768:8:1$")  # no app: the full cost too


def test_seed_demo_creates_two_communities_once(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "demo data created" in first.output
    second = runner.invoke(args=["seed-demo"])
    assert "already present" in second.output
    verify = runner.invoke(args=["audit", "verify"])
    assert verify.exit_code == 0, verify.output
    assert "dongshan: ok" in verify.output and "heping: ok" in verify.output
    c = Client(app)
    c.login("wang", "demo-pass-2026")
    assert c.get("/c/dongshan/members").status_code == 200
