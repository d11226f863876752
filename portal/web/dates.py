"""The `dateformat`, `datetimeformat` and `isotime` template filters.

One style per language (issue 14): every named format ("short", "medium", "long", "full") gives
the same pattern, STYLES below, so a date reads the same on every page: 2026年12月2日 14:05 in
Chinese, 2 December 2026, 14:05 in English. An explicit pattern ("yyyy-MM-dd") is kept as asked.
`isotime` writes the machine-readable `<time datetime>`: UTC, whole seconds (HTML allows at most
three digits of fractional seconds).

Babel's per-call work (pattern string → parsed pattern) is done once per locale and format.

A list of fifty proposals or comments formats a date on every row; Babel looks the pattern up
and parses it again each time, which was about a sixth of a long page's rendering time.
"""
from __future__ import annotations

import datetime as dt

from babel import dates as bd
from flask_babel import get_locale, get_timezone
from markupsafe import Markup

NAMED = ("full", "long", "medium", "short")
# language -> (date pattern, date and time pattern)
STYLES = {"zh": ("y年M月d日", "y年M月d日 HH:mm"), "en": ("d MMMM y", "d MMMM y, HH:mm")}
_cache: dict[tuple, tuple] = {}


def _style(locale, kind: str) -> str:
    date_p, datetime_p = STYLES.get(getattr(locale, "language", str(locale)[:2]), STYLES["en"])
    return date_p if kind == "date" else datetime_p


def _patterns(locale, kind: str, fmt: str) -> tuple:
    key = (locale, kind, fmt)  # the Locale itself: str(locale) rebuilt its identifier on every date
    found = _cache.get(key)
    if found is None:
        pattern = _style(locale, kind) if fmt in NAMED else fmt
        if kind == "date":
            found = (bd.parse_pattern(pattern),)
        else:
            found = (None, bd.parse_pattern(pattern), None)
        _cache[key] = found
    return found


def _local(value: dt.datetime) -> dt.datetime:
    """Naive values are UTC (as Flask-Babel assumes), shown in the portal's time zone."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(get_timezone())


_formatted: dict[tuple, str] = {}


def datetimeformat(value: dt.datetime | None, format: str = "medium") -> str:
    """Kept per (instant, format, locale, time zone): a page of comments is rendered again after
    every write in its community, and its dates are the same ones each time."""
    if value is None:
        return ""
    locale, tz = get_locale(), get_timezone()
    key = (value, format, locale, tz)
    found = _formatted.get(key)
    if found is None:
        if len(_formatted) >= 8192:
            _formatted.clear()  # single dict operations: safe with threads too
        found = _formatted[key] = _datetimeformat(_local(value), format, locale)
    return found


def _datetimeformat(value: dt.datetime, format: str, locale) -> str:
    _outer, pattern, _date = _patterns(locale, "datetime", format)
    return pattern.apply(value, locale)


def dateformat(value: dt.date | dt.datetime | None, format: str = "medium") -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = _local(value).date()
    (pattern,) = _patterns(get_locale(), "date", format)
    return pattern.apply(value, get_locale())


def date_formatter(format: str = "medium"):
    """`dateformat` with the request's locale, time zone and pattern looked up once: for a page
    that formats a date on each of many rows (same output as the filter)."""
    locale, tz = get_locale(), get_timezone()
    (pattern,) = _patterns(locale, "date", format)

    def fmt(value: dt.date | dt.datetime | None) -> str:
        if value is None:
            return ""
        if isinstance(value, dt.datetime):
            if value.tzinfo is None:
                value = value.replace(tzinfo=dt.timezone.utc)
            value = value.astimezone(tz).date()
        return pattern.apply(value, locale)

    return fmt


def isotime(value: dt.datetime | None) -> str:
    """For `<time datetime="…">`: 2026-12-02T04:27:45Z (UTC, no fractional seconds)."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def colon() -> str:
    """The colon between a label and its value: full-width in Chinese (听一听：提案)."""
    return "：" if getattr(get_locale(), "language", "") == "zh" else ": "


def paren(text) -> Markup:
    """An aside in brackets after a label: full-width in Chinese, no space (成员（12）), a space and
    ASCII brackets in English (Members (12)). The text is escaped unless it is already markup."""
    if getattr(get_locale(), "language", "") == "zh":
        return Markup("（%s）") % text
    return Markup(" (%s)") % text


def register(app) -> None:
    app.jinja_env.filters["isotime"] = isotime
    app.jinja_env.globals["colon"] = colon
    app.jinja_env.globals["paren"] = paren
    app.jinja_env.filters["datetimeformat"] = datetimeformat
    app.jinja_env.filters["dateformat"] = dateformat
