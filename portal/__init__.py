"""Yishi (议事): resident participation and deliberation portal."""
from __future__ import annotations

from pathlib import Path

from flask import Flask, request
from flask_babel import lazy_gettext as _l

from . import (
    admin,
    assisted,
    audit,
    auth,
    cli,
    comments,
    communities,
    main,
    levels,
    matters,
    mediation,
    mine,
    moderation,
    proposals,
    queue,
    readaloud,
    roster,
    rules,
    uploads,
    votes,
    web,
)
from .extensions import babel, csrf, db, limiter, login_manager, migrate
from .text import plaintext
from .web.display import select_locale

ROOT = Path(__file__).resolve().parent.parent

# Each brings its blueprints, template helpers, registrations and CLI commands in its init_app;
# nothing registers itself when imported. The order is the order of the navigation.
CAPABILITIES = (main, auth, communities, audit, admin, proposals, comments, moderation, uploads, roster,
                readaloud, assisted, rules, mediation, votes, levels, matters, mine, queue)


class Portal(Flask):
    def preprocess_request(self):
        """A visitor's cached page, or a signed-in reader's shared one, is answered before the
        request's hooks (user, community, rate limits) run; the after_request hooks still do
        (portal/cache/). Only plain http in production is answered earlier still."""
        from .cache import serve_hit
        from .web.security import insecure_answer

        refused = insecure_answer()  # production over plain http: before the caches and CSRF
        if refused is not None:
            return refused
        hit = serve_hit(self)
        return hit if hit is not None else super().preprocess_request()


def create_app(config=None) -> Flask:
    """Build the app. `config` is a config class, a name ('testing'…) or a dict of overrides."""
    from config import CONFIGS, Config, ProductionConfig

    app = Portal(__name__, template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"),
                instance_path=str(ROOT / "instance"))
    overrides = {}
    if config is None:
        import os

        config = CONFIGS.get(os.environ.get("PORTAL_CONFIG", "development"), Config)
    if isinstance(config, str):
        config = CONFIGS[config]
    if isinstance(config, dict):
        overrides = config
        config = CONFIGS["testing"]
    app.config.from_object(config)
    app.config.update(overrides)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(ROOT / "translations")
    if config is ProductionConfig or issubclass(config, ProductionConfig):
        ProductionConfig.check(app.config)
    Path(app.instance_path).mkdir(exist_ok=True)
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies > 0:
        # The client's address, scheme and host as the trusted proxies saw them: throttling counts
        # per client (not per proxy), request.is_secure knows about TLS ended at the proxy.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

    db.init_app(app)
    if app.config.get("SQLITE_WAL"):
        from .db import use_wal

        with app.app_context():
            use_wal(db.engine, app.config.get("SQLITE_SYNCHRONOUS", "NORMAL"))
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    if app.config.get("REQUIRE_HTTPS") and app.config.get("RATELIMIT_STORAGE_URI", "memory://").startswith("memory"):
        app.logger.warning("RATELIMIT_STORAGE_URI is memory://: each worker counts failed sign-ins and "
                           "registrations on its own, so several workers allow several times the limits. "
                           "Set it to Redis (redis://host:6379/0).")
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to continue.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    from . import models  # noqa: F401  (every table, for the metadata)

    web.init_app(app)
    for package in CAPABILITIES:
        package.init_app(app)
    cli.init_app(app)
    app.jinja_env.filters["plaintext"] = plaintext

    # Static files carry a version in their URL, so browsers may keep them a week
    # (fewer requests on a weak signal) and still get a new stylesheet after an upgrade.
    import hashlib

    digest = hashlib.sha256()
    for path in sorted((ROOT / "static").rglob("*")):
        if path.is_file():
            digest.update(path.read_bytes())
    app.config.setdefault("ASSET_VERSION", digest.hexdigest()[:10])
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 7 * 24 * 3600
    from .web import stylesheet

    stylesheet.init_app(app, ROOT / "static" / "css" / "portal.css")

    asset_urls: dict[tuple[str, str], str] = {}

    def asset(filename: str) -> str:
        """A static file's versioned URL; built once per file (and script root), since every
        page asks for the stylesheet and each icon of the sprite again."""
        from flask import url_for

        key = (request.script_root, filename)
        url = asset_urls.get(key)
        if url is None:
            url = asset_urls[key] = url_for("static", filename=filename, v=app.config["ASSET_VERSION"])
        return url

    app.jinja_env.globals["asset"] = asset
    return app
