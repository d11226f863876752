"""What makes each test's fresh app cheap, without changing what the app does.

Every test builds its own app (tests/conftest.py `app`), and with it a fresh URL map and
a fresh Jinja environment: werkzeug compiles a URL builder for each of the ~120 routes
(ast + compile(), ~0.2 s an app) and Jinja compiles every template a test renders. Both
results depend only on their input, so they are compiled once per worker here and shared:

- routes: each rule is parsed once (its converters are still made per app) and its URL
  builder compiled once (the same code for the same rule; werkzeug binds it to each new
  Rule object itself);
- templates: a bytecode cache keyed by template name and checked against the source's
  checksum (Jinja's own mechanism; an edited template is recompiled);
- compiled SQL: one cache for all engines (see SharedCompiledCache);
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
    _compile_builder._yishi_original = original  # type: ignore[attr-defined]
    Rule._compile_builder = _compile_builder  # type: ignore[method-assign]
    _cache_rule_parsing(Rule)


def _cache_rule_parsing(Rule) -> None:
    """Rule.compile() parses the rule into parts (regex pieces, weights) and a trace, asking
    the map for a converter per variable. For the same rule text, domain, slash merging and
    converter classes the result is the same: parse once, and on later maps only make the
    rule's own converter objects (bound to that map) the way compile() would."""
    original = Rule.compile
    if getattr(original, "_yishi_cached", False):
        return
    cache: dict = {}

    def compile(self) -> None:  # noqa: A001 - werkzeug's name
        rmap = self.map
        if rmap is None:
            return original(self)
        domain_rule = (self.host if rmap.host_matching else self.subdomain) or ""
        key = (type(self), self.rule, domain_rule, bool(rmap.host_matching), bool(self.merge_slashes),
               tuple(sorted((name, id(cls)) for name, cls in rmap.converters.items())))
        hit = cache.get(key)
        if hit is None:
            specs = []
            get_converter = self.get_converter

            def recording(variable_name, converter_name, args, kwargs):
                specs.append((variable_name, converter_name, args, kwargs))
                return get_converter(variable_name, converter_name, args, kwargs)

            self.get_converter = recording
            try:
                original(self)
            finally:
                del self.get_converter
            cache[key] = (tuple(self._parts), tuple(self._trace), tuple(specs))
            return
        parts, trace, specs = hit
        self._parts = list(parts)
        self._trace = list(trace)
        self._converters = {}
        for variable_name, converter_name, args, kwargs in specs:
            self._converters[variable_name] = self.get_converter(variable_name, converter_name, args, kwargs)
            self.arguments.add(variable_name)
        self._build = self._compile_builder(False).__get__(self, None)
        self._build_unknown = self._compile_builder(True).__get__(self, None)

    compile._yishi_cached = True  # type: ignore[attr-defined]
    compile._yishi_original = original  # type: ignore[attr-defined]
    Rule.compile = compile  # type: ignore[method-assign]


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


class SharedCompiledCache:
    """One cache of compiled SQL for all the engines of a run. SQLAlchemy keys compiled
    statements by the dialect *object*, and every test's app makes a new engine (and
    dialect), so each test compiled every statement again (a quarter of a typical test's
    time). Here the dialect in the key is replaced by what makes dialects compile alike:
    their class, DB-API module, parameter style and server version; the rest of the key
    (the statement's structure, column keys...) is SQLAlchemy's own."""

    def __init__(self, size: int = 20000):
        from sqlalchemy.util import LRUCache

        self._lru = LRUCache(size)

    @staticmethod
    def _key(key):
        dialect = key[0]
        same = (type(dialect), id(getattr(dialect, "dbapi", None)), dialect.paramstyle, dialect.positional,
                getattr(dialect, "server_version_info", None))
        return (same,) + tuple(key[1:])

    def get(self, key, default=None):
        return self._lru.get(self._key(key), default)

    def __getitem__(self, key):
        return self._lru[self._key(key)]

    def __setitem__(self, key, value):
        self._lru[self._key(key)] = value

    def __contains__(self, key):
        return self._key(key) in self._lru

    def __len__(self):
        return len(self._lru)

    def clear(self):
        self._lru.clear()


COMPILED = SharedCompiledCache()


def share_compiled_sql(engine, metadata_registry=None) -> None:
    """Statements of this engine (and of the ORM's flushes) use the run's shared cache."""
    if engine._compiled_cache is not None:
        engine._compiled_cache = COMPILED
    if metadata_registry is not None:
        for mapper in metadata_registry.mappers:
            base = mapper.base_mapper
            if base.__dict__.get("_compiled_cache") is not COMPILED:
                base.__dict__["_compiled_cache"] = COMPILED
