"""The `dateformat` and `datetimeformat` template filters: Flask-Babel's output, with Babel's
per-call work (named format → pattern string → parsed pattern) done once per locale and format.

A list of fifty proposals or comments formats a date on every row; Babel looks the pattern up
and parses it again each time, which was about a sixth of a long page's rendering time.
"""
from __future__ import annotations

import datetime as dt

from babel import dates as bd
from flask_babel import get_locale, get_timezone

NAMED = ("full", "long", "medium", "short")
_cache: dict[tuple, tuple] = {}


def _patterns(locale, kind: str, fmt: str) -> tuple:
    key = (locale, kind, fmt)  # the Locale itself: str(locale) rebuilt its identifier on every date
    found = _cache.get(key)
    if found is None:
        if kind == "date":
            found = (bd.parse_pattern(bd.get_date_format(fmt, locale=locale) if fmt in NAMED else fmt),)
        elif fmt in NAMED:
            found = (str(bd.get_datetime_format(fmt, locale=locale)).replace("'", ""),
                     bd.parse_pattern(bd.get_time_format(fmt, locale=locale)),
                     bd.parse_pattern(bd.get_date_format(fmt, locale=locale)))
        else:
            found = (None, bd.parse_pattern(fmt), None)
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
    outer, time_p, date_p = _patterns(locale, "datetime", format)
    if outer is None:
        return time_p.apply(value, locale)
    return (outer.replace("{0}", time_p.apply(value.timetz(), locale, reference_date=value.date()))
            .replace("{1}", date_p.apply(value.date(), locale)))


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


def register(app) -> None:
    app.jinja_env.filters["datetimeformat"] = datetimeformat
    app.jinja_env.filters["dateformat"] = dateformat
