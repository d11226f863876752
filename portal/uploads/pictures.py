"""What a page needs to show a stored photo as a thumbnail (templates/_macros/uploads.html)."""
from __future__ import annotations

from dataclasses import dataclass

from flask import url_for

from .thumbnails import variants


@dataclass(frozen=True, slots=True)
class PhotoSources:
    full: str  # the photo itself: where a tap on the thumbnail goes
    src: str  # the smallest copy
    srcset: str  # every copy with its width, the photo itself last
    width: int  # of the smallest copy: the page reserves the photo's shape before it loads
    height: int


def photo_sources(attachment) -> PhotoSources:
    full = url_for("files.get", attachment_id=attachment.id)
    sizes = variants(attachment.width, attachment.height)
    if not sizes:  # a photo no wider than the smallest thumbnail is its own thumbnail
        w, h = attachment.width or 320, attachment.height or 240
        return PhotoSources(full, full, f"{full} {w}w", w, h)
    urls = [(url_for("files.thumbnail", attachment_id=attachment.id, width=w), w) for w, _h in sizes]
    srcset = ", ".join(f"{u} {w}w" for u, w in urls) + f", {full} {attachment.width}w"
    return PhotoSources(full, urls[0][0], srcset, sizes[0][0], sizes[0][1])
