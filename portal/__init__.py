"""Yishi (议事): resident participation and deliberation portal."""
from __future__ import annotations

from pathlib import Path

from flask import Flask, g, request
from flask_babel import lazy_gettext as _l

from .web.display import button_kind, current_modes, easy_text, lang_url, mode_classes, remember_choices, select_locale
from .extensions import babel, csrf, db, limiter, login_manager, migrate
from .web.security import IdConverter, SlugConverter, security_headers

ROOT = Path(__file__).resolve().parent.parent


class Portal(Flask):
    def preprocess_request(self):
        """A visitor's cached page, or a signed-in reader's shared one, is answered before the
        request's hooks (user, community, rate limits) run; the after_request hooks still do
        (portal/cache/)."""
        from .cache import serve_hit

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

    app.url_map.converters["id"] = IdConverter
    app.url_map.converters["slug"] = SlugConverter
    app.url_map.strict_slashes = False

    db.init_app(app)
    if app.config.get("SQLITE_WAL"):
        from .db import use_wal

        with app.app_context():
            use_wal(db.engine, app.config.get("SQLITE_SYNCHRONOUS", "NORMAL"))
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to continue.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    from . import models  # noqa: F401  (register every table)
    from .admin.views import bp as admin_bp
    from .audit.views import bp as audit_bp
    from .auth.views import bp as auth_bp
    from .communities.views import bp as communities_bp
    from .web.display import bp as display_bp
    from .main import bp as main_bp
    from .mediation.views import bp as mediation_bp
    from .moderation.views import bp as moderation_bp
    from .proposals import settings_views  # noqa: F401  (routes on the proposals blueprint)
    from .proposals.views import bp as proposals_bp
    from .assisted.views import bp as assisted_bp
    from .proposals import assisted_views  # noqa: F401  (routes on the proposals blueprint)
    from .readaloud.views import bp as readaloud_bp
    from .mine.views import bp as mine_bp
    from .roster.views import bp as roster_bp, cards as cards_bp
    from .proposals import readaloud as _proposal_texts  # noqa: F401  (registers what can be read aloud)
    from .votes import readaloud as _poll_texts  # noqa: F401  (registers what can be read aloud)
    from .rules.views import bp as rules_bp
    from .uploads.views import bp as files_bp
    from .votes.views import bp as votes_bp
    from . import comments  # noqa: F401

    for bp in (main_bp, display_bp, auth_bp, communities_bp, audit_bp, admin_bp, proposals_bp,
               moderation_bp, files_bp, roster_bp, cards_bp, readaloud_bp, assisted_bp,
               rules_bp, mediation_bp, votes_bp, mine_bp):
        app.register_blueprint(bp)

    from . import cache
    from .communities.caching import sources as cache_sources

    cache.init_app(app, cache_sources())

    from .web.errors import register_error_handlers

    register_error_handlers(app)

    from .cli import register_cli

    register_cli(app)

    @app.context_processor
    def _template_globals():
        return {"modes": current_modes(), "current_locale": select_locale(),
                "ctx": g.get("ctx"), "community": g.get("community"), "lang_url": lang_url}

    # Static files carry a version in their URL, so browsers may keep them a week
    # (fewer requests on a weak signal) and still get a new stylesheet after an upgrade.
    import hashlib

    digest = hashlib.sha256()
    for path in sorted((ROOT / "static").rglob("*")):
        if path.is_file():
            digest.update(path.read_bytes())
    app.config.setdefault("ASSET_VERSION", digest.hexdigest()[:10])
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 7 * 24 * 3600

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

    from .audit.labels import action_label, role_label

    from .moderation.views import flag_url
    from .proposals.labels import state_label
    from .text import plaintext

    app.jinja_env.globals.update(action_label=action_label, role_label=role_label, state_label=state_label,
                                 ez=easy_text, button_kind=button_kind, mode_classes=mode_classes,
                                 flag_url=flag_url)
    app.jinja_env.filters["plaintext"] = plaintext
    from .web import dates
    dates.register(app)  # after Flask-Babel's own filters, which these replace
    from .web import i18n
    i18n.register(app)  # after Flask-Babel's init_app, whose template callables these replace

    app.after_request(remember_choices)
    app.after_request(security_headers)

    @app.after_request
    def _no_store_for_users(response):
        if request.cookies.get(app.config.get("SESSION_COOKIE_NAME", "session")):
            response.headers.setdefault("Cache-Control", "private, no-store")
        return response

    return app
