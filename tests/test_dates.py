"""The memoised date filters give exactly Flask-Babel's output, in every locale and format."""
from __future__ import annotations

import datetime as dt

import flask_babel
import pytest
from flask import g

from portal.web import dates

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
                    assert dates.datetimeformat(value, fmt) == flask_babel.format_datetime(value, fmt)
                for fmt in ("short", "medium", "long", "full", "yyyy-MM-dd"):
                    assert dates.dateformat(value, fmt) == flask_babel.format_date(value, fmt)
                    assert dates.dateformat(value.date(), fmt) == flask_babel.format_date(value.date(), fmt)
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
                    assert dates.datetimeformat(value, "long") == flask_babel.format_datetime(value, "long")
                outputs[locale] = dates.datetimeformat(value, "long")
        assert outputs["en"] != outputs["zh_Hans"]
        from zoneinfo import ZoneInfo

        with flask_babel.force_locale("en"):
            flask_babel.get_timezone()
            g._flask_babel.babel_tzinfo = ZoneInfo("UTC")  # what a time zone selector would give
            assert dates.datetimeformat(value, "long") == flask_babel.format_datetime(value, "long")
            assert dates.datetimeformat(value, "long") != outputs["en"]  # 16:30 UTC, 00:30 in Shanghai
