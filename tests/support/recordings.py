"""Real voice recordings for the tests (issue 19, finding 8: recordings are decoded and re-encoded,
so a test that stores one needs a file that really holds sound): a WAV written here, the same
as Ogg Opus by opusenc, spoken words by espeak-ng. Without opus-tools recordings are refused;
`needs_opus` skips the tests that store one, unless YISHI_REQUIRE_SPEECH=1 (CI), where the
tools must be there."""
from __future__ import annotations

import functools
import io
import math
import os
import shutil
import struct
import subprocess
import wave

import pytest

from portal.uploads import recordings

OPUS = recordings.available()
REQUIRED = os.environ.get("YISHI_REQUIRE_SPEECH") == "1"
needs_opus = pytest.mark.skipif(not OPUS and not REQUIRED,
                                reason="opusdec/opusenc not installed (CI installs opus-tools)")


@functools.lru_cache(maxsize=16)
def wav(seconds: float = 0.5, rate: int = 16_000, pitch: float = 440.0, channels: int = 1) -> bytes:
    """A PCM WAV of a tone (16-bit)."""
    frames = b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * pitch * i / rate))) * channels
                      for i in range(int(seconds * rate)))
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames)
    return out.getvalue()


def require_tools() -> None:
    """Inside a test that stores a recording: skip it where opus-tools are missing, unless CI
    (YISHI_REQUIRE_SPEECH=1) says they must be there, where it fails instead."""
    if not OPUS:
        if REQUIRED:
            pytest.fail("opusdec and opusenc must be installed (apt-get install -y opus-tools)")
        pytest.skip("opusdec/opusenc not installed (CI installs opus-tools)")


@functools.lru_cache(maxsize=16)
def ogg_opus(seconds: float = 0.5, pitch: float = 440.0) -> bytes:
    """An Ogg Opus file of a tone, as a browser or recorder app would send it."""
    require_tools()
    return subprocess.run(["opusenc", "--quiet", "-", "-"], input=wav(seconds, pitch=pitch),
                          capture_output=True, timeout=30, check=True).stdout


@functools.lru_cache(maxsize=4)
def spoken(text: str = "村口装几盏路灯") -> bytes:
    """A recording of words: espeak-ng's WAV through opusenc (falls back to a tone without espeak-ng)."""
    require_tools()
    if shutil.which("espeak-ng") is None:
        return ogg_opus(1.0)
    speech = subprocess.run(["espeak-ng", "-v", "cmn", "--stdin", "--stdout"], input=text.encode(),
                            capture_output=True, timeout=30, check=True).stdout
    return subprocess.run(["opusenc", "--quiet", "--speech", "-", "-"], input=speech,
                          capture_output=True, timeout=30, check=True).stdout


def decodes(data: bytes) -> bool:
    """True if opusdec decodes `data` to some sound."""
    done = subprocess.run(["opusdec", "--quiet", "-", "-"], input=data, capture_output=True, timeout=30)
    return done.returncode == 0 and len(done.stdout) > 1000
