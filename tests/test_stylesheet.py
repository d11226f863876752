"""The stylesheet is served without its comments and spaces (portal/web/stylesheet.py), at the
address the pages link to, and means the same as the source."""
from __future__ import annotations

import re

from portal.web.stylesheet import minify

from .conftest import ROOT


def test_minify_keeps_what_css_needs():
    css = """/* a comment */
.mode-contrast :focus-visible { outline: 4px solid #c2410c; }
.prefs { padding-inline: max(1rem, calc((100% - 60rem) / 2 + 1rem)); }
a:hover , b > c { color : red ; }
"""
    out = minify(css)
    assert "comment" not in out
    assert ".mode-contrast :focus-visible{" in out  # a descendant selector keeps its space
    assert "calc((100% - 60rem) / 2 + 1rem)" in out  # calc() keeps the spaces around + and -
    assert "a:hover,b>c{color :red}" in out


def test_served_stylesheet_is_the_minified_source(app):
    source = (ROOT / "static" / "css" / "portal.css").read_text(encoding="utf-8")
    client = app.test_client()
    page = client.get("/?lang=en").get_data(as_text=True)
    (href,) = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page)
    response = client.get(href)
    assert response.status_code == 200 and response.mimetype == "text/css"
    body = response.get_data(as_text=True)
    assert body == minify(source) and len(body) < 0.85 * len(source)
    # Every rule of the source is still there: the same selectors, in the same order.
    def selectors(text):
        return [s.strip() for s in re.findall(r"([^{}]+)\{", re.sub(r"/\*.*?\*/", "", text, flags=re.S))]
    assert [re.sub(r"\s+", " ", s).replace(" ,", ",").replace(", ", ",").replace(" > ", ">").replace(": ", ":")
            for s in selectors(source)] == selectors(body)
    again = client.get(href, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    assert "max-age=604800" in response.headers["Cache-Control"]
