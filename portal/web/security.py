"""Security headers, https only in production, safe redirects, id converter."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.routing import BaseConverter

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self'; font-src 'self'; connect-src 'self'; form-action 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


def security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(), geolocation=(), microphone=(self)")
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    hsts = current_app.config.get("HSTS")
    if hsts and request.is_secure:  # browsers ignore it over http; sent on https answers only
        response.headers.setdefault("Strict-Transport-Security", hsts)
    return response


def insecure_answer():
    """REQUIRE_HTTPS (production): a request over plain http gets a clear answer before anything
    else runs — before the page caches and before CSRF, whose "page expired" would mislead.
    GET/HEAD: 301 to the same address on https (PUBLIC_BASE_URL, not the Host the client sent).
    Anything else: a page saying the portal needs a secure connection; nothing sent is used.
    Only /healthz answers over http (it shows nothing but "ok").
    Behind a TLS proxy request.is_secure reads X-Forwarded-Proto (TRUSTED_PROXIES, ProxyFix)."""
    if not current_app.config.get("REQUIRE_HTTPS") or request.is_secure:
        return None
    if request.path == "/healthz":  # the proxy's or the supervisor's check, asked of the worker directly
        return None
    base = (current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    if not base:
        base = "https://" + request.host + request.script_root
    target = base + (request.full_path if request.query_string else request.path)
    if request.method in ("GET", "HEAD"):
        return redirect(target, code=301)
    body = render_template(
        "errors/error.html", status=403, title=_("A secure connection is needed"),
        message=_("This portal works only over a secure connection (https). Nothing you sent was used. "
                  "Open %(url)s and try again.", url=base + "/"))
    return body, 403, {"Cache-Control": "no-store"}


def safe_next(target: str | None, default: str | None = None) -> str:
    """Only local absolute paths; anything else goes to the default page."""
    fallback = default or url_for("main.home")
    if not target or len(target) > 500:
        return fallback
    if any(c in target for c in "\\\r\n\t") or not target.startswith("/") or target.startswith("//"):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return fallback
    return target


def refuse_nul_bytes():
    """before_request: a NUL character in a query or form value is never legitimate input.

    PostgreSQL cannot store or even compare text holding NUL (psycopg raises
    DataError), so letting one through turns a typo or a probe into a 500 in any
    search, filter or form. Refuse the whole request with a 400 page instead.
    """
    for source in (request.args, request.form if request.method != "GET" else None):
        if not source:
            continue
        for key, values in source.lists():
            if "\x00" in key or any("\x00" in v for v in values):
                abort(400)


class IdConverter(BaseConverter):
    """Positive database ids only: 1 to 9 digits, so no out-of-range integer reaches SQL."""

    regex = r"[1-9][0-9]{0,8}"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return str(int(value))


class SlugConverter(BaseConverter):
    regex = r"[a-z0-9][a-z0-9-]{1,39}"
