"""Locale choice and display modes (large text, high contrast, easy reading).

Locale: ?lang= (remembered) → the user's preference → the lang cookie →
Accept-Language → the community's default → zh_Hans. Display modes come from
the user's profile when signed in, otherwise from a cookie.
"""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, current_app, g, has_request_context, redirect, request
from flask_login import current_user

from ..extensions import db
from .reads import commit_read
from .security import safe_next

bp = Blueprint("display", __name__)

MODES = ("large", "contrast", "easy")
LANG_COOKIE = "lang"
DISPLAY_COOKIE = "display"
COOKIE_AGE = 365 * 24 * 3600


def supported_locales() -> tuple[str, ...]:
    return tuple(current_app.config["LANGUAGES"])


def select_locale() -> str:
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if "locale" in g:
        return g.locale
    langs = supported_locales()
    chosen = request.args.get("lang") if request else None
    if chosen in langs:
        g.lang_switched = chosen
        locale = chosen
    else:
        user_locale = current_user.locale if getattr(current_user, "is_authenticated", False) else None
        community = g.get("community")
        locale = locale_for(user_locale, community.default_locale if community is not None else None)
    g.locale = locale
    return locale


def locale_for(user_locale: str | None, community_default: str | None) -> str:
    """The page's language when no ?lang= asks for one: the person's preference, the lang
    cookie, Accept-Language, the community's default, the platform's. Also used by the shared
    pages of signed-in readers (portal/cache/readers.py), which decide before the user is loaded."""
    langs = supported_locales()
    if user_locale in langs:
        return user_locale
    if request.cookies.get(LANG_COOKIE) in langs:
        return request.cookies[LANG_COOKIE]
    best = request.accept_languages.best_match(["zh", "zh-CN", "zh-Hans", "en"])
    if best and best.startswith("zh"):
        return "zh_Hans"
    if best == "en":
        return "en"
    return community_default or current_app.config["BABEL_DEFAULT_LOCALE"]


def current_modes() -> dict[str, bool]:
    if not has_request_context():
        return {m: False for m in MODES}
    if "modes" in g:
        return g.modes
    if getattr(current_user, "is_authenticated", False):
        modes = {"large": current_user.display_large, "contrast": current_user.display_contrast,
                 "easy": current_user.display_easy}
    else:
        raw = set((request.cookies.get(DISPLAY_COOKIE) or "").split(","))
        modes = {m: m in raw for m in MODES}
    g.modes = modes
    return modes


def lang_url(code: str) -> str:
    """The current page in another language (a plain link: no JavaScript needed)."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    args.append(("lang", code))
    return request.path + "?" + urlencode(args)


def remember_choices(response):
    """after_request: persist ?lang= (cookie, and the profile when signed in)."""
    switched = g.get("lang_switched")
    if switched:
        _set_cookie(response, LANG_COOKIE, switched)
        if getattr(current_user, "is_authenticated", False) and current_user.locale != switched:
            current_user.locale = switched
            if request.method in ("GET", "HEAD"):
                commit_read("locale")
            else:
                db.session.commit()
    return response


def _set_cookie(response, name, value):
    response.set_cookie(name, value, max_age=COOKIE_AGE, httponly=True, samesite="Lax",
                        secure=current_app.config.get("PREF_COOKIE_SECURE", False))


@bp.get("/display")
def toggle_mode_visitor():
    """Visitors switch with a plain GET form: it only changes their own cookie, so public
    pages need no CSRF token and hence no session cookie (they stay cacheable). Signed-in
    people use the POST form, which also saves the choice in their profile."""
    target = safe_next(request.args.get("next"))
    response = redirect(target, code=303)
    mode = request.args.get("toggle")
    if current_user.is_authenticated or mode not in MODES:
        return response
    modes = dict(current_modes())
    modes[mode] = not modes[mode]
    _set_cookie(response, DISPLAY_COOKIE, ",".join(m for m in MODES if modes[m]))
    return response


@bp.post("/display")
def toggle_mode():
    mode = request.form.get("toggle")
    target = safe_next(request.form.get("next"))
    response = redirect(target, code=303)
    if mode not in MODES:
        return response
    modes = dict(current_modes())
    modes[mode] = not modes[mode]
    if current_user.is_authenticated:
        current_user.display_large = modes["large"]
        current_user.display_contrast = modes["contrast"]
        current_user.display_easy = modes["easy"]
        db.session.commit()
    _set_cookie(response, DISPLAY_COOKIE, ",".join(m for m in MODES if modes[m]))
    return response


def easy_text(normal, easy):
    """Template helper `ez(_("..."), pgettext("easy", "..."))`: the plain-language variant in easy
    mode. Both are written out in the template so that pybabel extracts both."""
    return easy if current_modes().get("easy") else normal


def button_kind(kind: str) -> str:
    """Easy mode has one main action per screen: the first primary button of the page stays
    primary, any later one is drawn as a secondary button (the macros and templates ask here)."""
    if kind != "primary" or not current_modes().get("easy"):
        return kind
    if g.get("primary_drawn"):
        return "secondary"
    g.primary_drawn = True
    return "primary"


def mode_classes() -> str:
    """The <html> and <body> classes of the display modes on, e.g. "mode-large mode-easy"."""
    modes = current_modes()
    return " ".join(f"mode-{m}" for m in MODES if modes.get(m))
