"""A whole-page cache for visitors (not signed in) of public community pages.

Why it is correct: every change to a community's data is written to its audit chain in the
same transaction, so `community.audit_seq` (loaded fresh on every request by the community
blueprint) moves with every write. The key holds it, with everything else a page depends on:
the full path and query, the Cookie header (language and display modes of visitors) and
Accept-Language. What no event marks — the passing of time (days left, days overdue) and
changes outside the chain (an account renaming itself) — is bounded by a short lifetime.

Never cached here: signed-in people (a page marked `shared_with_readers` goes to their own
cache instead, portal/readercache.py, through the same wrapper), a request whose session holds
something (a flash message), a response that is not 200, or one that touched the session (a form
with a CSRF token would set a cookie). The cache is per process (one per gunicorn worker),
bounded in entries.

Two ways in. `serve_hit` runs before anything else of the request (the app calls it first in
`preprocess_request`): a GET without a session cookie to a cached endpoint reads only the
community's (id, audit_seq) with one Core statement and answers from the cache — no session,
no user, no ORM community, no rate-limit or CSRF hooks. Without a session cookie nobody is
signed in and no flash message is waiting, so the page can only be a visitor's. Everything
else (a session cookie, ?lang=, a miss) goes the ordinary way through `for_visitors`. Either
way the after_request hooks run on the answer, so the security headers are the same.
"""
from __future__ import annotations

import functools
import threading
import time
from collections import OrderedDict

from flask import current_app, g, request, session
from flask_login import current_user
from sqlalchemy import bindparam, select

from .communities.models import Community
from .extensions import db

_lock = threading.Lock()


class PageCache:
    def __init__(self, size: int, seconds: float):
        self.size, self.seconds = size, seconds
        self.entries: OrderedDict[tuple, tuple[float, bytes, int, list]] = OrderedDict()
        self.hits = self.misses = 0

    def get(self, key):
        with _lock:
            found = self.entries.get(key)
            if found is None or found[0] < time.monotonic():
                self.misses += 1
                return None
            self.entries.move_to_end(key)
            self.hits += 1
            return found

    def put(self, key, body: bytes, status: int, headers: list) -> None:
        with _lock:
            self.entries[key] = (time.monotonic() + self.seconds, body, status, headers)
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)

    def clear(self) -> None:
        with _lock:
            self.entries.clear()
            self.hits = self.misses = 0


def cache_of(app, name: str = "yishi_page_cache", size: str = "PAGE_CACHE_SIZE") -> PageCache | None:
    """The app's cache called `name` (the visitors' pages by default), with the size configured
    under `size` and the common lifetime; None when PAGE_CACHE_SECONDS is 0."""
    if not app.config.get("PAGE_CACHE_SECONDS"):
        return None
    cache = app.extensions.get(name)
    if cache is None:
        cache = app.extensions[name] = PageCache(
            int(app.config.get(size, 256)), float(app.config["PAGE_CACHE_SECONDS"]))
    return cache


def _key(community_id: int, audit_seq: int) -> tuple:
    return (community_id, audit_seq, request.full_path, request.headers.get("Cookie", ""),
            request.headers.get("Accept-Language", ""))


def _answer(found, vary_cookie: bool = False):
    _, body, status, headers = found
    response = current_app.response_class(body, status=status, headers=headers)
    if vary_cookie:
        # What the ordinary way adds when it looks at the session (current_user): the page
        # depends on the Cookie header, so a shared HTTP cache must not hand it to someone else.
        response.vary.add("Cookie")
    return response


_community_t = Community.__table__
_HEAD = select(_community_t.c.id, _community_t.c.audit_seq).where(_community_t.c.slug == bindparam("slug"))


def cached_view(app, cache: PageCache | None, mark: str):
    """The view of this GET when `cache` is on and the view carries `mark` (set by the cache's
    decorator), else None: what both fast paths ask before anything else."""
    if cache is None or request.method != "GET" or request.url_rule is None:
        return None
    view = app.view_functions.get(request.url_rule.endpoint)
    return view if getattr(view, mark, None) else None


def serve_hit(app):
    """A visitor's cached page, or None: see the module's docstring. Called before any
    url_value_preprocessor or before_request hook, so it decides from the raw request only."""
    cache = cache_of(app)
    if cached_view(app, cache, "visitor_cacheable") is None:
        return None
    cookies = request.cookies
    if app.config["SESSION_COOKIE_NAME"] in cookies or app.config.get("REMEMBER_COOKIE_NAME", "remember_token") \
            in cookies or "lang" in request.args:
        return None  # someone with a session (signed in, a flash, a form) / a language to remember
    slug = (request.view_args or {}).get("slug")
    if not slug:
        return None
    with db.engine.connect() as conn:  # not the ORM session: nothing to set up or tear down
        head = conn.execute(_HEAD, {"slug": slug}).first()
    if head is None:
        return None  # the ordinary way answers 404
    found = cache.get(_key(head.id, head.audit_seq))
    return None if found is None else _answer(found, vary_cookie=True)


def for_visitors(view):
    """Serve a community page to visitors from the cache when nothing it shows has changed."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        cache = cache_of(current_app)
        if cache is None or request.method != "GET" or "_flashes" in session:
            return view(*args, **kwargs)
        if current_user.is_authenticated:
            if g.get("reader_page") is not None:  # a page shared between readers (portal/readercache.py)
                from .readercache import render_shared

                return render_shared(view, args, kwargs)
            return view(*args, **kwargs)
        key = _key(g.community.id, g.community.audit_seq)
        found = cache.get(key)
        if found is not None:
            if "lang" in request.args:
                from .web.display import select_locale

                select_locale()  # a ?lang= choice is remembered (cookie) on a cached copy too
            return _answer(found)
        response = current_app.make_response(view(*args, **kwargs))
        if response.status_code == 200 and not session.modified and not response.is_streamed \
                and "Set-Cookie" not in response.headers:
            cache.put(key, response.get_data(), response.status_code, list(response.headers.items()))
        return response

    wrapper.visitor_cacheable = True
    return wrapper
