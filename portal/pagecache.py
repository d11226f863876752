"""A whole-page cache for visitors (not signed in) of public community pages.

Why it is correct: every change to a community's data is written to its audit chain in the
same transaction, so `community.audit_seq` (loaded fresh on every request by the community
blueprint) moves with every write. The key holds it, with everything else a page depends on:
the full path and query, the Cookie header (language and display modes of visitors) and
Accept-Language. What no event marks — the passing of time (days left, days overdue) and
changes outside the chain (an account renaming itself) — is bounded by a short lifetime.

Never cached: signed-in people, a request whose session holds something (a flash message),
a response that is not 200, or one that touched the session (a form with a CSRF token would
set a cookie). The cache is per process (one per gunicorn worker), bounded in entries.
"""
from __future__ import annotations

import functools
import threading
import time
from collections import OrderedDict

from flask import current_app, g, request, session
from flask_login import current_user

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


def cache_of(app) -> PageCache | None:
    if not app.config.get("PAGE_CACHE_SECONDS"):
        return None
    cache = app.extensions.get("yishi_page_cache")
    if cache is None:
        cache = app.extensions["yishi_page_cache"] = PageCache(
            int(app.config.get("PAGE_CACHE_SIZE", 256)), float(app.config["PAGE_CACHE_SECONDS"]))
    return cache


def for_visitors(view):
    """Serve a community page to visitors from the cache when nothing it shows has changed."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        cache = cache_of(current_app)
        if cache is None or request.method != "GET" or current_user.is_authenticated \
                or "_flashes" in session:
            return view(*args, **kwargs)
        key = (g.community.id, g.community.audit_seq, request.full_path,
               request.headers.get("Cookie", ""), request.headers.get("Accept-Language", ""))
        found = cache.get(key)
        if found is not None:
            _, body, status, headers = found
            return current_app.response_class(body, status=status, headers=headers)
        response = current_app.make_response(view(*args, **kwargs))
        if response.status_code == 200 and not session.modified and not response.is_streamed \
                and "Set-Cookie" not in response.headers:
            cache.put(key, response.get_data(), response.status_code, list(response.headers.items()))
        return response

    return wrapper
