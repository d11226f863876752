"""Login throttling on failures, per account and per address.

Uses Flask-Limiter's storage (memory:// by default, Redis when configured), so
several gunicorn workers share the counters when RATELIMIT_STORAGE_URI is Redis.
"""
from __future__ import annotations

import math
import time

from flask import current_app
from limits import parse

from ..extensions import limiter


def _limits():
    cfg = current_app.config
    return (("account", parse(cfg["LOGIN_FAILURES_PER_ACCOUNT"])),
            ("address", parse(cfg["LOGIN_FAILURES_PER_ADDRESS"])))


def _keys(login: str, addr: str):
    return {"account": (login or "-")[:64], "address": addr or "-"}


def blocked_for(login: str, addr: str) -> int:
    """Seconds until the next attempt is allowed; 0 when not throttled."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return 0
    keys = _keys(login, addr)
    wait = 0
    for name, item in _limits():
        if not limiter.limiter.test(item, "login-fail", name, keys[name]):
            reset, _remaining = limiter.limiter.get_window_stats(item, "login-fail", name, keys[name])
            wait = max(wait, max(1, math.ceil(reset - time.time())))
    return wait


def note_failure(login: str, addr: str) -> None:
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return
    keys = _keys(login, addr)
    for name, item in _limits():
        limiter.limiter.hit(item, "login-fail", name, keys[name])


def clear_account(login: str) -> None:
    """A successful login forgives the account's earlier failures."""
    for name, item in _limits():
        if name == "account":
            limiter.limiter.clear(item, "login-fail", name, _keys(login, "")[name])
