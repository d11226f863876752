"""The bounded, expiring store every page cache of the portal keeps its entries in."""
from __future__ import annotations

import threading
import time
from collections import OrderedDict

_lock = threading.Lock()


class PageCache:
    """Least recently used entries, each kept for `seconds` at most, `size` entries at most."""

    def __init__(self, size: int, seconds: float):
        self.size, self.seconds = size, seconds
        self.entries: OrderedDict[tuple, tuple] = OrderedDict()
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

    def put(self, key, body, status: int, headers: list) -> None:
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


def shared_value(app, name: str, key: tuple, compute):
    """A value that does not depend on who asks (a list page's rows, say), kept under `key` — which
    must hold the community's content version — for PAGE_CACHE_SECONDS at most."""
    cache = cache_of(app, name)
    found = cache.get(key) if cache is not None else None
    if found is not None:
        return found[1]
    value = compute()
    if cache is not None:
        cache.put(key, value, 200, [])
    return value
