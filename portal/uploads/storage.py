"""Where uploaded files live: under the upload root, each written atomically."""
from __future__ import annotations

import os
import tempfile
from contextlib import suppress
from pathlib import Path

from flask import current_app


def upload_root() -> Path:
    """app.config["UPLOAD_ROOT"], else <instance_path>/uploads."""
    configured = current_app.config.get("UPLOAD_ROOT")
    return Path(configured) if configured else Path(current_app.instance_path) / "uploads"


def write_file(key: str, data: bytes) -> Path:
    """Write `data` at `key` under the upload root (temp file, fsync, os.replace: a reader never
    sees half a file; two writers of the same bytes both succeed). Kept when already there."""
    path = upload_root() / key
    if path.is_file() and path.stat().st_size == len(data):
        return path  # the same bytes are already stored
    path.parent.mkdir(parents=True, exist_ok=True)
    ext = key.rsplit(".", 1)[-1]
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix="." + ext)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise
    return path
