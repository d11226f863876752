"""Upload use cases: photos and voice recordings, stored safely.

- The type is decided by the CONTENT only (magic bytes, Pillow's decoder limited
  to JPEG/PNG/WebP), never by the file name or the client's content type.
- Sizes are capped before anything is decoded; pictures are also capped in pixels
  (24 MP for a JPEG, 12 MP for a PNG or WebP, 12000 px a side) from their header, before decoding, and moving pictures
  are refused: the pixels decoded bound each upload's CPU time and memory (process_image).
- Pictures are decoded (a JPEG at reduced size), reduced to at most 1600 px, turned
  upright (EXIF orientation) and re-encoded from bare pixels: no EXIF (GPS!), XMP,
  ICC or text chunks survive.
- Recordings are sniffed by the same table, then decoded and re-encoded by opusenc
  (portal/uploads/recordings.py): what is stored is always an Ogg Opus file the portal
  wrote, at most 5 minutes long; phone formats (M4A, 3GP, AMR, WebM, MP3, FLAC) are decoded by
  PyAV in a limited child process (decode_audio.py), what does not decode is refused.
- Files live under the upload root as "<community_id>/<sha[:2]>/<sha>.<ext>",
  written atomically (storage.write_file: temp file + os.replace); the same bytes in one
  community are stored once. Each photo gets its thumbnails next to it (thumbnails.py).
- Each save records `attachment.added` in the community's audit chain, in the
  caller's transaction (flush here, the view commits). Only kind, sha256 and
  size go into the chain, never the user-supplied file name.

A file written for a transaction that is later rolled back stays on disk with
no row pointing at it; it is harmless (content-addressed, never served without
a row) and a clean-up job may remove files no row refers to.
"""
from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import unicodedata
import warnings
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from urllib.parse import quote

from flask import abort, current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps
from sqlalchemy import select

from ..audit import chain as audit
from ..extensions import db
from ..web.errors import PortalError
from .recordings import DEFAULT_MAX_SECONDS, reencode
from .errors import UploadRejected, UploadTooLarge
from .models import Attachment
from .storage import upload_root, write_file
from .thumbnails import make as make_thumbnails

log = logging.getLogger(__name__)

MB = 1024 * 1024
DEFAULT_IMAGE_MAX_BYTES = 8 * MB
DEFAULT_AUDIO_MAX_BYTES = 10 * MB
DEFAULT_IMAGE_MAX_PIXELS = 24_000_000  # a 24 MP phone photo (6000 x 4000) passes; 40 MP and more do not
DEFAULT_IMAGE_MAX_FULL_PIXELS = 12_000_000  # PNG and WebP, which are decoded in full
DEFAULT_IMAGE_MAX_EDGE = 12_000  # pixels on the longer side (a panorama of 12000 x 2000 passes)
DEFAULT_IMAGE_MAX_SIDE = 1600  # pixels on the longer side of what is stored
# Pillow's own guard, for any code of the portal that opens a picture: a warning above this, an
# error (DecompressionBombError) above twice this. The uploads check their own caps first.
Image.MAX_IMAGE_PIXELS = DEFAULT_IMAGE_MAX_PIXELS

# Pillow format name -> (content type, extension). MPO is the multi-picture JPEG
# some phone cameras write; it is read as a JPEG and stored as a plain JPEG.
IMAGE_TYPES = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}
_PILLOW_FORMATS = ["JPEG", "PNG", "WEBP"]

# Canonical content type -> extension of every recording container we accept.
AUDIO_TYPES = {
    "audio/ogg": "ogg",
    "audio/webm": "webm",
    "audio/mp4": "m4a",
    "audio/3gpp": "3gp",
    "audio/3gpp2": "3g2",
    "audio/wav": "wav",
    "audio/mpeg": "mp3",
    "audio/amr": "amr",
    "audio/amr-wb": "awb",
    "audio/aac": "aac",
    "audio/flac": "flac",
}

# Only these are ever served `inline`; anything else is a download.
INLINE_TYPES = frozenset([ct for ct, _ in IMAGE_TYPES.values()] + list(AUDIO_TYPES))
_EXT_BY_TYPE = {**{ct: ext for ct, ext in IMAGE_TYPES.values()}, **AUDIO_TYPES}

# ISO base media (MP4) major brands that phones and browsers use for sound.
_MP4_BRANDS = {b"M4A ", b"M4B ", b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6",
               b"mp41", b"mp42", b"qt  "}

OWNER_TYPE_RE = re.compile(r"^[a-z][a-z0-9_]{0,29}$")

MSG_IMAGE_TYPE = _l("Photos must be JPEG, PNG or WebP pictures.")
MSG_IMAGE_BROKEN = _l("The photo could not be read: the file is damaged or incomplete. "
                      "Please take or choose the photo again.")
MSG_IMAGE_ANIMATED = _l("Moving pictures (animated PNG or WebP) cannot be attached. Please send a still photo.")
MSG_AUDIO_TYPE = _l("The recording must be a sound file (for example from your phone's recorder).")
MSG_EMPTY = _l("The chosen file is empty. Please choose it again.")


# --- configuration ----------------------------------------------------------

def _config(name: str, default: int) -> int:
    value = current_app.config.get(name)
    return int(value) if value else default


# --- names ------------------------------------------------------------------

_UNSAFE_CHARS = re.compile(r'[<>:"|?*]')
_SPACES = re.compile(r"\s+")
MAX_NAME = 120


def safe_filename_for_display(name) -> str:
    """A file name fit to show and to offer as a download name.

    Keeps Chinese and other letters; drops any path (both / and \\), control
    and format characters (including bidi overrides that disguise extensions),
    characters Windows forbids in names, leading dots; at most 120 characters,
    shortening the stem rather than the extension. May return "".
    """
    if not name:
        return ""
    name = unicodedata.normalize("NFC", str(name))
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C"
                   and unicodedata.category(ch) not in ("Zl", "Zp"))
    name = _UNSAFE_CHARS.sub("_", name)
    name = _SPACES.sub(" ", name).strip().lstrip(". ").rstrip(" .")
    if len(name) > MAX_NAME:
        stem, dot, ext = name.rpartition(".")
        if dot and stem and 0 < len(ext) <= 10:
            name = stem[:MAX_NAME - len(ext) - 1].rstrip(" .") + "." + ext
        else:
            name = name[:MAX_NAME].rstrip(" .")
    return name


def download_name(attachment: Attachment) -> str:
    """The original name's stem with the extension of what is really stored."""
    ext = _EXT_BY_TYPE.get(attachment.content_type, "bin")
    stem = attachment.original_name or ""
    if "." in stem:
        stem = stem.rsplit(".", 1)[0]
    stem = stem.strip(" .")
    if not stem:
        stem = f"{'photo' if attachment.kind == 'image' else 'recording'}-{attachment.id}"
    return f"{stem}.{ext}"


def content_disposition(attachment: Attachment) -> str:
    """Content-Disposition header value: `inline` only for the picture and sound
    types we store, with an ASCII fallback name and an RFC 5987 `filename*` so
    Chinese names download correctly."""
    disposition = "inline" if attachment.content_type in INLINE_TYPES else "attachment"
    name = download_name(attachment)
    ext = name.rsplit(".", 1)[-1]
    fallback_stem = re.sub(r"[^A-Za-z0-9._-]+", "_", name.rsplit(".", 1)[0]).strip("._")
    if not fallback_stem.strip("_"):
        fallback_stem = f"{'photo' if attachment.kind == 'image' else 'recording'}-{attachment.id}"
    fallback = f"{fallback_stem}.{ext}"
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


# --- reading the upload -----------------------------------------------------

def _read_capped(file_storage, cap: int, too_large) -> tuple[str, bytes] | None:
    """(file name, bytes), None if nothing was chosen. Refuses a file over `cap`
    without reading it whole when the stream can tell its size."""
    if file_storage is None:
        return None
    filename = getattr(file_storage, "filename", "") or ""
    stream = getattr(file_storage, "stream", file_storage)
    with suppress(AttributeError, OSError, ValueError):
        if stream.seekable():
            stream.seek(0, os.SEEK_END)
            size = stream.tell()
            stream.seek(0)
            if size > cap:
                raise too_large
    data = stream.read(cap + 1)
    if len(data) > cap:
        raise too_large
    if not data:
        if not filename:
            return None
        raise UploadRejected(MSG_EMPTY)
    return filename, bytes(data)


# --- pictures ---------------------------------------------------------------

@dataclass
class ProcessedImage:
    data: bytes
    content_type: str
    ext: str
    width: int
    height: int
    picture: Image.Image | None = None  # the stored picture, decoded: its thumbnails are made from it


def _looks_like_image(head: bytes) -> bool:
    return sniff(head, "image") is not None


def _has_alpha(img: Image.Image) -> bool:
    return img.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in img.info


def _cap_for(img: Image.Image, max_pixels: int, max_full_pixels: int) -> int:
    """A JPEG decodes at reduced size (draft); a PNG or WebP only in full, so its cap is lower."""
    return max_pixels if img.format in ("JPEG", "MPO") else min(max_pixels, max_full_pixels)


def _open(data: bytes, max_pixels: int, max_edge: int, max_full_pixels: int) -> Image.Image:
    """The picture with only its header read (Image.open is lazy): size and frames are checked
    here, before a single pixel is decoded. Pillow's own bomb warning (above MAX_IMAGE_PIXELS)
    is a refusal too."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        img = Image.open(io.BytesIO(data), formats=_PILLOW_FORMATS)
    width, height = img.size
    if width < 1 or height < 1:
        raise UploadRejected(MSG_IMAGE_BROKEN)
    cap = _cap_for(img, max_pixels, max_full_pixels)
    if width * height > cap or max(width, height) > max_edge:
        raise _too_many_pixels(cap, max_edge)
    # MPO (a phone camera's JPEG with a second, smaller picture) is read as its first JPEG;
    # a moving picture (APNG, animated WebP) is refused: only still photos are kept.
    if img.format != "MPO" and getattr(img, "n_frames", 1) > 1:
        raise UploadRejected(MSG_IMAGE_ANIMATED)
    return img


def _too_many_pixels(max_pixels: int, max_edge: int) -> UploadRejected:
    return UploadRejected(_l("The photo has too many pixels (at most %(mp)d megapixels, and at most %(edge)d "
                             "pixels on its longer side). Please send a smaller photo.",
                             mp=max_pixels // 1_000_000, edge=max_edge))


# EXIF orientation -> the transposition that makes the picture upright (as ImageOps.exif_transpose).
_UPRIGHT = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
            4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
            6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE, 8: Image.Transpose.ROTATE_90}


def _orientation(img: Image.Image) -> int | None:
    try:
        return img.getexif().get(0x0112)
    except Exception:  # a broken EXIF block: keep the picture as it is
        return None


def _shrink(img: Image.Image, target: str, max_side: int) -> Image.Image:
    """`img` (decoded) in mode `target`, at most `max_side` a side, never enlarged. Whatever can be
    resampled in its own mode is shrunk first and converted after, so the full-size picture is
    never copied: greyscale and 1-bit stay 1 byte a pixel, a palette picture is first thinned out
    (nearest, to the whole multiple of the target just above it) and only then turned into colours;
    then a box reduction by that whole factor, and Lanczos for the rest."""
    if img.mode == "1":
        img = img.convert("L")
    if img.mode == "P":
        factor = max(img.size) // max_side
        if factor > 1:
            img = img.resize((max(1, img.width // factor), max(1, img.height // factor)),
                             Image.Resampling.NEAREST)
        img = img.convert(target)
    if img.mode not in ("L", "LA", "RGB", "RGBA"):
        img = img.convert(target)  # 16-bit, CMYK (JPEG), ...: rare, still within the pixel cap
    img.thumbnail((max_side, max_side), Image.Resampling.LANCZOS, reducing_gap=1.0)
    if img.mode != target:
        if target == "RGB" and img.mode in ("LA", "RGBA"):  # a JPEG cannot be transparent: on white
            flat = Image.new("RGB", img.size, (255, 255, 255))
            flat.paste(img.convert("RGBA"), mask=img.convert("RGBA").getchannel("A"))
            img = flat
        else:
            img = img.convert(target)
    return img


def process_image(data: bytes, max_pixels: int = DEFAULT_IMAGE_MAX_PIXELS,
                  max_side: int = DEFAULT_IMAGE_MAX_SIDE,
                  max_edge: int = DEFAULT_IMAGE_MAX_EDGE,
                  max_full_pixels: int = DEFAULT_IMAGE_MAX_FULL_PIXELS) -> ProcessedImage:
    """Check, decode, shrink, turn upright and re-encode a picture (no metadata).

    What one upload may cost is bounded by the pixels decoded, checked from the header first:
    a JPEG is decoded at 1/2, 1/4 or 1/8 of its size when the stored picture is smaller
    (`draft`), so a 24-megapixel phone photo decodes ~6 megapixels; a PNG or WebP (no reduced
    decoding) at most `max_full_pixels` (12 MP: far above a phone's screenshot). Everything after the decoding works on the shrunk picture."""
    if not _looks_like_image(data[:16]):
        raise UploadRejected(MSG_IMAGE_TYPE)
    try:
        probe = _open(data, max_pixels, max_edge, max_full_pixels)
        fmt = "JPEG" if probe.format in ("JPEG", "MPO") else probe.format
        if fmt not in IMAGE_TYPES:
            raise UploadRejected(MSG_IMAGE_TYPE)
        probe.verify()  # chunk checksums, no decoding
        img = _open(data, max_pixels, max_edge, max_full_pixels)  # verify() leaves the image unusable: reopen
        if fmt == "JPEG":
            # Let the JPEG decoder scale down by 1/2, 1/4, 1/8 while decoding.
            img.draft("RGB", (max_side, max_side))
        img.load()
        orientation = _orientation(img)
        target = "RGBA" if fmt != "JPEG" and _has_alpha(img) else "RGB"
        img = _shrink(img, target, max_side)
        if orientation in _UPRIGHT:
            img = img.transpose(_UPRIGHT[orientation])
        # A brand-new image from bare pixels: nothing of the original's
        # metadata (EXIF, GPS, XMP, ICC, text chunks, comments) can come along.
        clean = Image.frombytes(img.mode, img.size, img.tobytes())
        out = io.BytesIO()
        if fmt == "JPEG":
            clean.save(out, "JPEG", quality=85, progressive=True, optimize=True)
        elif fmt == "PNG":
            clean.save(out, "PNG", optimize=True)
        else:
            clean.save(out, "WEBP", quality=80)
    except PortalError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning, MemoryError):
        jpeg = sniff(data[:16], "image") == "image/jpeg"
        raise _too_many_pixels(max_pixels if jpeg else min(max_pixels, max_full_pixels), max_edge) from None
    except Exception as exc:  # any decoder complaint: truncated, corrupt, unsupported variant
        log.info("Refused a picture that could not be decoded: %r", exc)
        raise UploadRejected(MSG_IMAGE_BROKEN) from None
    content_type, ext = IMAGE_TYPES[fmt]
    return ProcessedImage(out.getvalue(), content_type, ext, clean.width, clean.height, clean)


# --- recordings -------------------------------------------------------------

def sniff_audio(head: bytes) -> str | None:
    """The canonical content type of a recording, from its first bytes; None if
    it is not a sound container we accept."""
    return sniff(head, "audio")


def _ftyp_box_size_bad(head: bytes) -> bool:
    box_size = int.from_bytes(head[:4], "big")
    return len(head) >= 12 and box_size not in (0, 1) and box_size < 16  # 0: to the end, 1: 64-bit size follows


def _whole_ftyp(head: bytes) -> bool:
    return len(head) >= 12


def _id3(head: bytes) -> bool:
    return len(head) >= 10 and head[3] < 0xFF and head[4] < 0xFF


def _adts(head: bytes) -> bool:
    return len(head) >= 3 and head[1] & 0xF6 == 0xF0  # 12-bit sync, layer 00


def _mpeg_frame(head: bytes) -> bool:
    if len(head) < 3:
        return False
    b1 = head[1]
    version, layer = (b1 >> 3) & 3, (b1 >> 1) & 3
    bitrate, rate = head[2] >> 4, (head[2] >> 2) & 3
    return b1 & 0xE0 == 0xE0 and version != 1 and layer != 0 and bitrate != 15 and rate != 3


# The signatures of every file kind we accept, in the order they are tried: (kind, content type,
# ((offset, (bytes, ...)), ...): each offset must start with one of its byte strings, test: a further
# check of the head or None). The first row that matches decides; a row without a content type
# refuses (an MP4 box that is no sound we know must not be taken for something else).
SIGNATURES: list[tuple[str, str | None, tuple, Callable[[bytes], bool] | None]] = [
    ("image", "image/jpeg", ((0, (b"\xff\xd8\xff",)),), None),
    ("image", "image/png", ((0, (b"\x89PNG\r\n\x1a\n",)),), None),
    ("image", "image/webp", ((0, (b"RIFF",)), (8, (b"WEBP",))), None),
    ("audio", "audio/ogg", ((0, (b"OggS",)),), None),
    ("audio", "audio/webm", ((0, (b"\x1a\x45\xdf\xa3",)),), None),
    ("audio", None, ((4, (b"ftyp",)),), _ftyp_box_size_bad),
    ("audio", "audio/mp4", ((4, (b"ftyp",)), (8, tuple(sorted(_MP4_BRANDS)))), _whole_ftyp),
    ("audio", "audio/3gpp2", ((4, (b"ftyp",)), (8, (b"3g2",))), _whole_ftyp),
    ("audio", "audio/3gpp", ((4, (b"ftyp",)), (8, (b"3g",))), _whole_ftyp),
    ("audio", None, ((4, (b"ftyp",)),), _whole_ftyp),
    ("audio", "audio/wav", ((0, (b"RIFF", b"RF64")), (8, (b"WAVE",))), None),
    ("audio", "audio/amr-wb", ((0, (b"#!AMR-WB\n",)),), None),
    ("audio", "audio/amr", ((0, (b"#!AMR\n",)),), None),
    ("audio", "audio/flac", ((0, (b"fLaC",)),), None),
    ("audio", "audio/mpeg", ((0, (b"ID3",)),), _id3),
    ("audio", "audio/aac", ((0, (b"\xff",)),), _adts),
    ("audio", "audio/mpeg", ((0, (b"\xff",)),), _mpeg_frame),
]


def sniff(head: bytes, kind: str) -> str | None:
    """The content type of a file of `kind` ("image", "audio") from its first bytes, by the
    first row of SIGNATURES that matches; None if it is none we accept."""
    for row_kind, content_type, prefixes, test in SIGNATURES:
        if row_kind != kind:
            continue
        if all(any(head.startswith(p, offset) for p in options) for offset, options in prefixes) \
                and (test is None or test(head)):
            return content_type
    return None


# --- storing ----------------------------------------------------------------

def _store(community_id: int, sha: str, ext: str, data: bytes) -> str:
    key = f"{community_id}/{sha[:2]}/{sha}.{ext}"
    write_file(key, data)  # the same bytes in this community are stored once
    return key


def _check_owner(owner_type: str, owner_id: int) -> None:
    if not isinstance(owner_type, str) or not OWNER_TYPE_RE.match(owner_type):
        raise ValueError(f"bad owner_type {owner_type!r}")
    if not isinstance(owner_id, int) or isinstance(owner_id, bool) or owner_id < 1:
        raise ValueError(f"bad owner_id {owner_id!r}")


def _add(community, actor, kind: str, owner_type: str, owner_id: int, filename: str, data: bytes,
         content_type: str, ext: str, width: int | None, height: int | None,
         actor_role: str) -> Attachment:
    sha = hashlib.sha256(data).hexdigest()
    key = _store(community.id, sha, ext, data)
    attachment = Attachment(
        community_id=community.id, owner_type=owner_type, owner_id=owner_id, kind=kind,
        original_name=safe_filename_for_display(filename), content_type=content_type,
        size_bytes=len(data), sha256=sha, storage_key=key, width=width, height=height,
        created_by_id=actor.id,
    )
    db.session.add(attachment)
    db.session.flush()
    audit.record(community, "attachment.added", attachment,
                 {"owner": [owner_type, owner_id], "kind": kind, "sha256": sha, "size": len(data)},
                 actor_role=actor_role, actor=actor)
    return attachment


def save_image(community, file_storage, owner_type: str, owner_id: int, *,
               actor_role: str = "resident", field: str | None = None, actor) -> Attachment | None:
    """See _save_image; `field` names the form field a refusal is about."""
    try:
        return _save_image(community, actor, file_storage, owner_type, owner_id, actor_role)
    except UploadRejected as exc:
        exc.field = exc.field or field
        raise


def _save_image(community, actor, file_storage, owner_type: str, owner_id: int,
               actor_role: str) -> Attachment | None:
    """Check, clean and store a photo for (owner_type, owner_id) in `community`.

    Returns None when no file was chosen; raises UploadRejected (400) or
    UploadTooLarge (413) with a message for the person otherwise.
    """
    _check_owner(owner_type, owner_id)
    cap = _config("UPLOAD_IMAGE_MAX_BYTES", DEFAULT_IMAGE_MAX_BYTES)
    got = _read_capped(file_storage, cap,
                       UploadTooLarge(_l("The photo is larger than %(mb)d MB.", mb=max(1, cap // MB))))
    if got is None:
        return None
    filename, raw = got
    image = process_image(raw, _config("UPLOAD_IMAGE_MAX_PIXELS", DEFAULT_IMAGE_MAX_PIXELS),
                          _config("UPLOAD_IMAGE_MAX_SIDE", DEFAULT_IMAGE_MAX_SIDE),
                          _config("UPLOAD_IMAGE_MAX_EDGE", DEFAULT_IMAGE_MAX_EDGE),
                          _config("UPLOAD_IMAGE_MAX_FULL_PIXELS", DEFAULT_IMAGE_MAX_FULL_PIXELS))
    attachment = _add(community, actor, "image", owner_type, owner_id, filename, image.data,
                      image.content_type, image.ext, image.width, image.height, actor_role)
    make_thumbnails(attachment.storage_key, attachment.sha256, attachment.content_type, image.picture)
    return attachment


def save_audio(community, file_storage, owner_type: str, owner_id: int, *,
               actor_role: str = "resident", field: str | None = None, actor) -> Attachment | None:
    """See _save_audio; `field` names the form field a refusal is about."""
    try:
        return _save_audio(community, actor, file_storage, owner_type, owner_id, actor_role)
    except UploadRejected as exc:
        exc.field = exc.field or field
        raise


def _save_audio(community, actor, file_storage, owner_type: str, owner_id: int,
               actor_role: str) -> Attachment | None:
    """Check, re-encode (recordings.reencode()) and store a voice recording for (owner_type, owner_id).

    Returns None when no file was chosen; raises UploadRejected (400) or
    UploadTooLarge (413) with a message for the person otherwise.
    """
    _check_owner(owner_type, owner_id)
    cap = _config("UPLOAD_AUDIO_MAX_BYTES", DEFAULT_AUDIO_MAX_BYTES)
    got = _read_capped(file_storage, cap,
                       UploadTooLarge(_l("The recording is larger than %(mb)d MB.", mb=max(1, cap // MB))))
    if got is None:
        return None
    filename, raw = got
    content_type = sniff_audio(raw[:64])
    if content_type is None:
        raise UploadRejected(MSG_AUDIO_TYPE)
    data = reencode(raw, content_type, _config("UPLOAD_AUDIO_MAX_SECONDS", DEFAULT_MAX_SECONDS))
    return _add(community, actor, "audio", owner_type, owner_id, filename, data,
                "audio/ogg", AUDIO_TYPES["audio/ogg"], None, None, actor_role)


# --- reading back -----------------------------------------------------------

def attachments_for(community, owner_type: str, owner_ids) -> dict[int, list[Attachment]]:
    """Every attachment of many owners in ONE query: {owner_id: [Attachment, ...]}
    (oldest first; every requested id is a key, possibly with an empty list)."""
    ids = sorted({int(i) for i in owner_ids})
    result: dict[int, list[Attachment]] = {i: [] for i in ids}
    if not ids:
        return result
    rows = db.session.execute(
        select(Attachment).where(Attachment.community_id == community.id,
                                 Attachment.owner_type == owner_type,
                                 Attachment.owner_id.in_(ids))
        .order_by(Attachment.owner_id, Attachment.id)
    ).scalars()
    for attachment in rows:
        result[attachment.owner_id].append(attachment)
    return result


def open_attachment(community, attachment_id: int) -> tuple[Attachment, str]:
    """(Attachment, absolute path of its file) within `community` only: an id of
    another community, or a file that is gone, is a 404."""
    attachment = db.session.execute(
        select(Attachment).where(Attachment.id == attachment_id, Attachment.community_id == community.id)
    ).scalar_one_or_none()
    if attachment is None:
        abort(404)
    root = upload_root().resolve()
    path = (root / attachment.storage_key).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        current_app.logger.warning("Attachment %s: file %s is missing", attachment.id, attachment.storage_key)
        abort(404)
    return attachment, str(path)


def save_form_files(community, photos, voice, owner_type: str, owner_id: int, *, max_photos: int,
                    actor) -> None:
    """The photos and the voice recording of a submitted form (a matter's report, a mediation
    request), each refusal at its field: `photos` the photos field's data, `voice` the voice field's."""
    chosen = [f for f in (photos or []) if f and f.filename]
    if len(chosen) > max_photos:
        raise PortalError(_l("At most %(num)d photos.", num=max_photos), field="photos")
    for f in chosen:
        save_image(community, f, owner_type, owner_id, field="photos", actor=actor)
    if voice and getattr(voice, "filename", ""):
        save_audio(community, voice, owner_type, owner_id, field="voice", actor=actor)
