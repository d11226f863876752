"""Sign-in throttling on failures, without locking the owner out (OWASP device cookies).

Each attempt falls in buckets, counted by `limits` in RATELIMIT_STORAGE_URI (memory:// by default: each
worker counts on its own; Redis when RATELIMIT_STORAGE_URI says so, shared by every worker):

- from a browser with a valid device cookie for the account tried (portal/auth/devices.py):
  the (account, device) bucket only, LOGIN_FAILURES_PER_DEVICE. Failures elsewhere — the
  untrusted bucket, the address — never refuse it; a stolen device cookie still gets only this
  bucket's guesses.
- from any other browser: the (account, untrusted) bucket, LOGIN_FAILURES_PER_ACCOUNT, and the
  client address's bucket, LOGIN_FAILURES_PER_ADDRESS (the address is the client's own behind
  TRUSTED_PROXIES proxies, via ProxyFix in create_app).

A full bucket refuses even the right password, and says how long to wait. A successful sign-in
empties the bucket of the device it came from, never the untrusted one (an owner's sign-in must
not hand an attacker a fresh set of guesses). See docs/architecture.md, "Sign-in throttling and
transport".
"""
from __future__ import annotations

import math
import time

from flask import current_app
from limits import parse, storage
from limits.strategies import FixedWindowRateLimiter

NAMESPACE = "login-fail"
EXTENSION = "yishi_login_throttle"


def init_app(app) -> None:
    """Each app (each worker) opens its own connection to the counters' storage: with memory://
    every worker counts alone, with Redis they all count together (tests/test_throttle.py runs
    two apps against one Redis)."""
    uri = app.config.get("RATELIMIT_STORAGE_URI") or "memory://"
    app.extensions[EXTENSION] = FixedWindowRateLimiter(
        storage.storage_from_string(uri, **app.config.get("RATELIMIT_STORAGE_OPTIONS", {})))


def _limiter() -> FixedWindowRateLimiter:
    return current_app.extensions[EXTENSION]


def _buckets(login: str, device: str | None, addr: str):
    cfg = current_app.config
    login = (login or "-")[:64]
    if device:
        return [(parse(cfg["LOGIN_FAILURES_PER_DEVICE"]), "device", f"{login}|{device}")]
    return [(parse(cfg["LOGIN_FAILURES_PER_ACCOUNT"]), "account", login),
            (parse(cfg["LOGIN_FAILURES_PER_ADDRESS"]), "address", addr or "-")]


def _enabled() -> bool:
    return current_app.config.get("RATELIMIT_ENABLED", True)


def blocked_for(login: str, device: str | None, addr: str) -> int:
    """Seconds until this attempt may be tried; 0 when none of its buckets is full."""
    if not _enabled():
        return 0
    wait = 0
    for item, kind, key in _buckets(login, device, addr):
        if not _limiter().test(item, NAMESPACE, kind, key):
            reset, _remaining = _limiter().get_window_stats(item, NAMESPACE, kind, key)
            wait = max(wait, max(1, math.ceil(reset - time.time())))
    return wait


def note_failure(login: str, device: str | None, addr: str) -> None:
    if not _enabled():
        return
    for item, kind, key in _buckets(login, device, addr):
        _limiter().hit(item, NAMESPACE, kind, key)


def forgive(login: str, device: str | None) -> None:
    """A successful sign-in from a known device forgives that device's earlier typos."""
    if device and _enabled():
        for item, kind, key in _buckets(login, device, ""):
            _limiter().clear(item, NAMESPACE, kind, key)
