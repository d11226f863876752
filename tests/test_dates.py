"""The date filters: one style per language for every named format (issue 14), otherwise exactly
Flask-Babel's output, memoised; `isotime` for <time datetime> in whole seconds."""
from __future__ import annotations

import datetime as dt
import re

import flask_babel
import pytest
from flask import g

from portal.web import dates

NAMED = ("short", "medium", "long", "full")


def babel_datetime(value, fmt, locale):
    """What the filter should give: Flask-Babel's output for the language's one pattern."""
    return flask_babel.format_datetime(value, dates.STYLES[locale[:2]][1] if fmt in NAMED else fmt)


def babel_date(value, fmt, locale):
    return flask_babel.format_date(value, dates.STYLES[locale[:2]][0] if fmt in NAMED else fmt)

VALUES = [
    dt.datetime(2026, 11, 27, 16, 30, 59, tzinfo=dt.timezone.utc),  # the next day in Shanghai
    dt.datetime(2026, 1, 1, 0, 0),                                   # naive: UTC
    dt.datetime(2024, 2, 29, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
]


@pytest.mark.parametrize("locale", ["zh_Hans", "en"])
def test_same_output_as_flask_babel(app, locale):
    with app.test_request_context(f"/?lang={locale}", headers={"Accept-Language": locale}):
        flask_babel.refresh()
        with flask_babel.force_locale(locale):
            for value in VALUES:
                for fmt in ("short", "medium", "long", "full", "yyyy-MM-dd HH:mm"):
                    assert dates.datetimeformat(value, fmt) == babel_datetime(value, fmt, locale)
                for fmt in ("short", "medium", "long", "full", "yyyy-MM-dd"):
                    assert dates.dateformat(value, fmt) == babel_date(value, fmt, locale)
                    assert dates.dateformat(value.date(), fmt) == babel_date(value.date(), fmt, locale)
            assert dates.datetimeformat(None) == "" and dates.dateformat(None) == ""
    # The filters the templates use are these.
    assert app.jinja_env.filters["datetimeformat"] is dates.datetimeformat
    assert app.jinja_env.filters["dateformat"] is dates.dateformat


def test_shanghai_date_boundary(app):
    with app.test_request_context("/"), flask_babel.force_locale("en"):
        assert dates.dateformat(VALUES[0], "yyyy-MM-dd") == "2026-11-28"


def test_kept_formats_follow_locale_and_time_zone(app):
    """datetimeformat keeps what it formatted: the same instant asked again in another language
    or time zone is formatted again, not handed the kept one."""
    value = VALUES[0]
    with app.test_request_context("/"):
        outputs = {}
        for locale in ("en", "zh_Hans", "en"):
            with flask_babel.force_locale(locale):
                for _ in range(2):
                    assert dates.datetimeformat(value, "long") == babel_datetime(value, "long", locale)
                outputs[locale] = dates.datetimeformat(value, "long")
        assert outputs["en"] != outputs["zh_Hans"]
        from zoneinfo import ZoneInfo

        with flask_babel.force_locale("en"):
            flask_babel.get_timezone()
            g._flask_babel.babel_tzinfo = ZoneInfo("UTC")  # what a time zone selector would give
            assert dates.datetimeformat(value, "long") == babel_datetime(value, "long", "en")
            assert dates.datetimeformat(value, "long") != outputs["en"]  # 16:30 UTC, 00:30 in Shanghai


@pytest.mark.parametrize("locale, date, both", [
    ("zh_Hans", "2026年11月28日", "2026年11月28日 00:30"),
    ("en", "28 November 2026", "28 November 2026, 00:30"),
])
def test_one_date_style_per_language(app, locale, date, both):
    """Issue 14: 'short' gave 2026/11/28 and 'long' 2026年11月28日 on the same site; every named
    format now writes the language's one style (the time in 24 hours, Shanghai time)."""
    value = VALUES[0]
    with app.test_request_context("/"), flask_babel.force_locale(locale):
        for fmt in NAMED:
            assert dates.dateformat(value, fmt) == date
            assert dates.datetimeformat(value, fmt) == both
            assert dates.date_formatter(fmt)(value) == date


def test_isotime_is_whole_seconds_utc():
    shanghai = dt.timezone(dt.timedelta(hours=8))
    assert dates.isotime(dt.datetime(2026, 12, 2, 12, 27, 45, 165012, tzinfo=shanghai)) == "2026-12-02T04:27:45Z"
    assert dates.isotime(dt.datetime(2026, 12, 2, 4, 27, 45, 999999)) == "2026-12-02T04:27:45Z"  # naive: UTC
    assert dates.isotime(None) == ""


def test_colon_and_brackets_are_full_width_in_chinese(app):
    """Chinese text uses full-width punctuation (issue 14, "Words"): 听一听：提案, 成员（12）."""
    with app.test_request_context("/"):
        with flask_babel.force_locale("zh_Hans"):
            assert dates.colon() == "："
            assert str(dates.paren(12)) == "（12）"
            assert str(dates.paren("<b>")) == "（&lt;b&gt;）"
        with flask_babel.force_locale("en"):
            assert dates.colon() == ": "
            assert str(dates.paren(12)) == " (12)"


def test_no_ascii_punctuation_next_to_chinese_in_the_catalog():
    """No zh_Hans msgstr glues an ASCII colon, comma, question mark or bracket to Chinese text."""
    from pathlib import Path

    from babel.messages.pofile import read_po

    path = Path(__file__).resolve().parents[1] / "translations" / "zh_Hans" / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as f:
        catalog = read_po(f, locale="zh_Hans")
    cjk = "[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef]"
    glued = re.compile(rf"{cjk}\s?[:,?!()]|[:,?!(]\s?{cjk}|{cjk}\s?\)")
    bad = []
    for msg in catalog:
        for s in (msg.string if isinstance(msg.string, (list, tuple)) else [msg.string]):
            if s and glued.search(re.sub(r"%\([^)]*\)[sd]|%[sd]", "X", s)):
                bad.append(s)
    assert not bad, bad
