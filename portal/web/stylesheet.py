"""The stylesheet as browsers get it: static/css/portal.css without its comments and spaces
(docs/architecture.md, "Display modes and languages"). The source keeps its comments for the
people who maintain it; a cheap phone on a weak signal gets about a fifth less to fetch, and every
page, stylesheet included, stays within 60 KB (tests/browser/test_pages.py weighs what is served).

It is served at the same address as the file would be (`url_for("static", filename="css/portal.css")`,
versioned by `ASSET_VERSION`): a rule without converters wins over the static route's."""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_SPACE = re.compile(r"\s+")
# Spaces around these never matter in CSS. Not ":" (".a :focus" is a descendant selector) and not
# "+" or "-" (calc() needs the spaces around them).
_AROUND = re.compile(r"\s*([{};,>])\s*")
_AFTER_COLON = re.compile(r":\s+")  # "color: red" and "a: hover" alike lose nothing


def minify(css: str) -> str:
    """Comments and spaces out; strings in the sheet must not hold runs of spaces (ours hold none)."""
    css = _COMMENT.sub("", css)
    css = _SPACE.sub(" ", css)
    css = _AROUND.sub(r"\1", css)
    css = _AFTER_COLON.sub(":", css)
    return css.replace(";}", "}").strip()


def init_app(app, source: Path) -> None:
    from flask import make_response, request

    built: dict[str, tuple[bytes, str]] = {}

    def stylesheet():
        if "css" not in built:
            body = minify(source.read_text(encoding="utf-8")).encode("utf-8")
            built["css"] = (body, hashlib.sha256(body).hexdigest()[:16])
        body, etag = built["css"]
        response = make_response(body)
        response.mimetype = "text/css"
        response.set_etag(etag)
        response.cache_control.public = True
        response.cache_control.max_age = app.config["SEND_FILE_MAX_AGE_DEFAULT"]
        return response.make_conditional(request)

    app.add_url_rule("/static/css/portal.css", "stylesheet", stylesheet, methods=["GET"])
