"""Small copies of stored photos, for pages that show them (docs/architecture.md, "Uploads").

A page shows a photo as a thumbnail (`<img srcset>` of the widths below, the full photo one tap
away), never the 1600 px picture itself: a phone fetches ~30 KB instead of ~300 KB and the page's
main action stays on the first screen.

- Made from the STORED picture, which is already upright and has no metadata (services.process_image):
  the thumbnails carry no EXIF either, and each costs decoding at most 1600 × 1600 pixels.
- Each width narrower than the photo: `THUMB_WIDTHS` (320 and 640 px), the height in proportion
  (`variants()`, the same numbers the page writes in its width and height attributes). A JPEG photo
  gets JPEG thumbnails, a PNG or WebP one WebP thumbnails (which keep transparency, and are far
  smaller than PNG).
- Stored next to the photo as "<community_id>/<sha[:2]>/<sha>-w<width>.<ext>": derived from the
  photo's hash, so no column records them and identical photos share them.
- Made when the photo is uploaded (services._add), and for a photo uploaded before thumbnails
  existed — or whose thumbnail was lost from disk — on the first request for it (`thumbnail_path`),
  not by a migration: migrations run where the database is, and the files may be elsewhere or
  restored separately.
"""
from __future__ import annotations

import io
from pathlib import Path

from flask import current_app
from PIL import Image

from .storage import upload_root, write_file

THUMB_WIDTHS = (320, 640)
_THUMB_TYPES = {"image/jpeg": ("JPEG", "jpg", "image/jpeg")}
_WEBP = ("WEBP", "webp", "image/webp")


def widths() -> tuple[int, ...]:
    return tuple(current_app.config.get("UPLOAD_THUMB_WIDTHS") or THUMB_WIDTHS)


def variants(width: int | None, height: int | None) -> list[tuple[int, int]]:
    """(width, height) of each thumbnail of a photo of this size: the widths narrower than it."""
    if not width or not height:
        return []
    return [(w, max(1, round(height * w / width))) for w in widths() if w < width]


def thumb_type(content_type: str) -> tuple[str, str, str]:
    """(Pillow format, extension, content type) of the thumbnails of a photo of `content_type`."""
    return _THUMB_TYPES.get(content_type, _WEBP)


def thumb_key(storage_key: str, sha: str, content_type: str, width: int) -> str:
    folder = storage_key.rsplit("/", 1)[0]
    return f"{folder}/{sha}-w{width}.{thumb_type(content_type)[1]}"


def encode(img: Image.Image, size: tuple[int, int], content_type: str) -> bytes:
    fmt = thumb_type(content_type)[0]
    small = img.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)
    if fmt == "JPEG" and small.mode != "RGB":
        small = small.convert("RGB")
    # Bare pixels again: nothing but the picture goes into the file.
    clean = Image.frombytes(small.mode, small.size, small.tobytes())
    out = io.BytesIO()
    if fmt == "JPEG":
        clean.save(out, "JPEG", quality=80, progressive=True, optimize=True)
    else:
        clean.save(out, "WEBP", quality=78, method=4)
    return out.getvalue()


def make(storage_key: str, sha: str, content_type: str, img: Image.Image) -> list[str]:
    """Write every thumbnail of the stored photo `img`; their keys."""
    keys = []
    for size in variants(img.width, img.height):
        key = thumb_key(storage_key, sha, content_type, size[0])
        write_file(key, encode(img, size, content_type))
        keys.append(key)
    return keys


def thumbnail_path(attachment, width: int) -> Path | None:
    """The file of the attachment's thumbnail `width` px wide, made now if it is missing; None if the
    photo has no thumbnail of that width (not a photo, not a width we make, or narrower than it)."""
    if attachment.kind != "image":
        return None
    size = dict(variants(attachment.width, attachment.height)).get(width)
    if size is None:
        return None
    root = upload_root().resolve()
    path = (root / thumb_key(attachment.storage_key, attachment.sha256, attachment.content_type, width)).resolve()
    if not path.is_relative_to(root):
        return None
    if path.is_file():
        return path
    source = (root / attachment.storage_key).resolve()
    if not source.is_relative_to(root) or not source.is_file():
        return None
    with Image.open(source) as img:
        img.load()
        # The stored picture is the one we wrote; its size is the attachment's unless the file changed.
        if img.size != (attachment.width, attachment.height):
            return None
        write_file(thumb_key(attachment.storage_key, attachment.sha256, attachment.content_type, width),
                   encode(img, (width, size), attachment.content_type))
    return path
