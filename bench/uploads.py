#!/usr/bin/env python3
"""What one upload costs at worst (issue 19, findings 7 and 8): CPU time and peak memory of
processing a photo or a recording, as ratios to a bare Flask request measured in the same run.

    python bench/uploads.py

Each case runs in a fresh Python process that reads its input from a file made beforehand (so
that making the input counts for nothing), then calls what an upload calls:
`portal.uploads.services.process_image` (Pillow) or `portal.uploads.recordings.reencode`
(opusdec/opusenc, whose CPU time is counted as the children's). It reports CPU ms (own +
children), wall ms and the peak memory the processing added in the portal's process (the
high-water mark, reset just before, minus the resident size then; the tools take ≈ 4 MB each). The baseline is a bare Flask "hello" through
Flask's test client in its own process: CPU ms per request, mean of 2,000.

Cases: the tester's hostile PNG (6300 x 6300 of one colour, ~5 KB: refused from its header);
PNGs just under their 12-megapixel cap (1-bit and RGBA: decoded in full, the worst a PNG can
cost); a 24 MP phone photo and a typical 4000 x 3000 JPEG (decoded at reduced size); a
5-minute WAV, Ogg Opus, M4A (AAC) and 3GP (AMR-NB) recording (the longest kept; the phone
formats are decoded by PyAV in a child process, decode_audio.py, counted as a child too); an hour
of Ogg Opus and of M4A in a small file (refused once the decoder has written 5 minutes).
"""
from __future__ import annotations

import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import log, machine_line, now_line, portal_on_path  # noqa: E402

BARE_REQUESTS = 2000


def _png(size, mode, colour) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new(mode, size, colour).save(out, "PNG", optimize=True)
    return out.getvalue()


def _photo(size) -> bytes:
    """Photo-like detail: coarse noise blown up (soft edges) over a gradient, quality 90."""
    from PIL import Image

    w, h = size
    detail = Image.effect_noise((w // 4, h // 4), 60).resize(size, Image.Resampling.BICUBIC)
    ramp = Image.linear_gradient("L").resize(size)
    img = Image.merge("RGB", (detail, ramp, Image.blend(detail, ramp, 0.5)))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=90)
    return out.getvalue()


def _wav(seconds: int, rate: int = 16_000) -> bytes:
    import random

    rnd = random.Random(1)
    block = bytes(rnd.getrandbits(8) & 0x0F for _ in range(rate * 2))  # a quiet hiss, one second
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        for _ in range(seconds):
            w.writeframes(block)
    return out.getvalue()


def _opus(wav_bytes: bytes, bitrate: str = "16") -> bytes:
    return subprocess.run(["opusenc", "--quiet", "--bitrate", bitrate, "-", "-"], input=wav_bytes,
                          capture_output=True, timeout=600, check=True).stdout


def _silent_opus(seconds: int) -> bytes:
    raw = b"\x00\x00" * 48_000 * seconds
    return subprocess.run(["opusenc", "--quiet", "--raw", "--raw-chan", "1", "--bitrate", "6", "-", "-"],
                          input=raw, capture_output=True, timeout=600, check=True).stdout


def _phone(fmt: str, codec: str, rate: int, seconds: int, silent: bool = False) -> bytes:
    """A phone recording encoded by PyAV: the hiss of _wav (or silence), mono."""
    import av

    hiss = _wav(1, rate)[44:]
    out = io.BytesIO()
    with av.open(out, mode="w", format=fmt) as container:
        stream = container.add_stream(codec, rate=rate, layout="mono")
        stream.bit_rate = 12_200 if codec == "libopencore_amrnb" else (8_000 if silent else 32_000)
        for second in range(seconds):
            frame = av.AudioFrame(format="s16", layout="mono", samples=rate)
            frame.planes[0].update(b"\x00" * len(hiss) if silent else hiss)
            frame.rate, frame.pts = rate, second * rate
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return out.getvalue()


CASES = [
    ("hostile PNG 6300x6300 1-bit (refused)", "image", lambda: _png((6300, 6300), "1", 0)),
    ("PNG at its cap 3464x3464 1-bit (12 MP)", "image", lambda: _png((3464, 3464), "1", 0)),
    ("PNG at its cap 3464x3464 RGBA (12 MP)", "image", lambda: _png((3464, 3464), "RGBA", (200, 30, 30, 128))),
    ("JPEG at the cap 6000x4000 (24 MP)", "image", lambda: _photo((6000, 4000))),
    ("JPEG typical 4000x3000 (12 MP)", "image", lambda: _photo((4000, 3000))),
    ("WAV 5 min 16 kHz (kept)", "audio/wav", lambda: _wav(300)),
    ("Ogg Opus 5 min (kept)", "audio/ogg", lambda: _opus(_wav(300))),
    ("Ogg Opus 60 min of silence (refused)", "audio/ogg", lambda: _silent_opus(3600)),
    ("M4A (AAC) 5 min 44.1 kHz (kept)", "audio/mp4", lambda: _phone("ipod", "aac", 44_100, 300)),
    ("3GP (AMR-NB) 5 min 8 kHz (kept)", "audio/3gpp", lambda: _phone("3gp", "libopencore_amrnb", 8_000, 300)),
    ("M4A 60 min of silence (refused)", "audio/mp4", lambda: _phone("ipod", "aac", 16_000, 3600, silent=True)),
]


def _status(field: str) -> int:
    """kB of /proc/self/status's `field`."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def child(kind: str, path: str) -> None:
    """One measurement, in this fresh process: prints a JSON line."""
    portal_on_path()
    if kind == "bare":
        from flask import Flask

        app = Flask("bare")
        app.get("/")(lambda: "Hello, World!")
        client = app.test_client()
        for _ in range(50):
            client.get("/")
        before = resource.getrusage(resource.RUSAGE_SELF)
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(BARE_REQUESTS):
            client.get("/")
        cpu, wall = time.process_time() - c0, time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_SELF)
        print(json.dumps({"cpu_ms": cpu * 1000 / BARE_REQUESTS, "wall_ms": wall * 1000 / BARE_REQUESTS,
                          "peak_mb": (after.ru_maxrss - before.ru_maxrss) / 1024, "outcome": "200"}))
        return
    from portal.uploads import recordings, services

    data = Path(path).read_bytes()
    Path("/proc/self/clear_refs").write_text("5")  # resets the high-water mark (VmHWM) to the RSS now
    before = _status("VmRSS")
    t0, c0 = time.perf_counter(), time.process_time()
    outcome = "kept"
    try:
        if kind == "image":
            services.process_image(data)
        else:
            recordings.reencode(data, kind)
    except services.UploadRejected as exc:
        outcome = "refused: " + str(exc.message)[:40] + "…"
    cpu, wall = time.process_time() - c0, time.perf_counter() - t0
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    child_cpu = kids.ru_utime + kids.ru_stime
    # The tools' own peak is not added: RUSAGE_CHILDREN's maxrss keeps the forked Python's size from
    # before exec. Measured apart (/usr/bin/time): opusdec ≈ 4.5 MB, opusenc ≈ 3.4 MB.
    peak = _status("VmHWM") - before
    print(json.dumps({"cpu_ms": (cpu + child_cpu) * 1000, "wall_ms": wall * 1000, "peak_mb": peak / 1024,
                      "outcome": outcome}))


def measure(kind: str, path: str = "") -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", kind, path], capture_output=True, text=True,
                          timeout=900, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"case {kind} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    from shutil import which

    if not (which("opusenc") and which("opusdec")):
        print("error: opus-tools are not installed (sudo apt-get install -y opus-tools)", file=sys.stderr)
        return 2
    rows = []
    with tempfile.TemporaryDirectory(prefix="yishi-bench-uploads-") as tmp:
        bare_before = measure("bare")
        for label, kind, make in CASES:
            log(f"making: {label}")
            path = os.path.join(tmp, f"{len(rows)}.bin")
            data = make()
            Path(path).write_bytes(data)
            log(f"measuring: {label} ({len(data):,} bytes)")
            rows.append((label, len(data), measure(kind, path)))
        bare_after = measure("bare")
    bare = (bare_before["cpu_ms"] + bare_after["cpu_ms"]) / 2
    print(now_line("Uploads: the cost of one photo or recording"))
    print(machine_line())
    print(f"bare Flask request: {bare_before['cpu_ms']:.3f} ms CPU before, {bare_after['cpu_ms']:.3f} after "
          f"(mean {bare:.3f}); Pillow {__import__('PIL').__version__}")
    print()
    print(f"| {'upload':<38} | {'bytes':>10} | {'CPU ms':>8} | {'wall ms':>8} | {'× bare':>7} | {'peak MB':>7} | outcome |")
    print(f"|{'-' * 40}|{'-' * 12}|{'-' * 10}|{'-' * 10}|{'-' * 9}|{'-' * 9}|---------|")
    for label, size, r in rows:
        print(f"| {label:<38} | {size:>10,} | {r['cpu_ms']:>8.1f} | {r['wall_ms']:>8.1f} | {r['cpu_ms'] / bare:>7.0f} "
              f"| {r['peak_mb']:>7.1f} | {r['outcome']} |")
    return 0


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "")
    else:
        sys.exit(main())
