"""Configuration classes, read from environment variables.

SQLite in instance/ is the default so the portal runs with no other service;
DATABASE_URL switches to PostgreSQL (postgresql+psycopg://...).
"""
from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"

_DEV_SECRET = "dev-only-not-secret"


def _database_url(default: str) -> str:
    url = os.environ.get("DATABASE_URL", default)
    # Accept the common short forms and use psycopg 3.
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://"):]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def _is_key(text: str) -> bool:
    try:
        return len(bytes.fromhex(text)) == 32
    except ValueError:
        return False


def _speech_tools() -> bool:
    import shutil

    return bool(shutil.which("espeak-ng") and shutil.which("opusenc"))


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", _DEV_SECRET)
    SQLALCHEMY_DATABASE_URI = _database_url(f"sqlite:///{INSTANCE_DIR / 'yishi.sqlite3'}")
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    # SQLite files: write-ahead log, synchronous=NORMAL (portal/db.py says what that trades).
    SQLITE_WAL = os.environ.get("SQLITE_WAL", "1") != "0"
    SQLITE_SYNCHRONOUS = os.environ.get("SQLITE_SYNCHRONOUS", "NORMAL")
    # Read-aloud (espeak-ng + opusenc): on where both are installed; READ_ALOUD=0 turns it off.
    READ_ALOUD = os.environ.get("READ_ALOUD", "1") != "0" and _speech_tools()
    SPEECH_CACHE = os.environ.get("SPEECH_CACHE", "")  # default: instance/speech
    # Visitors' copies of public community pages (portal/pagecache.py): seconds, entries per worker.
    PAGE_CACHE_SECONDS = float(os.environ.get("PAGE_CACHE_SECONDS", "30"))
    PAGE_CACHE_SIZE = int(os.environ.get("PAGE_CACHE_SIZE", "256"))
    # Signed-in readers' shared pages (portal/readercache.py): entries per worker process.
    READER_CACHE_SIZE = int(os.environ.get("READER_CACHE_SIZE", "1024"))
    BABEL_DEFAULT_LOCALE = "zh_Hans"
    BABEL_DEFAULT_TIMEZONE = os.environ.get("PORTAL_TIMEZONE", "Asia/Shanghai")
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")
    LANGUAGES = ("zh_Hans", "en")
    WTF_CSRF_TIME_LIMIT = None  # token lives as long as the session: no countdowns
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024
    # Forms with files: 4 photos (8 MB each) + a 10 MB recording + the text; each
    # file also has its own cap in portal/uploads.
    UPLOAD_REQUEST_MAX = 48 * 1024 * 1024
    # Photos: refused from their header, before decoding, above these (a 24 MP phone photo
    # passes; portal/uploads/services.py says what this bounds). Recordings: at most this long.
    UPLOAD_IMAGE_MAX_PIXELS = int(os.environ.get("UPLOAD_IMAGE_MAX_PIXELS", 24_000_000))
    UPLOAD_IMAGE_MAX_EDGE = int(os.environ.get("UPLOAD_IMAGE_MAX_EDGE", 12_000))
    # PNG and WebP cannot be decoded at reduced size: a lower cap for them.
    UPLOAD_IMAGE_MAX_FULL_PIXELS = int(os.environ.get("UPLOAD_IMAGE_MAX_FULL_PIXELS", 12_000_000))
    UPLOAD_AUDIO_MAX_SECONDS = int(os.environ.get("UPLOAD_AUDIO_MAX_SECONDS", 300))
    # Secret polls where fewer took part publish only their totals (docs/architecture.md, "Votes").
    VOTES_MIN_PUBLISHED = int(os.environ.get("VOTES_MIN_PUBLISHED", 5))
    # Reports (moderation flags) one person may send per hour, over all communities.
    REPORTS_PER_HOUR = int(os.environ.get("REPORTS_PER_HOUR", 20))
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    PREF_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    # Rate limits: in-memory by default, Redis when RATELIMIT_STORAGE_URI is set.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = False
    LOGIN_FAILURES_PER_ACCOUNT = os.environ.get("LOGIN_FAILURES_PER_ACCOUNT", "5 per 15 minutes")
    LOGIN_FAILURES_PER_ADDRESS = os.environ.get("LOGIN_FAILURES_PER_ADDRESS", "20 per 15 minutes")
    # A browser that signed in to the account before (device cookie) has a bucket of its own.
    LOGIN_FAILURES_PER_DEVICE = os.environ.get("LOGIN_FAILURES_PER_DEVICE", "10 per 15 minutes")
    REGISTRATIONS_PER_ADDRESS = os.environ.get("REGISTRATIONS_PER_ADDRESS", "10 per hour")
    # Reverse proxies in front of the portal whose X-Forwarded-For/-Proto/-Host are believed
    # (werkzeug's ProxyFix, applied in create_app). 0: none, the peer's address is the client's.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
    # The portal's address as residents type it (https://yishi.example.org): printed links and QR
    # codes are built from it (portal/web/links.py). Empty: from the request (development, tests).
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "")
    # Production: plain http is redirected (GET) or refused (anything else), https answers carry HSTS.
    REQUIRE_HTTPS = False
    HSTS = ""
    SESSION_IDLE_DAYS = 30
    # werkzeug's scrypt with its default cost (n=32768, r=8, p=1). Only TestConfig lowers it.
    PASSWORD_HASH_METHOD = "scrypt"
    PAGE_SIZE = 20
    DEMO_ALLOWED = True
    # Mediation: closed cases are anonymised after this many days (`flask mediation
    # anonymise-due`); the committee sees cases as overdue after these many days without
    # a triage decision, or without an outcome after a mediator was assigned.
    MEDIATION_RETENTION_DAYS = int(os.environ.get("MEDIATION_RETENTION_DAYS", 3 * 365))
    MEDIATION_TRIAGE_DAYS = int(os.environ.get("MEDIATION_TRIAGE_DAYS", 3))
    MEDIATION_OUTCOME_DAYS = int(os.environ.get("MEDIATION_OUTCOME_DAYS", 30))
    # The server key that wraps each open poll's ballot key (portal/votes/sealing.py): 64 hex
    # characters. Required in production; elsewhere, when unset, instance/ballot.key (created).
    BALLOT_KEY = os.environ.get("BALLOT_KEY", "")


class DevelopmentConfig(Config):
    DEBUG = False  # the demo runs without the debugger; set FLASK_DEBUG=1 to get it


class TestConfig(Config):
    TESTING = True
    # The same scrypt at a tiny cost: thousands of tests create accounts and sign in, and the
    # real cost (~0.2 s a hash) was a third of the suite's time. The production cost is
    # checked in tests/test_config.py.
    PASSWORD_HASH_METHOD = "scrypt:128:8:1"
    SECRET_KEY = "test-secret"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    WTF_CSRF_ENABLED = True
    RATELIMIT_STORAGE_URI = "memory://"
    SERVER_NAME = None
    # Off: tests change data behind the chain's back; tests/test_pagecache.py and test_readercache.py turn it
    # on, and CI runs the whole suite once more with YISHI_TEST_PAGE_CACHE=30 (tests/conftest.py), as production.
    PAGE_CACHE_SECONDS = int(os.environ.get("YISHI_TEST_PAGE_CACHE", "0"))
    # Off: the tests copy one migrated SQLite file per test, and a copy of a WAL database
    # without its -wal file can miss committed data. tests/test_config.py and bench/votes.py turn it on.
    SQLITE_WAL = False
    # A fixed key: the tests read sealed ballots back (never a real deployment's key).
    BALLOT_KEY = "0f" * 32


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    PREF_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    DEMO_ALLOWED = False
    REQUIRE_HTTPS = True
    HSTS = "max-age=31536000; includeSubDomains"

    @classmethod
    def check(cls, config: dict) -> None:
        key = config.get("SECRET_KEY") or ""
        if key in ("", _DEV_SECRET, "test-secret") or len(key) < 32:
            raise RuntimeError(
                "ProductionConfig needs SECRET_KEY: a random value of at least 32 characters "
                "(python -c 'import secrets; print(secrets.token_hex(32))')."
            )
        base = config.get("PUBLIC_BASE_URL") or ""
        if not base.startswith("https://") or len(base) <= len("https://"):
            raise RuntimeError(
                "ProductionConfig needs PUBLIC_BASE_URL: the portal's https address as residents type it "
                "(https://yishi.example.org); printed links and QR codes are built from it."
            )
        ballot_key = (config.get("BALLOT_KEY") or "").strip()
        if ballot_key == TestConfig.BALLOT_KEY or not _is_key(ballot_key):
            raise RuntimeError(
                "ProductionConfig needs BALLOT_KEY: 64 hexadecimal characters, the key that seals the "
                "ballots of open polls (python -c 'import secrets; print(secrets.token_hex(32))'). Keep it "
                "apart from the database and its backups."
            )


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestConfig,
    "production": ProductionConfig,
}
