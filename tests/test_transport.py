"""Production configuration (issue 19, finding 5): every security header, the cookies' flags, HSTS
on https, plain http answered clearly before CSRF, and printed links from PUBLIC_BASE_URL."""
from __future__ import annotations

import re

import pytest

from portal import create_app
from portal.auth import devices
from portal.extensions import db

from .support.helpers import PASSWORD, Client, make_user

BASE = "https://yishi.example.org"


@pytest.fixture
def production(app, monkeypatch):
    """The production configuration on the test's database, behind one TLS proxy."""
    import config

    for name, value in (("SECRET_KEY", "x" * 64), ("PUBLIC_BASE_URL", BASE), ("TRUSTED_PROXIES", 1), ("BALLOT_KEY", "ab" * 32),
                        ("SQLALCHEMY_DATABASE_URI", app.config["SQLALCHEMY_DATABASE_URI"]),
                        ("UPLOAD_ROOT", app.config["UPLOAD_ROOT"]), ("SQLITE_WAL", False)):
        monkeypatch.setattr(config.ProductionConfig, name, value, raising=False)
    prod = create_app(config.ProductionConfig)
    yield prod
    with prod.app_context():
        db.engine.dispose()


def _over_tls(c):
    """What the TLS proxy adds to every request it passes on (and the Referer a browser sends,
    which Flask-WTF checks on https)."""
    c.http.environ_base.update({"HTTP_X_FORWARDED_PROTO": "https", "HTTP_X_FORWARDED_HOST": "yishi.example.org",
                                "HTTP_REFERER": f"{BASE}/login"})
    return c


@pytest.mark.parametrize("base", ["", "http://yishi.example.org", "https://"])
def test_production_needs_an_https_public_base_url(monkeypatch, base):
    import config

    monkeypatch.setattr(config.ProductionConfig, "SECRET_KEY", "x" * 64)
    monkeypatch.setattr(config.ProductionConfig, "PUBLIC_BASE_URL", base)
    with pytest.raises(RuntimeError, match="PUBLIC_BASE_URL"):
        create_app(config.ProductionConfig)


def test_every_security_header_and_cookie_flag_in_production(production):
    make_user("olga")
    c = _over_tls(Client(production))
    r = c.get("/login")
    assert r.status_code == 200
    h = r.headers
    csp = h["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    for part in ("default-src 'self'", "script-src 'self'", "style-src 'self'", "object-src 'none'",
                 "base-uri 'none'", "frame-ancestors 'none'", "form-action 'self'"):
        assert part in csp
    assert h["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert h["X-Frame-Options"] == "DENY"
    assert h["Referrer-Policy"] == "same-origin"
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["Cross-Origin-Opener-Policy"] == "same-origin"
    r = c.post("/login", {"login": "olga", "password": PASSWORD})
    assert r.status_code == 303
    cookies = {header.split("=", 1)[0]: header for header in r.headers.getlist("Set-Cookie")}
    for name in ("session", devices.COOKIE):
        flags = [f.strip().lower() for f in cookies[name].split(";")[1:]]
        assert "secure" in flags and "httponly" in flags and "samesite=lax" in flags, cookies[name]
    assert "max-age=31536000" in cookies[devices.COOKIE].lower()
    assert r.headers["Strict-Transport-Security"]
    # The signed-in session goes on over https.
    assert c.get("/account").status_code == 200


def test_plain_http_is_answered_clearly(production):
    make_user("olga")
    c = Client(production)  # no proxy saying https: plain http
    r = c.get("/login?next=/account")
    assert r.status_code == 301
    assert r.headers["Location"] == f"{BASE}/login?next=/account"  # the configured address, not the Host sent
    assert "Strict-Transport-Security" not in r.headers
    r = c.get("/c/nowhere/", headers={"Host": "evil.example"})
    assert r.status_code == 301 and r.headers["Location"] == f"{BASE}/c/nowhere/"
    assert c.get("/healthz").status_code == 200  # a health check asks the worker directly
    # A form sent over http: a clear page, not "the form has expired" (CSRF never ran).
    r = c.http.post("/login", data={"login": "olga", "password": PASSWORD, "csrf_token": "x"})
    assert r.status_code == 403
    page = r.get_data(as_text=True)
    assert "安全连接" in page and "https" in page and f"{BASE}/" in page
    assert "过期" not in page and "expired" not in page
    assert not [h for h in r.headers.getlist("Set-Cookie") if h.startswith("session=")]  # nobody was signed in
    # The same over the proxy, which says https: it works.
    secure = _over_tls(Client(production))
    assert secure.post("/login", {"login": "olga", "password": PASSWORD}).status_code == 303


def test_the_https_answer_runs_before_the_page_caches(production):
    """A cached public page is served before the request hooks: plain http must not get it."""
    production.config["PAGE_CACHE_SECONDS"] = 30
    secure = _over_tls(Client(production))
    assert secure.get("/").status_code == 200
    assert secure.get("/").status_code == 200
    assert Client(production).get("/").status_code == 301


def test_public_url_ignores_the_host_the_request_names(app):
    from portal.web.links import public_url

    app.config["PUBLIC_BASE_URL"] = BASE + "/"
    with app.test_request_context("/", base_url="http://evil.example"):
        assert public_url("auth.login") == f"{BASE}/login"
    with app.test_request_context("/", base_url="http://internal:8000/yishi"):
        assert public_url("auth.login") == f"{BASE}/login"  # the mount prefix is in the base already
    app.config["PUBLIC_BASE_URL"] = ""
    with app.test_request_context("/", base_url="http://localhost"):
        assert public_url("auth.login") == "http://localhost/login"  # development: the request's


def test_login_card_and_rules_qr_links_use_the_public_base_url():
    """Both printed pages build their link with public_url, none with url_for(_external=True)."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "portal"
    sources = {p: p.read_text() for p in root.rglob("*.py") if p.name != "links.py"}
    assert not [p for p, text in sources.items() if "_external=True" in text]
    assert re.search(r'public_url\("cards\.use"', sources[root / "roster" / "views.py"])
    assert re.search(r'public_url\("rules\.adopted"', sources[root / "rules" / "views.py"])
