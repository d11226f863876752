"""Decode one uploaded recording to bare samples, in a process of its own (recordings.py runs it).

    python -I -c "import runpy, sys; sys.exit(runpy.run_path(sys.argv[1])['main'](sys.argv[1:]))" \
        portal/uploads/decode_audio.py IN_FILE MAX_BYTES      (recordings.DECODE)

Writes the first audio stream of IN_FILE (M4A/AAC, 3GP/AMR, WebM, MP3, FLAC, ... whatever PyAV's
FFmpeg reads) to stdout as mono 16-bit little-endian samples at RATE, and stops as soon as more than
MAX_BYTES have been written. Video streams are ignored. Exit 0 when it decoded to the end,
2 when there is no audio stream or the file does not decode, 3 when it is too long.

Run from its path (not `-m portal...`, and with nothing registered at import), it imports only the standard library and PyAV, never the
portal or Flask. Its address space is capped (MEMORY) and its CPU time too (CPU_SECONDS), so a
hostile container cannot exhaust the server; the caller also kills it after its timeout.
"""
from __future__ import annotations

import itertools
import resource
import sys

RATE = 16_000  # samples a second written: ample for speech
MEMORY = 512 * 1024 * 1024  # bytes of address space
CPU_SECONDS = 30
TOO_LONG = 3
BROKEN = 2


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))  # it writes to its pipe only
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def decode(path: str, cap: int, out) -> int:
    import av  # after the limits: FFmpeg's allocations count against them

    written = 0
    try:
        with av.open(path, mode="r") as container:
            audio = [s for s in container.streams if s.type == "audio"]
            if not audio:
                return BROKEN
            stream = audio[0]
            stream.codec_context.thread_count = 1  # FFmpeg's threads would each reserve a stack in the cap
            resampler = av.AudioResampler(format="s16", layout="mono", rate=RATE)
            for frame in itertools.chain(container.decode(stream), [None]):  # None flushes the resampler
                for piece in resampler.resample(frame):
                    data = bytes(piece.planes[0])[: piece.samples * 2]
                    out.write(data)
                    written += len(data)
                    if written > cap:
                        out.flush()
                        return TOO_LONG
    except (av.error.FFmpegError, ValueError, MemoryError, OSError, EOFError):
        return BROKEN
    out.flush()
    return 0 if written else BROKEN


def main(argv: list[str]) -> int:
    _limit()
    path, cap = argv[1], int(argv[2])
    return decode(path, cap, sys.stdout.buffer)
