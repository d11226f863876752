"""Device cookies (OWASP, "Slow down online guessing attacks with device cookies").

After a successful sign-in the browser gets a long-lived cookie that names the account it signed
in to: `nonce.mac` per account, where nonce is 128 random bits and mac is
HMAC-SHA256(SECRET_KEY, "yishi-device|" + login + "|" + nonce). The cookie does not show the user
name (only the mac binds it) and nobody without the secret key can make one. A browser that
presents a valid entry for the account it tries is a *known device*: its failures are counted on
that device's own bucket (portal/auth/throttle.py), so an attacker's failures elsewhere never
block the owner. One cookie keeps entries for up to MAX_ENTRIES accounts (a family's shared phone).
See docs/architecture.md, "Sign-in throttling and transport".
"""
from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import current_app

COOKIE = "yishi_device"
MAX_ENTRIES = 5
MAX_AGE = 365 * 24 * 3600


def _mac(login: str, nonce: str) -> str:
    key = current_app.secret_key
    key = key.encode() if isinstance(key, str) else key
    return hmac.new(key, f"yishi-device|{login}|{nonce}".encode(), hashlib.sha256).hexdigest()[:32]


def _entries(value: str | None) -> list[tuple[str, str]]:
    out = []
    for part in (value or "")[:1000].split("~")[:MAX_ENTRIES]:
        nonce, dot, mac = part.partition(".")
        if dot and 16 <= len(nonce) <= 32 and len(mac) == 32:
            out.append((nonce, mac))
    return out


def device_for(value: str | None, login: str) -> str | None:
    """The nonce of the entry of cookie `value` that is valid for `login`, else None."""
    if not login:
        return None
    for nonce, mac in _entries(value):
        if hmac.compare_digest(mac, _mac(login, nonce)):
            return nonce
    return None


def remembered(value: str | None, login: str) -> str:
    """The cookie's new value after a successful sign-in to `login`: that account's entry first
    (the same nonce if the browser was already known for it), then the others, at most MAX_ENTRIES."""
    nonce = device_for(value, login) or secrets.token_hex(16)
    entry = (nonce, _mac(login, nonce))
    rest = [e for e in _entries(value) if e[0] != nonce]
    return "~".join(f"{n}.{m}" for n, m in [entry, *rest][:MAX_ENTRIES])


def set_cookie(response, value: str):
    response.set_cookie(COOKIE, value, max_age=MAX_AGE, httponly=True, samesite="Lax",
                        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")), path="/")
    return response
