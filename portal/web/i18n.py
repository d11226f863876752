"""Translations for templates and forms, looked up once per request instead of once per string.

Flask-Babel answers every `_()` of a template by finding the request's domain, its locale and
then its catalog again: a few attribute lookups through `g` each, and a page says `_()` dozens of
times (a proposal with 50 comment threads: ~170). These callables keep the catalog found first in
the request, tied to the locale object it was found for, so `force_locale` (which swaps that
object) still switches language. WTForms' own messages come from one catalog per language.
"""
from __future__ import annotations

from flask import g, request
from flask_babel import get_translations


def _catalog():
    if not g:  # no app context: Flask-Babel's null translations
        return get_translations()
    ctx = g.get("_flask_babel")
    locale = getattr(ctx, "babel_locale", None) if ctx is not None else None
    found = getattr(ctx, "yishi_catalog", None) if ctx is not None else None
    if found is not None and locale is not None and found[0] is locale:
        return found[1]
    catalog = get_translations()  # sets ctx.babel_locale on its way when it was not yet known
    ctx = g.get("_flask_babel")
    if ctx is not None and getattr(ctx, "babel_locale", None) is not None:
        ctx.yishi_catalog = (ctx.babel_locale, catalog)
    return catalog


def register(app) -> None:
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _catalog().ugettext(s),
        ngettext=lambda s, p, n: _catalog().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _catalog().upgettext(c, s),
        npgettext=lambda c, s, p, n: _catalog().unpgettext(c, s, p, n),
    )
    wtforms_translations = _WtformsTranslations()

    @app.before_request
    def _forms_speak_the_page_language():
        request.wtforms_translations = wtforms_translations


class _WtformsTranslations:
    """WTForms' own messages ("This field is required.") in the request's language.

    Flask-WTF reads them from `request.wtforms_translations` and, when that is unset, loads and
    parses the wtforms .mo file from disk again for every request that builds a form. This one
    object answers for every request: it asks Flask-Babel for the locale when a message is
    needed and keeps one parsed catalog per locale for the life of the process."""

    def __init__(self):
        self.catalogs: dict[str, object] = {}

    def _catalog(self):
        from babel import support
        from flask_babel import get_locale
        from wtforms.i18n import messages_path

        locale = get_locale()
        key = str(locale)
        found = self.catalogs.get(key)
        if found is None:
            found = self.catalogs[key] = support.Translations.load(messages_path(), [locale], domain="wtforms")
        return found

    def ugettext(self, string):
        return self._catalog().ugettext(string)

    def ungettext(self, singular, plural, n):
        return self._catalog().ungettext(singular, plural, n)
