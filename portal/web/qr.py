"""The portal's one QR code: an inline SVG of a link the portal made itself (printed notices and
login cards), so the template may place it as markup. No image request, works on paper."""
from __future__ import annotations

import segno
from markupsafe import Markup


def qr_svg(link: str, title: str | None = None) -> Markup:
    code = segno.make(link, error="m")
    options = dict(scale=4, border=2, dark="#000", light="#fff", omitsize=False, svgclass="qr")
    if title:
        options["title"] = title
    return Markup(code.svg_inline(**options))
