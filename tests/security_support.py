"""Shared helpers for the security / robustness suites (permissions, CSRF, bad input).

Kept out of helpers.py (shared with other suites) on purpose: these are only the
helpers the route tables need.
"""
from __future__ import annotations

import atexit
import re
import shutil
import tempfile
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from jinja2 import BytecodeCache
from sqlalchemy import event, func, select
from werkzeug.security import generate_password_hash

from portal.extensions import db

from .helpers import PASSWORD, Client, membership

ROLES = ("visitor", "nobody", "penda", "reja", "resa", "meda", "coma", "comb", "root")

# Real scrypt with a tiny cost, so that a fresh world per case (9 accounts) and one login
# per case stay fast. Only the cost parameters differ from production.
_FAST_METHOD = "scrypt:128:8:1"


def use_fast_passwords(monkeypatch):
    import portal.auth.services as auth_services

    monkeypatch.setattr(auth_services, "hash_password",
                        lambda password: generate_password_hash(password, method=_FAST_METHOD))


class _MemoryBytecodeCache(BytecodeCache):
    """Compiled templates shared by the many short-lived apps of these suites (each test
    builds its own app, and with it a fresh Jinja environment that would recompile every
    template). Buckets are keyed by template and checked against the source checksum."""

    def __init__(self):
        self.store: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        code = self.store.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket):
        self.store[bucket.key] = bucket.bytecode_to_string()


_TEMPLATES = _MemoryBytecodeCache()


def speed_up(app, monkeypatch):
    """All the shortcuts for suites that build a world per case; none changes behaviour."""
    use_fast_passwords(monkeypatch)
    use_fast_commits()
    app.jinja_env.bytecode_cache = _TEMPLATES


_SNAPSHOT: dict[str, Path] = {}


def snapshot_world(app):
    """The same world as helpers.build_world(), built once per run and copied for each test.

    SQLite only (the test database is a file): the first call builds the world and keeps a
    copy of the file; later calls put that copy in place of the test's fresh database and
    load the World from it. PostgreSQL builds the world each time. Either way every test
    starts from exactly the state build_world() makes, and nothing leaks between tests.
    """
    from .helpers import build_world

    path = app.config.get("DB_FILE")
    if not path:
        return build_world()
    if "world" not in _SNAPSHOT:
        build_world()
        _release(app)
        folder = Path(tempfile.mkdtemp(prefix="yishi-world-"))
        atexit.register(shutil.rmtree, folder, True)
        _SNAPSHOT["world"] = folder / "world.sqlite3"
        shutil.copyfile(path, _SNAPSHOT["world"])
    else:
        _release(app)
        shutil.copyfile(_SNAPSHOT["world"], path)
    return _load_world()


def _release(app):
    db.session.commit()
    db.session.remove()
    db.engine.dispose()


def _load_world():
    from portal.auth.models import User
    from portal.communities.models import Community

    from .helpers import World

    slugs = {c.slug: c for c in db.session.execute(select(Community)).scalars()}
    w = World(slugs["dorf-a"], slugs["dorf-b"])
    w.users = {u.username: u for u in db.session.execute(select(User)).scalars()}
    assert set(w.users) == {"root", "coma", "meda", "resa", "penda", "reja", "comb", "resb", "nobody"}
    return w


def use_fast_commits():
    """Durability is worthless for a throw-away test database: skip the fsync at every
    commit of this test's engine (SQLite: synchronous=OFF; PostgreSQL: synchronous_commit
    off). Locking and transaction semantics are unchanged. Call after the `app` fixture."""
    engine = db.engine
    sqlite = engine.dialect.name == "sqlite"

    def _on_connect(dbapi_connection, _record):
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA synchronous=OFF" if sqlite else "SET synchronous_commit TO OFF")
        cur.close()
        if not sqlite:
            dbapi_connection.commit()

    event.listen(engine, "connect", _on_connect)
    engine.dispose()


def row_counts() -> dict[str, int]:
    """Rows in every table, plus each community's audit head: a write anywhere shows up."""
    from portal.communities.models import Community

    db.session.expire_all()
    counts = {t.name: db.session.execute(select(func.count()).select_from(t)).scalar_one()
              for t in db.metadata.sorted_tables}
    for cid, seq, head in db.session.execute(select(Community.id, Community.audit_seq, Community.audit_head)):
        counts[f"audit_head:{cid}"] = (seq, head)
    return counts


def client_as(app, role: str) -> Client:
    c = Client(app)
    if role != "visitor":
        c.login(role)
    return c


def login_redirect_target(response) -> str | None:
    """The `next` of a redirect to the login page, or None if it is not one."""
    if response.status_code != 303:
        return None
    parts = urlsplit(response.headers.get("Location", ""))
    if parts.path != "/login":
        return None
    return parse_qs(parts.query).get("next", [""])[0]


_MAIN_RE = re.compile(r'<main id="main"[^>]*>(.*)</main>', re.S)
_TAG_RE = re.compile(r"<[^>]+>")


def main_text(response) -> str:
    """Visible text of the page's <main>, whitespace collapsed."""
    html = response.get_data(as_text=True)
    m = _MAIN_RE.search(html)
    body = m.group(1) if m else html
    return " ".join(_TAG_RE.sub(" ", body).split())


def error_page_parts(response) -> tuple[str, str]:
    """(title, lead message) of the portal's error page."""
    html = response.get_data(as_text=True)
    h1 = re.search(r"<h1>(.*?)</h1>", html, re.S)
    lead = re.search(r'<p class="lead">(.*?)</p>', html, re.S)
    return ((h1.group(1).strip() if h1 else ""), (lead.group(1).strip() if lead else ""))


# --- Every POST route, with data valid for any of the portal's forms -------------------------

def _post_rules():
    from portal import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return sorted(r.rule for r in app.url_map.iter_rules() if "POST" in r.methods and r.endpoint != "static")


POST_RULES = _post_rules()

# Valid values for every field any form has (extra fields are ignored), so that the only
# thing wrong with each request is the missing token.
FORM = {
    "message": "hello", "reason": "unknown here", "username": "nobody", "role": "mediator",
    "slug": "dorf-c", "name": "Dorf C", "region": "R", "kind": "village", "default_locale": "zh_Hans",
    "toggle": "large", "next": "/", "login": "coma", "password": PASSWORD, "confirm": PASSWORD,
    "display_name": "Someone", "current": PASSWORD, "new": "another-pass-1", "locale": "en",
}


def post_url(rule: str, world) -> str:
    """A real URL for the rule in community A: the pending membership for member ids."""
    member_id = membership(world.a, world["penda"]).id
    url = rule.replace("<slug:slug>", "dorf-a").replace("<id:member_id>", str(member_id))
    return re.sub(r"<(?:[a-z]+:)?[a-z_]+>", "1", url)  # ids of future routes: any value will do
