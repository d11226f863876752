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


# What phone recorders save (M4A/AAC, 3GP/AMR-NB, WebM/Opus, MP3, FLAC), encoded by PyAV's FFmpeg.
PHONE_FORMATS = {  # name: (container format, codec, sample rate, layout, bit rate)
    "m4a": ("ipod", "aac", 44_100, "mono", 64_000),
    "3gp": ("3gp", "libopencore_amrnb", 8_000, "mono", 12_200),
    "webm": ("webm", "libopus", 48_000, "mono", 32_000),
    "mp3": ("mp3", "libmp3lame", 44_100, "stereo", 64_000),
    "flac": ("flac", "flac", 16_000, "mono", None),
}


@functools.lru_cache(maxsize=32)
def phone(name: str, seconds: float = 1.0, pitch: float = 440.0, video: bool = False) -> bytes:
    """A tone of `seconds` in the phone format `name` (PHONE_FORMATS); with `video`, an MP4 that
    also holds a video track (before the audio) or, for name="video-only", nothing but video."""
    import av

    out = io.BytesIO()
    if name == "video-only":
        with av.open(out, mode="w", format="mp4") as container:
            stream = container.add_stream("mpeg4", rate=10)
            stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
            for i in range(int(seconds * 10)):
                frame = _picture(i)
                for packet in stream.encode(frame):
                    container.mux(packet)
            for packet in stream.encode(None):
                container.mux(packet)
        return out.getvalue()
    fmt, codec, rate, layout, bit_rate = PHONE_FORMATS[name]
    with av.open(out, mode="w", format="mp4" if video else fmt) as container:
        picture = None
        if video:
            picture = container.add_stream("mpeg4", rate=10)
            picture.width, picture.height, picture.pix_fmt = 64, 48, "yuv420p"
        stream = container.add_stream(codec, rate=rate, layout=layout)
        if bit_rate:
            stream.bit_rate = bit_rate
        channels = 2 if layout == "stereo" else 1
        total, step = int(seconds * rate), 1024
        for start in range(0, total, step):
            n = min(step, total - start)
            frame = av.AudioFrame(format="s16", layout=layout, samples=n)
            frame.planes[0].update(b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * pitch * i / rate)))
                                            * channels for i in range(start, start + n)))
            frame.rate, frame.pts = rate, start
            for packet in stream.encode(frame):
                container.mux(packet)
            if picture is not None and start % (rate // 10) < step:
                for packet in picture.encode(_picture(start // step)):
                    container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
        if picture is not None:
            for packet in picture.encode(None):
                container.mux(packet)
    return out.getvalue()


def _picture(i: int):
    import av

    frame = av.VideoFrame(64, 48, "yuv420p")
    for plane in frame.planes:
        plane.update(bytes([i * 20 % 255]) * plane.buffer_size)
    return frame


def seconds_of(data: bytes) -> float:
    """How long an Ogg Opus file lasts, by the samples opusdec writes (48 kHz stereo 16-bit)."""
    done = subprocess.run(["opusdec", "--quiet", "--rate", "48000", "--force-stereo", "-", "-"], input=data,
                          capture_output=True, timeout=30, check=True)
    return len(done.stdout) / (48_000 * 2 * 2)
