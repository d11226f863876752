"""Plain text for display: escaped, line breaks kept, web links made clickable safely."""
from __future__ import annotations

import re

from markupsafe import Markup, escape

_URL_RE = re.compile(r"https?://[^\s<>\"'\u3000-\u303f\uff00-\uffef]{1,300}", re.IGNORECASE)
_TRAILING = ".,;:!?)]}'\""


def plaintext(value: str | None) -> Markup:
    """Escape everything, then add <a> for http(s) links and <br> for line breaks."""
    if not value:
        return Markup("")
    out = []
    pos = 0
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    for m in _URL_RE.finditer(text):
        url = m.group(0)
        trail = ""
        while url and url[-1] in _TRAILING:
            trail = url[-1] + trail
            url = url[:-1]
        out.append(escape(text[pos:m.start()]))
        out.append(Markup('<a href="{0}" rel="nofollow ugc noopener noreferrer">{0}</a>').format(url))
        out.append(escape(trail))
        pos = m.end()
    out.append(escape(text[pos:]))
    html = Markup("").join(out)
    return Markup(str(html).replace("\n", "<br>\n"))
