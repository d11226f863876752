"""Absolute links for what leaves the screen: printed login cards, QR codes on the notice board.

They are built from PUBLIC_BASE_URL (required, and https, in production), never from the
request: behind a proxy the request may say http://127.0.0.1:8000 or whatever Host the client
sent. Without the setting (development, tests) the request's own address is used.
See docs/architecture.md, "Sign-in throttling and transport".
"""
from __future__ import annotations

from flask import current_app, has_request_context, request, url_for


def public_url(endpoint: str, **values) -> str:
    base = (current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    if not base:
        return url_for(endpoint, _external=True, **values)
    path = url_for(endpoint, **values)
    root = request.script_root if has_request_context() else ""
    if root and path.startswith(root + "/"):
        path = path[len(root):]  # PUBLIC_BASE_URL already holds the prefix the portal is mounted under
    return base + path
