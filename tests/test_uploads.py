"""The upload handler: pictures cleaned and re-encoded, recordings sniffed by
content, files stored once and atomically, community scoping, audit chain."""
from __future__ import annotations

import hashlib
import io
import json
import struct
import subprocess
import sys
import zlib

import pytest
from flask_babel import force_locale
from PIL import ExifTags, Image, ImageCms
from PIL.PngImagePlugin import PngInfo
from sqlalchemy import event, func, select
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import NotFound

from portal import uploads
from portal.audit import verify_community
from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.uploads import UploadRejected, UploadTooLarge
from portal.uploads.models import Attachment
from portal.uploads.services import sniff_audio

from .support import recordings as rec
from .support.recordings import needs_opus


@pytest.fixture
def root(app, tmp_path):
    path = tmp_path / "uploads"
    app.config["UPLOAD_ROOT"] = str(path)
    return path


def fs(data: bytes, filename="photo.jpg", content_type="image/jpeg") -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=filename, content_type=content_type)


def picture(fmt="JPEG", size=(40, 20), mode="RGB", **save) -> bytes:
    """Left half red, right half blue, so orientation can be checked."""
    img = Image.new(mode, size, "red" if mode != "L" else 80)
    img.paste("blue" if mode != "L" else 200, (size[0] // 2, 0, size[0], size[1]))
    out = io.BytesIO()
    img.save(out, fmt, **save)
    return out.getvalue()


def gps_exif(orientation: int | None = None) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "SecretPhone"
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (39.0, 54.0, 27.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (116.0, 23.0, 30.0)
    return exif


def stored(root, attachment) -> bytes:
    return (root / attachment.storage_key).read_bytes()


def files_in(root) -> list:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def events(community, action="attachment.added"):
    return db.session.execute(
        select(AuditEvent).where(AuditEvent.community_id == community.id, AuditEvent.action == action)
        .order_by(AuditEvent.seq)
    ).scalars().all()


def save_image(world, data, filename="photo.jpg", owner=("proposal", 1), community=None, user="resa"):
    att = uploads.save_image(community or world.a, fs(data, filename), *owner, actor=world[user])
    db.session.commit()
    return att


def save_audio(world, data, filename="voice.ogg", owner=("proposal", 1), community=None, user="resa"):
    att = uploads.save_audio(community or world.a, fs(data, filename, "audio/ogg"), *owner, actor=world[user])
    db.session.commit()
    return att


def refused(exc_info, status=400):
    """The refusal's message, in English (the default locale is zh_Hans)."""
    assert exc_info.value.status == status
    with force_locale("en"):
        return str(exc_info.value.message)


# --- pictures ---------------------------------------------------------------

def test_jpeg_gps_and_all_metadata_removed_orientation_applied(world, root):
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    raw = picture("JPEG", (40, 20), exif=gps_exif(orientation=6), icc_profile=icc,
                  comment=b"secret-comment", xmp=b"<x:xmpmeta>secret-xmp</x:xmpmeta>")
    src = Image.open(io.BytesIO(raw))
    assert src.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the test file really has GPS
    assert b"Exif" in raw and b"secret-xmp" in raw

    att = save_image(world, raw, "村口的路.jpg")
    data = stored(root, att)
    assert att.kind == "image" and att.content_type == "image/jpeg"
    for marker in (b"Exif", b"SecretPhone", b"secret", b"ICC_PROFILE", b"http://ns.adobe.com/xap", b"xmpmeta"):
        assert marker not in data, marker
    img = Image.open(io.BytesIO(data))
    assert img.format == "JPEG" and img.mode == "RGB"
    assert not img.getexif()
    assert "icc_profile" not in img.info and "exif" not in img.info and "comment" not in img.info
    assert img.info.get("progressive") or img.info.get("progression")
    # Orientation 6: turned a quarter clockwise, the left (red) half is now on top.
    assert img.size == (20, 40) == (att.width, att.height)
    r, g, b = img.convert("RGB").getpixel((10, 5))
    assert r > 200 and b < 60
    r, g, b = img.convert("RGB").getpixel((10, 35))
    assert b > 200 and r < 60
    assert att.size_bytes == len(data)
    assert att.sha256 == hashlib.sha256(data).hexdigest()
    assert att.storage_key == f"{world.a.id}/{att.sha256[:2]}/{att.sha256}.jpg"
    assert att.original_name == "村口的路.jpg"


def test_png_text_chunks_and_exif_stripped(world, root):
    info = PngInfo()
    info.add_text("Comment", "secret-text")
    info.add_text("Author", "secret-author", zip=True)
    info.add_itxt("Description", "secret-itxt 秘密")
    raw = picture("PNG", (30, 30), pnginfo=info, exif=gps_exif())
    assert b"tEXt" in raw and b"eXIf" in raw
    att = save_image(world, raw, "plan.png")
    data = stored(root, att)
    assert att.content_type == "image/png"
    for marker in (b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"secret", b"iCCP"):
        assert marker not in data, marker
    img = Image.open(io.BytesIO(data))
    assert img.format == "PNG" and not img.getexif() and not getattr(img, "text", {})


def test_png_with_transparency_and_palette(world, root):
    img = Image.new("RGBA", (10, 10), (0, 255, 0, 0))
    out = io.BytesIO()
    img.convert("P").save(out, "PNG", transparency=0)
    att = save_image(world, out.getvalue(), "t.png")
    assert Image.open(io.BytesIO(stored(root, att))).mode in ("RGBA", "RGB")
    sixteen = io.BytesIO()
    Image.new("I;16", (8, 8), 40000).save(sixteen, "PNG")
    att = save_image(world, sixteen.getvalue(), "deep.png")
    assert Image.open(io.BytesIO(stored(root, att))).format == "PNG"


def test_webp_accepted_and_cleaned(world, root):
    raw = picture("WEBP", (50, 30), exif=gps_exif(), quality=90)
    att = save_image(world, raw, "x.webp")
    data = stored(root, att)
    assert att.content_type == "image/webp" and att.storage_key.endswith(".webp")
    assert b"EXIF" not in data and b"Exif" not in data and b"SecretPhone" not in data
    img = Image.open(io.BytesIO(data))
    assert img.format == "WEBP" and img.size == (50, 30)


def test_moving_pictures_refused(world, root):
    """Only still photos: an animated WebP or APNG is refused from its header (issue 19, finding 7)."""
    frames = [Image.new("RGB", (20, 20), c) for c in ("red", "green", "blue")]
    out = io.BytesIO()
    frames[0].save(out, "WEBP", save_all=True, append_images=frames[1:], duration=100, loop=0)
    with pytest.raises(UploadRejected) as exc:
        save_image(world, out.getvalue(), "anim.webp")
    assert refused(exc) == "Moving pictures (animated PNG or WebP) cannot be attached. Please send a still photo."
    out = io.BytesIO()
    frames[1].save(out, "PNG", save_all=True, append_images=[frames[2]], duration=100)  # APNG
    with pytest.raises(UploadRejected) as exc:
        save_image(world, out.getvalue(), "anim.png")
    assert "Moving pictures" in refused(exc)
    db.session.rollback()
    assert files_in(root) == [] and events(world.a) == []


def _hostile_png(size=(6300, 6300)) -> bytes:
    """The tester's picture: 6300 x 6300 pixels of one colour in ~5 KB."""
    out = io.BytesIO()
    Image.new("1", size, 0).save(out, "PNG", optimize=True)
    return out.getvalue()


def test_hostile_png_refused_from_its_header(app, world, root, monkeypatch):
    """40 megapixels in 5 KB took seconds to decode: now refused before any pixel is decoded
    (Pillow's load is never called), with a message in both languages."""
    data, strip = _hostile_png(), _hostile_png((12_001, 100))
    assert len(data) < 8_000
    decoded = []
    real_load = Image.Image.load
    monkeypatch.setattr(Image.Image, "load", lambda self: decoded.append(self.size) or real_load(self))
    from PIL import ImageFile
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: decoded.append(self.size) or real_load(self))
    with pytest.raises(UploadRejected) as exc:
        save_image(world, data, "bomb.png")
    assert refused(exc) == ("The photo has too many pixels (at most 12 megapixels, and at most 12000 pixels on "
                            "its longer side). Please send a smaller photo.")
    with force_locale("zh_Hans"):
        assert "像素" in str(exc.value.message) and "12" in str(exc.value.message)
    assert decoded == []
    # Too long a side, under the pixel cap: refused as well.
    with pytest.raises(UploadRejected):
        save_image(world, strip, "strip.png")
    assert decoded == []
    db.session.rollback()
    assert files_in(root) == [] and events(world.a) == []


def test_phone_photo_at_the_cap_is_kept(world, root):
    """A 24-megapixel phone photo (6000 x 4000 JPEG) and a 12000-pixel panorama still work; the
    JPEG is decoded at reduced size (draft) and stored at 1600 px. A PNG (decoded in full) has a
    cap of its own, 12 MP."""
    ramp = Image.linear_gradient("L").resize((6000, 4000))
    photo = Image.merge("RGB", (ramp, ramp.transpose(Image.Transpose.FLIP_TOP_BOTTOM), ramp))
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=90)
    att = save_image(world, out.getvalue(), "IMG_0001.jpg")
    assert (att.width, att.height) == (1600, 1067)
    assert Image.open(root / att.storage_key).size == (1600, 1067)
    pano = save_image(world, picture("JPEG", (12_000, 2_000)), "pano.jpg")
    assert (pano.width, pano.height) == (1600, 267)
    at_cap = save_image(world, _hostile_png((3_464, 3_464)), "cap.png")  # a PNG just under its 12 MP
    assert (at_cap.width, at_cap.height) == (1600, 1600)
    with pytest.raises(UploadRejected) as exc:  # a JPEG over its 24 MP
        save_image(world, picture("JPEG", (6_000, 4_001)), "big.jpg")
    assert "at most 24 megapixels" in refused(exc)


def test_big_picture_scaled_down_to_1600(world, root):
    att = save_image(world, picture("JPEG", (4000, 1000), quality=70), "wide.jpg")
    assert (att.width, att.height) == (1600, 400)
    assert Image.open(root / att.storage_key).size == (1600, 400)
    att = save_image(world, picture("PNG", (900, 2400)), "tall.png")
    assert (att.width, att.height) == (600, 1600)
    small = save_image(world, picture("PNG", (300, 200)), "small.png")
    assert (small.width, small.height) == (300, 200)  # never enlarged


def _png_header_only(width: int, height: int) -> bytes:
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) \
        + chunk(b"IEND", b"")


def test_decompression_bomb_refused_cleanly(world, root):
    with pytest.raises(UploadRejected) as exc:
        save_image(world, _png_header_only(30000, 30000), "bomb.png")
    assert "megapixels" in refused(exc)
    # Over our own cap (12 MP for a PNG, which decodes only in full) but under Pillow's: refused
    # from the header, nothing decoded.
    with pytest.raises(UploadRejected) as exc:
        save_image(world, _png_header_only(4000, 3001), "big.png")
    assert "12 megapixels" in refused(exc)
    db.session.rollback()
    assert files_in(root) == []


def test_pixel_cap_is_configurable(app, world, root):
    app.config["UPLOAD_IMAGE_MAX_PIXELS"] = 1_000_000
    with pytest.raises(UploadRejected):
        save_image(world, picture("PNG", (1200, 1000)), "p.png")
    db.session.rollback()
    assert save_image(world, picture("PNG", (1000, 1000)), "p.png").width == 1000


@pytest.mark.parametrize("data", [
    b"<!DOCTYPE html><html><script>alert(1)</script></html>",
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>',
    b"<?php system($_GET['c']); ?>",
    b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
    b"PK\x03\x04" + b"\x00" * 40,
    b"BM" + b"\x00" * 60,
], ids=["html", "svg", "php", "gif", "zip", "bmp"])
def test_non_pictures_named_jpg_refused(world, root, data):
    with pytest.raises(UploadRejected) as exc:
        save_image(world, data, "photo.jpg")
    assert refused(exc) == "Photos must be JPEG, PNG or WebP pictures."
    db.session.rollback()
    assert files_in(root) == [] and events(world.a) == []


def test_polyglot_jpeg_with_html_tail_is_reencoded(world, root):
    raw = picture("JPEG") + b"<html><script>alert(1)</script></html>"
    att = save_image(world, raw)
    assert b"<script>" not in stored(root, att)


def test_truncated_and_corrupt_pictures_refused_with_400(world, root):
    full = picture("JPEG", (300, 300), quality=95)
    with pytest.raises(UploadRejected) as exc:
        save_image(world, full[: len(full) // 2], "half.jpg")
    assert "damaged" in refused(exc, 400)
    png = bytearray(picture("PNG", (50, 50)))
    png[40] ^= 0xFF  # inside a chunk: the CRC no longer matches
    with pytest.raises(UploadRejected) as exc:
        save_image(world, bytes(png), "bad.png")
    assert refused(exc, 400)
    with pytest.raises(UploadRejected):
        save_image(world, b"\xff\xd8\xff\xe0" + b"\x00" * 100, "junk.jpg")
    with pytest.raises(UploadRejected):
        save_image(world, b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 8, "junk.webp")
    db.session.rollback()
    assert files_in(root) == []


def test_oversize_refused_before_decoding(app, world, root, monkeypatch):
    app.config["UPLOAD_IMAGE_MAX_BYTES"] = 2 * 1024 * 1024
    big = b"\xff\xd8\xff\xe0" + b"\x00" * (2 * 1024 * 1024 + 10)

    def no_decoding(*a, **kw):
        raise AssertionError("Pillow must not be called for an oversize file")

    monkeypatch.setattr(Image, "open", no_decoding)
    with pytest.raises(UploadTooLarge) as exc:
        save_image(world, big, "big.jpg")
    assert refused(exc, 413) == "The photo is larger than 2 MB."

    class Unseekable(io.RawIOBase):  # a stream that cannot tell its size: read is capped
        def __init__(self, data):
            self._b = io.BytesIO(data)

        def readable(self):
            return True

        def seekable(self):
            return False

        def read(self, n=-1):
            return self._b.read(n)

    stream = Unseekable(big)
    with pytest.raises(UploadTooLarge):
        uploads.save_image(world.a, FileStorage(stream=stream, filename="b.jpg"), "proposal", 1, actor=world["resa"])
    assert stream._b.tell() == 2 * 1024 * 1024 + 1


def test_default_limits(app, world, root):
    from portal.uploads import services

    assert services.DEFAULT_IMAGE_MAX_BYTES == 8 * 1024 * 1024
    assert services.DEFAULT_AUDIO_MAX_BYTES == 10 * 1024 * 1024
    with pytest.raises(UploadTooLarge) as exc:
        save_image(world, b"\xff\xd8\xff" + b"\x00" * (8 * 1024 * 1024), "big.jpg")
    assert refused(exc, 413) == "The photo is larger than 8 MB."
    with pytest.raises(UploadTooLarge) as exc:
        save_audio(world, b"OggS" + b"\x00" * (10 * 1024 * 1024), "long.ogg")
    assert refused(exc, 413) == "The recording is larger than 10 MB."


def test_nothing_chosen_returns_none(world, root):
    assert uploads.save_image(world.a, None, "proposal", 1, actor=world["resa"]) is None
    assert uploads.save_image(world.a, FileStorage(stream=io.BytesIO(b""), filename=""),
                              "proposal", 1, actor=world["resa"]) is None
    assert uploads.save_audio(world.a, FileStorage(stream=io.BytesIO(b""), filename=""),
                              "proposal", 1, actor=world["resa"]) is None
    with pytest.raises(UploadRejected) as exc:
        uploads.save_audio(world.a, fs(b"", "voice.m4a"), "proposal", 1, actor=world["resa"])
    assert "empty" in refused(exc)
    assert events(world.a) == []


def test_bad_owner_is_a_programming_error(world, root):
    with pytest.raises(ValueError):
        uploads.save_image(world.a, fs(picture()), "Proposal; drop", 1, actor=world["resa"])
    with pytest.raises(ValueError):
        uploads.save_image(world.a, fs(picture()), "proposal", 0, actor=world["resa"])


# --- recordings ---------------------------------------------------------------

def _ogg() -> bytes:
    head = b"OpusHead\x01\x01\x38\x01\x80\xbb\x00\x00\x00\x00\x00"
    page = (b"OggS\x00\x02" + b"\x00" * 8 + b"\x01\x00\x00\x00" + b"\x00" * 4 + b"\x00" * 4
            + bytes([1, len(head)]) + head)
    return page + b"\x00" * 200


def _webm() -> bytes:
    return (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08"
            b"\x42\x82\x84webm\x42\x87\x81\x04\x42\x85\x81\x02" + b"\x18\x53\x80\x67" + b"\x00" * 200)


def _mp4(brand: bytes) -> bytes:
    ftyp = brand + b"\x00\x00\x00\x00" + brand + b"isommp42"
    return struct.pack(">I", 8 + len(ftyp)) + b"ftyp" + ftyp + struct.pack(">I", 8) + b"mdat" + b"\x00" * 200


def _wav() -> bytes:
    fmt = struct.pack("<HHIIHH", 1, 1, 8000, 16000, 2, 16)
    samples = b"\x00\x00" * 100
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(samples)) + samples
    return b"RIFF" + struct.pack("<I", len(body)) + body


AUDIO_SAMPLES = {
    "ogg": (_ogg(), "audio/ogg", "ogg"),
    "webm": (_webm(), "audio/webm", "webm"),
    "m4a": (_mp4(b"M4A "), "audio/mp4", "m4a"),
    "mp4-isom": (_mp4(b"isom"), "audio/mp4", "m4a"),
    "3gp": (_mp4(b"3gp4"), "audio/3gpp", "3gp"),
    "wav": (_wav(), "audio/wav", "wav"),
    "mp3-id3": (b"ID3\x04\x00\x00\x00\x00\x00\x0a" + b"\x00" * 10 + b"\xff\xfb\x90\x64" + b"\x00" * 400,
                "audio/mpeg", "mp3"),
    "mp3-frame": (b"\xff\xfb\x90\x64" + b"\x00" * 413, "audio/mpeg", "mp3"),
    "amr": (b"#!AMR\n" + b"\x3c" + b"\x00" * 31, "audio/amr", "amr"),
    "amr-wb": (b"#!AMR-WB\n" + b"\x04" + b"\x00" * 40, "audio/amr-wb", "awb"),
    "aac-adts": (b"\xff\xf1\x50\x80\x02\x1f\xfc" + b"\x00" * 100, "audio/aac", "aac"),
    "flac": (b"fLaC\x00\x00\x00\x22" + b"\x00" * 34, "audio/flac", "flac"),
}


@pytest.mark.parametrize("name", sorted(AUDIO_SAMPLES))
def test_sniffing_table_knows_every_recording_kind(name):
    data, content_type, ext = AUDIO_SAMPLES[name]
    assert sniff_audio(data[:64]) == content_type


BROKEN = ("The recording could not be read: the file is damaged or holds no sound. Please record it again, "
          "or send it as M4A, 3GP, AMR, MP3, WebM, FLAC, WAV or Opus.")


@needs_opus
@pytest.mark.parametrize("name", sorted(set(AUDIO_SAMPLES) - {"ogg", "wav"}))
def test_phone_kinds_that_hold_no_sound_are_refused(world, root, name):
    """Every kind the table knows is decoded now (issue 19, finding 8 follow-up): a header with
    nothing to decode after it is refused, naming what works, in both languages."""
    with pytest.raises(UploadRejected) as exc:
        save_audio(world, AUDIO_SAMPLES[name][0], "录音.bin")
    assert refused(exc) == BROKEN
    with force_locale("zh_Hans"):
        assert "M4A" in str(exc.value.message) and "录音" in str(exc.value.message)
    db.session.rollback()
    assert files_in(root) == [] and events(world.a) == []


@needs_opus
@pytest.mark.parametrize("name", sorted(rec.PHONE_FORMATS) + ["m4a-with-video"])
def test_phone_recordings_are_decoded_and_reencoded(world, root, name):
    """What phones record (M4A/AAC, 3GP/AMR-NB, WebM/Opus, MP3, FLAC; a video's sound track) is
    decoded by PyAV in a child process and stored as the Ogg Opus file opusenc wrote, of about
    the same length."""
    data = rec.phone("m4a", 2.0, video=True) if name == "m4a-with-video" else rec.phone(name, 2.0)
    assert sniff_audio(data[:64]) == {"m4a": "audio/mp4", "3gp": "audio/3gpp", "webm": "audio/webm",
                                      "mp3": "audio/mpeg", "flac": "audio/flac"}.get(name, "audio/mp4")
    att = save_audio(world, data, "录音." + name)
    kept = stored(root, att)
    assert att.content_type == "audio/ogg" and att.storage_key.endswith(".ogg")
    assert kept != data and kept[:4] == b"OggS" and b"OpusHead" in kept[:100] and b"opusenc" in kept[:400]
    assert rec.decodes(kept)
    assert 1.8 <= rec.seconds_of(kept) <= 2.2
    again = save_audio(world, data, "again." + name, owner=("proposal", 2))
    assert again.storage_key == att.storage_key and len(files_in(root)) == 1


@needs_opus
@pytest.mark.parametrize("name", ["m4a-html", "3gp-html", "webm-html", "mp3-html", "flac-html", "video-only"])
def test_phone_headers_followed_by_something_else_are_refused(world, root, name):
    """An M4A (or 3GP, WebM, MP3, FLAC) header followed by HTML does not decode; a video with no
    sound track holds nothing to keep."""
    html = b"<html><body><script>alert(document.cookie)</script></body></html>" * 8
    data = rec.phone("video-only", 1.0) if name == "video-only" else rec.phone(name[:-5], 1.0)[:64] + html
    assert sniff_audio(data[:64]) is not None
    with pytest.raises(UploadRejected) as exc:
        save_audio(world, data, "voice.m4a")
    assert refused(exc) == BROKEN
    db.session.rollback()
    assert files_in(root) == [] and events(world.a) == []


@needs_opus
@pytest.mark.parametrize("kind", ["wav", "wav-stereo-44k", "ogg-opus", "spoken"])
def test_recordings_are_reencoded(world, root, kind):
    """Every recording kept is an Ogg Opus file opusenc wrote: never the uploaded bytes, and it
    decodes. The same upload twice gives the same stored file."""
    data = {"wav": lambda: rec.wav(0.5), "wav-stereo-44k": lambda: rec.wav(0.4, rate=44_100, channels=2),
            "ogg-opus": lambda: rec.ogg_opus(0.5), "spoken": rec.spoken}[kind]()
    att = save_audio(world, data, "录音.wav")
    kept = stored(root, att)
    assert att.kind == "audio" and att.content_type == "audio/ogg" and att.storage_key.endswith(".ogg")
    assert kept != data and kept[:4] == b"OggS" and b"OpusHead" in kept[:100]
    assert rec.decodes(kept)
    assert att.sha256 == hashlib.sha256(kept).hexdigest() and att.size_bytes == len(kept)
    assert uploads.content_disposition(att).startswith("inline;")
    again = save_audio(world, data, "again.wav", owner=("proposal", 2))
    assert again.storage_key == att.storage_key and len(files_in(root)) == 1


@needs_opus
@pytest.mark.parametrize("data", [
    b"OggS" + b"<html><body><script>alert(document.cookie)</script></body></html>" * 4,
    b"RIFF\x40\x00\x00\x00WAVE" + b"<html><body><script>alert(document.cookie)</script></body></html>",
    b"RIFF\x40\x00\x00\x00WAVEfmt \x10\x00\x00\x00" + b"<html><script>alert(1)</script></html>",
    _ogg(),  # an Opus head page and nothing to decode
    b"OggS" + b"\x00" * 400,
], ids=["ogg-html", "riff-html", "riff-fmt-html", "ogg-head-only", "ogg-zeros"])
def test_recording_headers_followed_by_something_else_are_refused(world, root, data):
    """A file that only starts like a recording (OggS or RIFF, then HTML) is not kept at all."""
    with pytest.raises(UploadRejected) as exc:
        save_audio(world, data, "voice.ogg")
    assert refused(exc) == BROKEN
    db.session.rollback()
    assert files_in(root) == [] and events(world.a) == []


@needs_opus
def test_html_inside_a_real_recording_does_not_survive(world, root):
    """Sound followed by HTML, or HTML as samples: what is stored is opusenc's output only."""
    html = b"<html><body><script>alert(document.cookie)</script></body></html>"
    for data in (rec.ogg_opus(0.3) + html, rec.wav(0.3)[:-len(html)] + html):
        kept = stored(root, save_audio(world, data, "voice.ogg"))
        assert b"<script" not in kept and b"<html" not in kept and rec.decodes(kept)


@needs_opus
def test_recordings_longer_than_the_cap_are_refused(app, world, root):
    app.config["UPLOAD_AUDIO_MAX_SECONDS"] = 2
    for data in (rec.wav(2.5), rec.ogg_opus(2.5), rec.phone("m4a", 2.5), rec.phone("3gp", 2.5)):
        with pytest.raises(UploadRejected) as exc:
            save_audio(world, data, "long.ogg")
        assert refused(exc) == "The recording is longer than 2 seconds. Please make it shorter."
    assert save_audio(world, rec.wav(1.5), "short.wav").content_type == "audio/ogg"
    # A phone's recording of exactly the cap is kept: AAC's encoder delay and padding do not count.
    for name in ("m4a", "3gp"):
        assert save_audio(world, rec.phone(name, 2.0), "exact." + name).content_type == "audio/ogg"
    # The default: 5 minutes; a WAV whose header says "unknown length" is counted by its samples.
    del app.config["UPLOAD_AUDIO_MAX_SECONDS"]
    six_minutes = rec.wav(0.1, rate=8_000)
    unknown = struct.pack("<I", 0xFFFFFFFF)  # in the RIFF and the data chunk's size, as a streaming recorder writes
    six_minutes = six_minutes[:4] + unknown + six_minutes[8:40] + unknown + b"\x00\x00" * 8_000 * 301
    with pytest.raises(UploadRejected) as exc:
        save_audio(world, six_minutes, "long.wav")
    assert refused(exc) == "The recording is longer than 5 minutes. Please make it shorter."
    db.session.rollback()


def test_phone_recordings_are_decoded_in_a_limited_child_without_the_portal(tmp_path):
    """decode_audio.py runs as recordings.py starts it: without the portal or Flask imported, its
    address space and CPU time capped, its output stopped past the cap (exit 3, too long)."""
    from portal.uploads import decode_audio, recordings

    probe = ("import runpy, resource, sys; ns = runpy.run_path(sys.argv[1]); ns['_limit'](); "
             "print(resource.getrlimit(resource.RLIMIT_AS)[0], resource.getrlimit(resource.RLIMIT_CPU)[0], "
             "sorted(m for m in sys.modules if m.split('.')[0] in ('portal', 'flask', 'av')))")
    done = subprocess.run([sys.executable, "-I", "-c", probe, recordings.DECODER], capture_output=True, text=True,
                          timeout=60, check=True)
    assert done.stdout.split(maxsplit=2) == [str(512 * 1024 * 1024), str(recordings.TIMEOUT), "[]\n"]
    assert decode_audio.RATE == recordings.RATE and decode_audio.CPU_SECONDS == recordings.TIMEOUT
    source = tmp_path / "long.m4a"
    source.write_bytes(rec.phone("m4a", 3.0))
    run = [sys.executable, "-I", "-c", recordings.DECODE, recordings.DECODER, str(source)]
    whole = subprocess.run([*run, str(5 * 16_000 * 2)], capture_output=True, timeout=60)
    assert whole.returncode == 0 and 2.9 * 16_000 * 2 <= len(whole.stdout) <= 3.1 * 16_000 * 2
    cut = subprocess.run([*run, str(16_000 * 2)], capture_output=True, timeout=60)
    assert cut.returncode == decode_audio.TOO_LONG and 16_000 * 2 < len(cut.stdout) < 2 * 16_000 * 2
    assert cut.stdout == whole.stdout[:len(cut.stdout)]


def test_without_opus_tools_recordings_are_refused(world, root, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(UploadRejected) as exc:
        save_audio(world, rec.wav(0.3), "voice.wav")
    assert refused(exc) == "Recordings cannot be received at the moment. Please write your message instead."
    db.session.rollback()
    assert files_in(root) == []


@pytest.mark.parametrize("data", [
    b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>",
    b"<?php echo shell_exec($_GET['c']); ?>",
    b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    b"PK\x03\x04\x14\x00\x00\x00" + b"\x00" * 100,
    b"RIFF\x24\x00\x00\x00AVI LIST" + b"\x00" * 100,
    b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 100,
    b"\x00\x00\x00\x18ftypavif" + b"\x00" * 100,
    b"\x00\x00\x00\x04ftypM4A " + b"\x00" * 100,
    b"\xff\xd8\xff\xe0" + b"\x00" * 100,
    b"MZ\x90\x00" + b"\x00" * 100,
    b"\xff\xff\xff\xff" + b"\x00" * 100,
], ids=["html", "php", "svg", "zip", "avi", "webp", "avif", "tiny-ftyp", "jpeg", "exe", "bad-sync"])
def test_non_recordings_refused(world, root, data):
    with pytest.raises(UploadRejected) as exc:
        save_audio(world, data, "voice.mp3")
    assert refused(exc) == "The recording must be a sound file (for example from your phone's recorder)."
    db.session.rollback()
    assert files_in(root) == [] and events(world.a) == []


def test_audio_size_cap_configurable(app, world, root):
    app.config["UPLOAD_AUDIO_MAX_BYTES"] = 1024 * 1024
    with pytest.raises(UploadTooLarge) as exc:
        save_audio(world, b"OggS" + b"\x00" * (1024 * 1024), "long.ogg")
    assert refused(exc, 413) == "The recording is larger than 1 MB."


def test_sniff_audio_never_trusts_name_or_client_type():
    assert sniff_audio(b"") is None
    assert sniff_audio(b"OggS") == "audio/ogg"
    assert sniff_audio(b"\xff\xf9\x50\x80") == "audio/aac"


# --- storage, dedupe, scoping, audit -----------------------------------------

def test_same_picture_twice_one_file_two_rows(world, root):
    raw = picture("JPEG", (64, 64))
    first = save_image(world, raw, "a.jpg", owner=("proposal", 1))
    second = save_image(world, raw, "b.jpg", owner=("proposal", 2))
    assert first.id != second.id
    assert first.storage_key == second.storage_key and first.sha256 == second.sha256
    assert len(files_in(root)) == 1
    assert not [p for p in root.rglob(".tmp-*")]  # no temp file left behind
    # The same bytes in another community are stored separately (per-community folders).
    third = save_image(world, raw, "c.jpg", community=world.b, user="resb")
    assert third.storage_key.startswith(f"{world.b.id}/") and len(files_in(root)) == 2


@needs_opus
def test_open_attachment_is_community_scoped(world, root):
    mine = save_image(world, picture(), community=world.a)
    theirs = save_audio(world, rec.ogg_opus(0.3), community=world.b, user="resb")
    att, path = uploads.open_attachment(world.a, mine.id)
    assert att.id == mine.id and path == str((root / mine.storage_key).resolve())
    with pytest.raises(NotFound):
        uploads.open_attachment(world.a, theirs.id)
    with pytest.raises(NotFound):
        uploads.open_attachment(world.b, mine.id)
    with pytest.raises(NotFound):
        uploads.open_attachment(world.a, 999999)
    att, _ = uploads.open_attachment(world.b, theirs.id)
    assert att.content_type == "audio/ogg"


def test_open_attachment_missing_file_is_404(world, root):
    att = save_image(world, picture())
    (root / att.storage_key).unlink()
    with pytest.raises(NotFound):
        uploads.open_attachment(world.a, att.id)


@needs_opus
def test_attachments_for_many_owners_in_one_query(world, root):
    a1 = save_image(world, picture("PNG", (10, 10)), owner=("proposal", 1))
    a2 = save_audio(world, rec.ogg_opus(0.3), owner=("proposal", 1))
    b1 = save_image(world, picture("PNG", (12, 12)), owner=("proposal", 2))
    save_image(world, picture("PNG", (14, 14)), owner=("comment", 1))  # other owner type
    save_image(world, picture("PNG", (16, 16)), owner=("proposal", 1), community=world.b, user="resb")
    community = world.a
    community.id  # noqa: B018  (load the expired community before counting)
    statements = []

    def count(*args):
        statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        found = uploads.attachments_for(community, "proposal", [1, 2, 3, 2])
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == 1
    assert {k: [x.id for x in v] for k, v in found.items()} == {1: [a1.id, a2.id], 2: [b1.id], 3: []}
    assert uploads.attachments_for(world.a, "proposal", []) == {}


@needs_opus
def test_audit_event_written_without_file_name_and_chain_verifies(world, root):
    att = save_image(world, picture(), "张三家的院子 13812345678.jpg", owner=("proposal", 7))
    voice = save_audio(world, rec.ogg_opus(0.3), "我的声音.ogg", owner=("proposal", 7))
    evs = events(world.a)
    assert [e.subject_id for e in evs] == [att.id, voice.id]
    body = json.loads(evs[0].payload)
    assert evs[0].subject_type == "attachment" and evs[0].actor_id == world["resa"].id
    assert evs[0].actor_role == "resident"
    assert body["data"] == {"owner": ["proposal", 7], "kind": "image", "sha256": att.sha256,
                            "size": att.size_bytes}
    assert json.loads(evs[1].payload)["data"]["kind"] == "audio"
    for e in evs:
        assert "张三" not in e.payload and "13812345678" not in e.payload and "声音" not in e.payload
    assert verify_community(world.a).ok and verify_community(world.b).ok


def test_actor_role_is_passed_to_the_chain(world, root):
    uploads.save_image(world.a, fs(picture()), "rule", 1, actor_role="committee", actor=world["coma"])
    db.session.commit()
    assert events(world.a)[-1].actor_role == "committee"


def test_rollback_leaves_no_row_and_no_event(world, root):
    uploads.save_image(world.a, fs(picture()), "proposal", 1, actor=world["resa"])
    db.session.rollback()
    assert db.session.execute(select(func.count()).select_from(Attachment)).scalar_one() == 0
    assert events(world.a) == [] and verify_community(world.a).ok


# --- names and headers ---------------------------------------------------------

@pytest.mark.parametrize("raw, clean", [
    ("村口照片.jpg", "村口照片.jpg"),
    ("C:\\Users\\王\\Desktop\\合影.JPG", "合影.JPG"),
    ("../../etc/passwd", "passwd"),
    ("/tmp/x/../录音 .m4a", "录音 .m4a"),
    ("bad\x00na\x1bme\r\n.png", "badname.png"),
    ("photo\u202egpj.exe", "photogpj.exe"),
    ("  ...hidden.jpg  ", "hidden.jpg"),
    ('a<b>"c"|d?.jpg', "a_b__c__d_.jpg"),
    ("", ""),
    (None, ""),
])
def test_safe_filename_for_display(raw, clean):
    assert uploads.safe_filename_for_display(raw) == clean


def test_safe_filename_length_keeps_extension():
    name = uploads.safe_filename_for_display("长" * 300 + ".jpeg")
    assert len(name) == 120 and name.endswith(".jpeg")


def test_content_disposition_chinese_name_and_real_extension(world, root):
    att = save_image(world, picture("PNG"), "村口 照片.jpg")  # a PNG named .jpg
    header = uploads.content_disposition(att)
    assert header.startswith("inline; ")
    assert "filename*=UTF-8''%E6%9D%91%E5%8F%A3%20%E7%85%A7%E7%89%87.png" in header
    assert 'filename="' in header and header.isascii()
    from werkzeug.http import parse_options_header

    kind, params = parse_options_header(header)
    assert kind == "inline" and params["filename"] == "村口 照片.png"

    att.original_name = ""
    assert uploads.content_disposition(att) == (
        f"inline; filename=\"photo-{att.id}.png\"; filename*=UTF-8''photo-{att.id}.png")
    att.content_type = "application/octet-stream"
    assert uploads.content_disposition(att).startswith("attachment; ")


# --- through a request: a refused file is a 400/413 page, never a 500 ---------

def test_refusals_render_as_error_pages(app, world, root):
    from flask import request

    from portal.extensions import csrf

    @csrf.exempt
    def upload_probe():
        att = uploads.save_image(world.a, request.files.get("photo"), "proposal", 1, actor=world["resa"])
        db.session.commit()
        return {"id": att.id if att else None}

    app.add_url_rule("/_test/upload", "upload_probe", upload_probe, methods=["POST"])
    client = app.test_client()

    def post(data, name="x.jpg"):
        return client.post("/_test/upload?lang=en", data={"photo": (io.BytesIO(data), name)},
                           content_type="multipart/form-data")

    full = picture("JPEG", (200, 200))
    assert post(full).status_code == 200
    r = post(full[: len(full) // 2])
    assert r.status_code == 400 and "damaged" in r.get_data(as_text=True)
    r = post(b"<html><script>alert(1)</script></html>")
    assert r.status_code == 400 and "<script>alert(1)" not in r.get_data(as_text=True)
    app.config["UPLOAD_IMAGE_MAX_BYTES"] = 1000
    assert post(full + b"\x00" * 1000).status_code == 413
    assert client.post("/_test/upload", data={}, content_type="multipart/form-data").get_json() == {"id": None}


# --- thumbnails (issue 14: photos as thumbnails, not full-column pictures) ----------------------

def _thumb(root, att, width):
    from portal.uploads.thumbnails import thumb_key
    return root / thumb_key(att.storage_key, att.sha256, att.content_type, width)


def test_a_phone_photo_gets_thumbnails_of_320_and_640_px_upright_and_without_exif(world, root):
    raw = picture("JPEG", (2400, 1200), exif=gps_exif(orientation=6), quality=90)
    att = save_image(world, raw, "路口.jpg")
    assert (att.width, att.height) == (800, 1600)  # turned upright, at most 1600 px
    for width, height in ((320, 640), (640, 1280)):
        path = _thumb(root, att, width)
        assert path.name == f"{att.sha256}-w{width}.jpg" and path.parent == (root / att.storage_key).parent
        data = path.read_bytes()
        assert b"Exif" not in data and b"SecretPhone" not in data
        img = Image.open(io.BytesIO(data))
        assert img.format == "JPEG" and img.size == (width, height) and not img.getexif()
        r, g, b = img.convert("RGB").getpixel((width // 2, height // 8))  # the red half is on top
        assert r > 200 and b < 60
        assert len(data) < att.size_bytes
    assert files_in(root) == sorted([root / att.storage_key, _thumb(root, att, 320), _thumb(root, att, 640)])


def test_transparent_png_gets_webp_thumbnails_and_a_small_photo_none(world, root):
    img = Image.new("RGBA", (500, 250), (255, 0, 0, 255))
    img.paste((0, 0, 255, 0), (250, 0, 500, 250))  # the right half transparent
    out = io.BytesIO()
    img.save(out, "PNG")
    att = save_image(world, out.getvalue(), "plan.png")
    assert not _thumb(root, att, 640).exists()  # never enlarged: only the widths below the photo's
    img = Image.open(_thumb(root, att, 320))
    assert img.format == "WEBP" and img.size == (320, 160) and img.mode == "RGBA"
    assert img.getpixel((300, 80))[3] == 0 and img.getpixel((20, 80))[3] == 255
    small = save_image(world, picture("JPEG", (300, 200)), "small.jpg")
    assert files_in(root) == sorted([root / att.storage_key, _thumb(root, att, 320), root / small.storage_key])

