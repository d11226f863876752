"""Text to compressed speech: espeak-ng (Debian) writes WAV, opusenc makes it an Ogg Opus
file of tens of KB (a sentence of WAV is ~270 KB; a weak phone signal matters more here).
Files are kept by the hash of (voice, speed, text): the same text is spoken once."""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

TEXT_MAX = 3000  # characters spoken per block; longer texts are cut at a sentence end
SPEED = 140  # words per minute; espeak-ng's 175 is fast for an elderly listener
TIMEOUT = 30
VOICES = {"zh": "cmn", "en": "en", "yue": "yue"}
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


class SpeechUnavailable(Exception):
    pass


def available() -> bool:
    return bool(shutil.which("espeak-ng") and shutil.which("opusenc"))


def voice_for(text: str) -> str:
    """Mandarin when the text holds Chinese characters (cmn reads Latin words as English)."""
    return VOICES["zh"] if _CJK.search(text) else VOICES["en"]


def clip(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= TEXT_MAX:
        return text
    cut = text[:TEXT_MAX]
    end = max(cut.rfind(c) for c in "。！？.!?")
    return cut[: end + 1] if end > TEXT_MAX // 2 else cut


def cache_key(text: str, voice: str) -> str:
    return hashlib.sha256(f"{voice}\n{SPEED}\n{text}".encode()).hexdigest()


def speak(text: str, cache_dir: str | Path, voice: str | None = None) -> Path:
    """The Ogg Opus file speaking `text`, made on first use."""
    text = clip(text)
    voice = voice or voice_for(text)
    folder = Path(cache_dir)
    key = cache_key(text, voice)
    target = folder / key[:2] / f"{key}.ogg"
    if target.exists():
        return target
    if not available():
        raise SpeechUnavailable("espeak-ng or opusenc is not installed")
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".part")
    os.close(fd)
    try:
        # The text goes in on stdin (never on the command line), WAV out on stdout.
        wav = subprocess.run(["espeak-ng", "-v", voice, "-s", str(SPEED), "--stdin", "--stdout"],
                             input=text.encode(), capture_output=True, timeout=TIMEOUT, check=True).stdout
        subprocess.run(["opusenc", "--quiet", "--speech", "--bitrate", "16", "-", tmp],
                       input=wav, capture_output=True, timeout=TIMEOUT, check=True)
        os.replace(tmp, target)  # atomic: a concurrent reader sees the whole file or none
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target
