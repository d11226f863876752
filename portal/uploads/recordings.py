"""Voice recordings are re-encoded, as photos are: what is stored is always a fresh Ogg Opus
file that opusenc wrote from bare samples, never the uploaded bytes.

- Ogg Opus (what browsers and some recorder apps save) is decoded by opusdec to raw 16-bit
  samples at 16 kHz, stereo forced so that the layout is known; WAV is read by Python's `wave`
  module (PCM only) and written out again as a clean WAV; what phone recorders save (M4A/AAC,
  3GP/AMR, WebM, MP3, FLAC: the kinds DECODED_BY_AV) is decoded by PyAV's FFmpeg in a child
  process (decode_audio.py: standalone, 512 MB of address space, 30 s of CPU), first audio
  stream only, to mono 16-bit samples at 16 kHz. Either way only samples reach opusenc, which
  makes a mono speech file (24 kbit/s) with a fixed stream serial, so the same upload always
  gives the same bytes (stored once, see services._store).
- Whatever cannot be decoded is refused (MSG_BROKEN names what works): a file that only starts
  like a recording (an `OggS`, `RIFF` or `ftyp` header followed by HTML), Ogg Vorbis, a video
  with no sound.
- A recording may last at most UPLOAD_AUDIO_MAX_SECONDS (300): a WAV by its samples, read up to
  that length and no further (its header's length can be a placeholder); the others by the
  samples their decoder writes, which are read up to that length and no further (the decoder is
  stopped there). Every tool runs with a timeout (TIMEOUT).
  So one upload costs at most ~5 minutes of audio decoded and encoded once (bench/uploads.py).
- Without opusdec and opusenc (Debian: opus-tools) every recording is refused with a message.
"""
from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import wave

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as ngettext  # lazy, under the name pybabel extracts

from .errors import UploadRejected

TIMEOUT = 30  # seconds for each tool
RATE = 16_000  # samples a second decoded from Ogg Opus: ample for speech
CHANNELS = 2  # opusdec --force-stereo: mono files come out as two equal channels
BITRATE = "24"  # kbit/s of the stored mono speech (≈ 180 KB a minute)
COMPLEXITY = "5"  # of 10: ~40 % less CPU than the default for no audible loss in speech at 24 kbit/s
DEFAULT_MAX_SECONDS = 300
# Samples a phone format may run past the cap: AAC's encoder delay and last frame (≈ 70 ms at 44.1 kHz),
# AMR's 20 ms frames. Without it a recorder's exact 5:00 would come out a few ms too long.
PADDING = RATE // 5

# The kinds the sniffing table names, each with the decoder that reads it: opusdec for Ogg Opus,
# Python's `wave` for WAV, PyAV (FFmpeg, in a child process: decode_audio.py) for what phones record.
DECODED_BY_AV = ("audio/mp4", "audio/3gpp", "audio/3gpp2", "audio/webm", "audio/mpeg", "audio/amr",
                 "audio/amr-wb", "audio/aac", "audio/flac")
KEPT = ("audio/ogg", "audio/wav", *DECODED_BY_AV)
DECODER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "decode_audio.py")
# Runs DECODER's main() from its path, isolated (-I: no PYTHONPATH, no user site, not the portal package).
DECODE = "import runpy, sys; sys.exit(runpy.run_path(sys.argv[1])['main'](sys.argv[1:]))"

MSG_BROKEN = _l("The recording could not be read: the file is damaged or holds no sound. Please record it "
                "again, or send it as M4A, 3GP, AMR, MP3, WebM, FLAC, WAV or Opus.")
MSG_UNAVAILABLE = _l("Recordings cannot be received at the moment. Please write your message instead.")


def too_long(max_seconds: int) -> UploadRejected:
    minutes, seconds = divmod(max_seconds, 60)
    if seconds:
        return UploadRejected(ngettext("The recording is longer than %(num)d second. Please make it shorter.",
                                       "The recording is longer than %(num)d seconds. Please make it shorter.",
                                       max_seconds))
    return UploadRejected(ngettext("The recording is longer than %(num)d minute. Please make it shorter.",
                                   "The recording is longer than %(num)d minutes. Please make it shorter.",
                                   minutes))


def available() -> bool:
    return bool(shutil.which("opusdec") and shutil.which("opusenc"))


def reencode(data: bytes, content_type: str, max_seconds: int = DEFAULT_MAX_SECONDS) -> bytes:
    """The Ogg Opus file to store for an upload sniffed as `content_type`; UploadRejected
    with a message for the person when it cannot be kept."""
    if content_type not in KEPT:  # the sniffing table names no other kind
        raise UploadRejected(MSG_BROKEN)
    if not available():
        raise UploadRejected(MSG_UNAVAILABLE)
    serial = int.from_bytes(hashlib.sha256(data).digest()[:4], "big") & 0x7FFFFFFF
    if content_type == "audio/wav":
        return _encode(_clean_wav(data, max_seconds), ["-"], serial)
    if content_type == "audio/ogg":
        raw, channels = _decode_ogg_opus(data, max_seconds), CHANNELS
    else:
        raw, channels = _decode_with_av(data, max_seconds), 1
    return _encode(raw, ["--raw", "--raw-bits", "16", "--raw-rate", str(RATE), "--raw-chan", str(channels),
                         "--raw-endianness", "0", "-"], serial)


def _clean_wav(data: bytes, max_seconds: int) -> bytes:
    """A new WAV holding only the samples of `data` (PCM), at most `max_seconds` of them."""
    try:
        with wave.open(io.BytesIO(data), "rb") as src:
            channels, width, rate, frames = (src.getnchannels(), src.getsampwidth(), src.getframerate(),
                                             src.getnframes())
            if not (1 <= channels <= 8 and width in (1, 2, 3, 4) and 8_000 <= rate <= 192_000):
                raise UploadRejected(MSG_BROKEN)
            # The header's length may be a placeholder (a recorder that streams writes 0xFFFFFFFF):
            # count what is there, reading one frame more than allowed at most.
            samples = src.readframes(min(frames, max_seconds * rate + 1))
            if len(samples) > max_seconds * rate * channels * width:
                raise too_long(max_seconds)
    except UploadRejected:
        raise
    except Exception:  # wave.Error, EOFError, struct.error, RuntimeError (a chunk past the end), ...
        raise UploadRejected(MSG_BROKEN) from None
    if len(samples) < channels * width * rate // 10:  # under a tenth of a second: nothing said
        raise UploadRejected(MSG_BROKEN)
    out = io.BytesIO()
    with wave.open(out, "wb") as dst:
        dst.setnchannels(channels)
        dst.setsampwidth(width)
        dst.setframerate(rate)
        dst.writeframes(samples[: len(samples) - len(samples) % (channels * width)])
    return out.getvalue()


def _decode_ogg_opus(data: bytes, max_seconds: int) -> bytes:
    """Raw samples (16-bit little-endian, RATE, CHANNELS) of an Ogg Opus file, at most
    `max_seconds` of them: opusdec is stopped as soon as it writes more."""
    return _decoded(data, "in.opus", lambda source: ["opusdec", "--quiet", "--rate", str(RATE), "--force-stereo",
                                                     source, "-"], max_seconds * RATE * CHANNELS * 2, max_seconds)


def _decode_with_av(data: bytes, max_seconds: int) -> bytes:
    """Raw samples (16-bit little-endian, RATE, mono) of the first audio stream of a file PyAV reads
    (M4A, 3GP, AMR, WebM, MP3, AAC, FLAC), at most `max_seconds` of them: decode_audio.py runs in
    a child process of its own, with a memory and CPU limit, and is stopped as soon as it writes more."""
    cap = (max_seconds * RATE + PADDING) * 2
    return _decoded(data, "upload", lambda source: [sys.executable, "-I", "-c", DECODE, DECODER, source, str(cap)],
                    cap, max_seconds)


def _decoded(data: bytes, name: str, command, cap: int, max_seconds: int) -> bytes:
    """What `command(path of data)` writes to its stdout, at most `cap` bytes: the decoder is killed
    after TIMEOUT, or as soon as it writes more than `cap` (too_long). MSG_BROKEN when it fails or
    writes under a tenth of a second of sound (cap / max_seconds / 10 bytes)."""
    with tempfile.TemporaryDirectory(prefix="yishi-rec-") as folder:
        source = os.path.join(folder, name)
        with open(source, "wb") as f:
            f.write(data)
        proc = subprocess.Popen(command(source), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL)
        timer = threading.Timer(TIMEOUT, proc.kill)
        timer.start()
        chunks, size = [], 0
        try:
            while size <= cap:
                chunk = proc.stdout.read(1 << 16)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
            if size > cap:
                proc.kill()
                raise too_long(max_seconds)
            code = proc.wait(timeout=TIMEOUT)
        finally:
            timer.cancel()
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            proc.stdout.close()
    raw = b"".join(chunks)
    if code != 0 or len(raw) < cap // max(1, max_seconds) // 10:  # not decoded, or under a tenth of a second
        raise UploadRejected(MSG_BROKEN)
    return raw


def _encode(source: bytes, input_args: list[str], serial: int) -> bytes:
    try:
        done = subprocess.run(["opusenc", "--quiet", "--downmix-mono", "--bitrate", BITRATE, "--comp", COMPLEXITY,
                               "--serial", str(serial), "--discard-comments", "--discard-pictures",
                               *input_args, "-"],
                              input=source, capture_output=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        raise UploadRejected(MSG_BROKEN) from None
    if done.returncode != 0 or not done.stdout.startswith(b"OggS"):
        raise UploadRejected(MSG_BROKEN)
    return done.stdout
