"""Pages shared between signed-in readers who would see the same page.

A signed-in page differs from one reader to the next in few ways: their name and CSRF token, and
what their role, language, display modes and own doings on the page decide. Everything but the
name, the token and the "Report" links of their own comments goes into the cache key. Those are
rendered with marks (random per process, so no user text can contain them): the name and token
are spliced into the cached bytes for each reader, and each reader's own marked parts are cut
out (`own_part`, `split_own`). A page that depends on the reader in a way the key cannot share
(the author's own proposal, the list with their drafts) is the reader's own: its key holds the
user id (`Facts.own`).

Why it is correct, as for the visitors' cache (portal/cache/visitors.py): every change to a
community's data moves `community.content_seq`, which is in the key; membership, roles, supports
and drafts are audited, so they move it too. The reader's own settings (language, display modes,
platform admin) are read fresh on every request and are part of the key. What no event marks (time
passing, other people renaming themselves) is bounded by PAGE_CACHE_SECONDS.

By construction, not by care: while a shared page's template is rendered, `current_user` and
`ctx` are stand-ins (portal/cache/standin.py) that answer only what the key holds and raise on
anything else, so a template line that reads something of the person the key does not hold fails
at once instead of serving one resident's page to another. On a reader's own page (its key holds
the user id) they answer everything.

How: `serve_hit` runs before the request's hooks (Portal.preprocess_request). For a GET to a view
marked with `cached(readers=...)`, from a session that is signed in, holds its CSRF secret, has no
flash waiting and passes Flask-Login's session protection, one Core statement reads the community
head, the session row, the user, the membership with its roles and the view's own facts. A hit is
answered from there. A miss goes the ordinary way with the key in `g.reader_page`, and the
`cached` wrapper (`render_shared`) renders with the marks and the stand-ins, stores the bytes and
splices. Anything unusual (a session last seen over an hour ago, which the ordinary way
refreshes; ?lang=; a 404) goes the ordinary way and is not stored.
"""
from __future__ import annotations

import functools
import hashlib
import secrets
from datetime import timedelta
from typing import Any, Callable, NamedTuple

from flask import current_app, g, request, session
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from ..db import utcnow
from ..extensions import db, login_manager
from .sources import sources_of
from .store import cache_of
from .visitors import READER_MARK, cached_view

_NONCE = secrets.token_hex(16)
NAME_MARK = "yishi-name-" + _NONCE
CSRF_MARK = "yishi-csrf-" + _NONCE
OWN_MARK, OWN_END = "yishi-own-" + _NONCE + "-", "yishi-end-" + _NONCE
ONCE_MARK = "yishi-once-" + _NONCE  # a form's one-time token (portal/web/once.py), new in every copy
FRESH = timedelta(hours=1)  # what load_session_user leaves alone (it refreshes older sessions)
CACHE = "yishi_reader_cache"


class Facts(NamedTuple):
    """What of a reader a page depends on beyond role, language and display modes: `own` when the
    page is theirs alone (the key then holds their user id), `extra` anything else it shows of
    them (whether they support the proposal, say)."""

    own: bool
    extra: tuple = ()


class Spliced(NamedTuple):
    """A small per-reader part of every shared page that is not in the key (the header's count of
    what waits for them): `columns(t)` its labelled column(s) in the hit's one statement (tables
    community, user, membership), `params()` their bind parameters, `render(row)` its HTML from
    the row, `live()` its HTML for the reader of the ordinary way. Templates emit `spliced(name)`,
    a mark while a shared page is rendered."""

    name: str
    columns: Callable[[dict], list]
    params: Callable[[], dict]
    render: Callable[[Any], str]
    live: Callable[[], str]


SPLICED = "yishi_reader_spliced"


def add_spliced(app, part: Spliced) -> None:
    app.extensions.setdefault(SPLICED, {})[part.name] = part


def _spliced(app) -> tuple:
    return tuple(app.extensions.get(SPLICED, {}).values())


def _mark(name: str) -> str:
    return f"yishi-part-{_NONCE}-{name}"


def spliced(name: str) -> Markup:
    """Templates: the reader's own part `name` (see `Spliced`), or its mark on a shared page."""
    part = current_app.extensions.get(SPLICED, {}).get(name)
    if part is None:
        return Markup("")
    if g.get("reader_marks"):
        return Markup(_mark(name))
    return Markup(part.live())


class ReaderSpec(NamedTuple):
    """`columns(t)` returns the view's own labelled columns for the one statement (scalar
    subqueries; the view's URL arguments are bind parameters by name; `t` holds the tables of the
    statement: community, user); `facts(row)` returns the `Facts` of them that go into the key."""

    columns: Callable[[dict], list]
    facts: Callable[[Any], Facts]


@functools.cache
def _statement(spec: ReaderSpec, builder, parts: tuple = ()):
    if not parts:
        return builder(spec.columns)
    return builder(lambda t: list(spec.columns(t)) + [c for part in parts for c in part.columns(t)])


def _session_ok() -> str | None:
    """The session's login token when this request may use the shared pages."""
    token = session.get("_user_id")
    if not isinstance(token, str) or not token or len(token) > 100 or "csrf_token" not in session \
            or "_flashes" in session or "lang" in request.args:
        return None
    if session.get("_id") != login_manager._session_identifier_generator():
        return None  # Flask-Login's session protection would mark it: the ordinary way
    return token


def _key(spec: ReaderSpec, row, reader_key) -> tuple:
    facts = spec.facts(row)
    return (row.community_id, row.content_seq, request.full_path, reader_key(row),
            row.user_id if facts.own else 0, tuple(facts.extra))


def serve_hit(app):
    """A signed-in reader's page from the shared cache, or None (see the module's docstring)."""
    cache = cache_of(app, CACHE, "READER_CACHE_SIZE")
    view = cached_view(app, cache, READER_MARK)
    if view is None:
        return None
    token = _session_ok()
    if token is None:
        return None
    sources = sources_of(app)
    spec = getattr(view, READER_MARK)
    params = dict(request.view_args or {})
    params["token_hash"] = hashlib.sha256(token.encode()).hexdigest()
    parts = _spliced(app)
    for part in parts:
        params.update(part.params())
    with db.engine.connect() as conn:  # not the ORM session: nothing to set up or tear down
        row = conn.execute(_statement(spec, sources.reader_statement, parts), params).first()
    if row is None or utcnow() - row.last_seen_at > FRESH:
        return None
    g.reader_page = key = _key(spec, row, sources.reader_key)
    found = cache.get(key)
    if found is None:
        return None
    _, page, status, headers = found
    own = {part.name: part.render(row) for part in parts}
    response = app.response_class(splice(page, row.user_id, row.display_name, own), status=status, headers=headers)
    response.vary.add("Cookie")
    return response


def split_own(marked: bytes) -> tuple[bytes, dict[int, list[tuple[int, int]]]]:
    """A rendered page without the own-marks (see `own_part`), and where each author's marked
    parts sit in it: {author id: [(start, end), …]}. Done once when the page is kept."""
    parts = marked.split(OWN_MARK.encode())
    out, spans, pos = [parts[0]], {}, len(parts[0])
    for part in parts[1:]:
        author, rest = part.split(b":", 1)
        inner, tail = rest.split(OWN_END.encode(), 1)
        spans.setdefault(int(author), []).append((pos, pos + len(inner)))
        out += (inner, tail)
        pos += len(inner) + len(tail)
    return b"".join(out), spans


def splice(page: tuple[bytes, dict], user_id: int, name: str, own: dict[str, str] | None = None) -> bytes:
    """The page for one reader: without what only others see of their own content, with their
    name, CSRF token, own parts (`Spliced`) and a new one-time token for each form in place of
    the marks."""
    body, spans = page
    mine = spans.get(user_id)
    if mine:
        kept, at = [], 0
        for start, end in mine:
            kept.append(body[at:start])
            at = end
        kept.append(body[at:])
        body = b"".join(kept)
    body = body.replace(NAME_MARK.encode(), str(escape(name)).encode()) \
        .replace(CSRF_MARK.encode(), _csrf_token().encode())
    for part_name, html in (own or {}).items():
        body = body.replace(_mark(part_name).encode(), html.encode())
    if ONCE_MARK.encode() in body:
        parts = body.split(ONCE_MARK.encode())
        body = parts[0] + b"".join(secrets.token_urlsafe(24).encode() + part for part in parts[1:])
    return body


def own_part(author_id: int):
    """Templates: while a shared page is rendered, the marks (open, close) around something that
    everyone but `author_id` sees (the "Report" link of their own comment); None otherwise, when
    the template decides with `current_user` as usual. Lets readers with comments on a page share
    it with those without."""
    if not g.get("reader_marks"):
        return None
    return Markup(f"{OWN_MARK}{int(author_id)}:"), Markup(OWN_END)


_tokens: dict[tuple, str] = {}


def _csrf_token() -> str:
    """The session's CSRF token. Signing one (a key derivation, JSON and an HMAC) costs more than
    the rest of a hit, so while tokens do not expire (WTF_CSRF_TIME_LIMIT = None) the signed token
    of a session's secret is kept and handed out again: Flask-WTF accepts it for as long as the
    session holds that secret, as it would a fresh one."""
    if current_app.config.get("WTF_CSRF_TIME_LIMIT", 3600) is not None:
        return generate_csrf()
    key = (current_app.secret_key, session.get("csrf_token"))
    token = _tokens.get(key)
    if token is None:
        if len(_tokens) >= 4096:
            _tokens.clear()  # single dict operations only: safe with threads too
        token = _tokens[key] = generate_csrf()
    return token


def viewer_name() -> str:
    """base.html: the signed-in person's name, or its mark while a shared page is rendered."""
    from flask_login import current_user

    return NAME_MARK if g.get("reader_marks") else current_user.display_name


def render_shared(view, args, kwargs):
    """The ordinary way for a miss of `serve_hit`: render with the marks and the stand-ins, keep,
    splice."""
    from flask_login import current_user

    key = g.reader_page
    g.reader_own = bool(key[4])
    generate_csrf()  # the reader's token, kept in g by Flask-WTF; the session already holds its secret
    real, g.csrf_token, g.reader_marks = g.csrf_token, CSRF_MARK, True
    try:
        response = current_app.make_response(view(*args, **kwargs))
    finally:
        g.csrf_token, g.reader_marks = real, False
    if response.is_streamed:
        return response
    page = split_own(response.get_data())
    community_id, version = sources_of(current_app).current(g)
    if response.status_code == 200 and not session.modified and "Set-Cookie" not in response.headers \
            and key[1] == version and not g.get("cache_dont_store"):
        headers = [(k, v) for k, v in response.headers.items() if k.lower() != "content-length"]
        cache_of(current_app, CACHE, "READER_CACHE_SIZE").put(key, page, 200, headers)
    own = {part.name: part.live() for part in _spliced(current_app)}
    response.set_data(splice(page, current_user.id, current_user.display_name, own))
    return response
