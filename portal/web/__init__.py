"""The web layer: what every capability's views use, and nothing capability-specific.

Display modes and locale (display.py, i18n.py, dates.py), one question per screen (steps.py),
require() and the permission plumbing (permissions.py), the PortalError family and the error pages
(errors.py), security headers and safe redirects (security.py), and the action wrapper that owns
a form POST's transaction (actions.py). Nothing here imports a capability package: capabilities
import the web layer, never the other way round (tests/test_architecture.py reads the imports).
See docs/architecture.md.
"""
from __future__ import annotations


def init_app(app) -> None:
    """Everything of the web layer an app needs: converters, the display switches, error pages,
    security headers, the read-commit guard and the template helpers."""
    from flask import g, request

    from . import dates, i18n, reads
    from .actions import error_summary
    from .display import (bp as display_bp, button_kind, current_modes, easy_text, lang_url, mode_classes,
                          remember_choices, select_locale)
    from .errors import register_error_handlers
    from .security import IdConverter, SlugConverter, security_headers

    app.url_map.converters["id"] = IdConverter
    app.url_map.converters["slug"] = SlugConverter
    app.url_map.strict_slashes = False
    app.register_blueprint(display_bp)
    register_error_handlers(app)
    reads.init_app(app)

    @app.context_processor
    def _template_globals():
        return {"modes": current_modes(), "current_locale": select_locale(),
                "ctx": g.get("ctx"), "community": g.get("community"), "lang_url": lang_url}

    app.jinja_env.globals.update(ez=easy_text, button_kind=button_kind, mode_classes=mode_classes,
                                 error_summary=error_summary)
    dates.register(app)  # after Flask-Babel's own filters, which these replace
    i18n.register(app)  # after Flask-Babel's init_app, whose template callables these replace

    app.after_request(remember_choices)
    app.after_request(security_headers)

    @app.after_request
    def _no_store_for_users(response):
        if request.cookies.get(app.config.get("SESSION_COOKIE_NAME", "session")):
            response.headers.setdefault("Cache-Control", "private, no-store")
        return response
