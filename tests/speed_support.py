"""What makes each test's fresh app cheap, without changing what the app does.

Every test builds its own app (tests/conftest.py `app`), and with it a fresh URL map and
a fresh Jinja environment: werkzeug compiles a URL builder for each of the ~120 routes
(ast + compile(), ~0.2 s an app) and Jinja compiles every template a test renders. Both
results depend only on their input, so they are compiled once per worker here and shared:

- route builders: cached by the rule's parsed form (the function is the same code for the
  same rule; werkzeug binds it to each new Rule object itself);
- templates: a bytecode cache keyed by template name and checked against the source's
  checksum (Jinja's own mechanism; an edited template is recompiled);
- SQLite/PostgreSQL commits of a throw-away test database skip the fsync.
"""
from __future__ import annotations

from jinja2 import BytecodeCache
from sqlalchemy import event


class MemoryBytecodeCache(BytecodeCache):
    """Compiled templates shared by the many short-lived apps of a test run."""

    def __init__(self):
        self.store: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        code = self.store.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket):
        self.store[bucket.key] = bucket.bytecode_to_string()


TEMPLATES = MemoryBytecodeCache()


def cache_route_builders() -> None:
    """werkzeug's Rule._compile_builder(append_unknown) turns the rule's parsed parts
    (_trace, and defaults that appear in the rule) into a function taking `self`; its
    result depends on nothing else, so one compiled function serves every app's copy of
    the rule. Idempotent; does nothing if werkzeug's internals are not as expected."""
    from werkzeug.routing.rules import Rule

    original = getattr(Rule, "_compile_builder", None)
    if original is None or getattr(original, "_yishi_cached", False):
        return
    cache: dict = {}

    def _compile_builder(self, append_unknown: bool = True):
        trace = getattr(self, "_trace", None)
        if trace is None:
            return original(self, append_unknown)
        defaults = self.defaults or {}
        dynamic = {data for is_dynamic, data in trace if is_dynamic}
        if dynamic & set(defaults):  # a default resolved through a converter: not worth caching
            return original(self, append_unknown)
        key = (type(self), self.rule, tuple(trace), tuple(sorted((str(k), repr(v)) for k, v in defaults.items())),
               bool(append_unknown))
        fn = cache.get(key)
        if fn is None:
            fn = cache[key] = original(self, append_unknown)
        return fn

    _compile_builder._yishi_cached = True  # type: ignore[attr-defined]
    Rule._compile_builder = _compile_builder  # type: ignore[method-assign]


def use_fast_commits(engine) -> None:
    """Durability is worthless for a throw-away test database: skip the fsync at every
    commit (SQLite: synchronous=OFF; PostgreSQL: synchronous_commit off). Locking and
    transaction semantics are unchanged. Idempotent per engine."""
    if getattr(engine, "_yishi_fast_commits", False):
        return
    sqlite = engine.dialect.name == "sqlite"

    def _on_connect(dbapi_connection, _record):
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA synchronous=OFF" if sqlite else "SET synchronous_commit TO OFF")
        cur.close()
        if not sqlite:
            dbapi_connection.commit()

    event.listen(engine, "connect", _on_connect)
    engine._yishi_fast_commits = True
    engine.dispose()


_READS = ("SELECT", "PRAGMA")


def watch_writes(engine) -> dict:
    """A flag that turns true at the first statement on `engine` that may write (anything
    but SELECT and PRAGMA, counted generously): the `world` fixture may only put its
    prepared copy in place of a database nobody has written to yet."""
    state = {"written": False}

    def _before(conn, cursor, statement, parameters, context, executemany):
        if not state["written"] and statement.lstrip()[:6].upper() not in _READS:
            state["written"] = True

    event.listen(engine, "before_cursor_execute", _before)
    return state
