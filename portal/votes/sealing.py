"""Sealed ballots: what an open poll stores of each ballot (docs/architecture.md, "Votes").

While a poll is open, a ballot is one row of `poll_sealed_ballot`: AES-GCM(nonce, tracker and
choice) under the poll's own random data key, padded so that every sealed ballot has the same
length (the length of a ciphertext must not tell how many options were chosen). The data key is
stored wrapped (AES-GCM) by the server's key, `BALLOT_KEY`, in `poll_ballot_key`; the poll's id is
the associated data of both, so a row moved to another poll does not open.

At close (closing.py) the ballots are unsealed, written as plaintext in receipt-code order, and
the sealed rows and the wrapped key are deleted in the close transaction; after the commit
`scrub` removes what the deleted rows leave behind (PostgreSQL: VACUUM; SQLite: the freed pages
were zeroed by secure_delete, and the write-ahead log is truncated).

The server key: `BALLOT_KEY` (64 hex characters, 32 bytes). Production refuses to start without
it (config.ProductionConfig.check); development and the demo read it from instance/ballot.key,
created on first start; the tests use a fixed key.
"""
from __future__ import annotations

import logging
import os
import secrets
import time
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app

KEY_BYTES = 32
NONCE_BYTES = 12
TRACKER_CHARS = 16
# tracker, ",", choice, padded with spaces: the longest choice ("1;2;…;20") is 50 characters.
SEALED_TEXT = TRACKER_CHARS + 1 + 63
EXTENSION = "yishi_ballot_key"

log = logging.getLogger(__name__)


class SealError(RuntimeError):
    """A sealed ballot or a wrapped key that does not open with the key given."""


def parse_server_key(text: str) -> bytes:
    """BALLOT_KEY: 64 hexadecimal characters (python -c 'import secrets; print(secrets.token_hex(32))')."""
    try:
        key = bytes.fromhex((text or "").strip())
    except ValueError:
        key = b""
    if len(key) != KEY_BYTES:
        raise ValueError("BALLOT_KEY must be 64 hexadecimal characters (32 random bytes): "
                         "python -c 'import secrets; print(secrets.token_hex(32))'")
    return key


def load_server_key(app) -> bytes:
    """The server key of this app: BALLOT_KEY, else (not in production, which refuses to start
    without it) instance/ballot.key, created with mode 0600 the first time."""
    configured = app.config.get("BALLOT_KEY") or ""
    if configured:
        key = parse_server_key(configured)
    else:
        path = Path(app.config.get("BALLOT_KEY_FILE") or Path(app.instance_path) / "ballot.key")
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(KEY_BYTES) + "\n")
        key = parse_server_key(path.read_text())
    app.extensions[EXTENSION] = key
    return key


def server_key() -> bytes:
    return current_app.extensions[EXTENSION]


def _aad(kind: bytes, poll_id: int) -> bytes:
    return kind + b":" + str(poll_id).encode("ascii")


def new_wrapped_key(poll_id: int) -> bytes:
    """A new random data key for the poll, wrapped by the server key: nonce || ciphertext || tag."""
    nonce = secrets.token_bytes(NONCE_BYTES)
    return nonce + AESGCM(server_key()).encrypt(nonce, secrets.token_bytes(KEY_BYTES), _aad(b"poll-key", poll_id))


def unwrap(wrapped: bytes, poll_id: int) -> bytes:
    try:
        return AESGCM(server_key()).decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], _aad(b"poll-key", poll_id))
    except InvalidTag:
        raise SealError(f"the ballot key of poll {poll_id} does not open with this BALLOT_KEY") from None


def seal(data_key: bytes, poll_id: int, tracker: str, choice: str) -> bytes:
    text = f"{tracker},{choice}"
    if len(tracker) != TRACKER_CHARS or len(text) > SEALED_TEXT:
        raise ValueError("a ballot too long to seal")
    nonce = secrets.token_bytes(NONCE_BYTES)
    return nonce + AESGCM(data_key).encrypt(nonce, text.ljust(SEALED_TEXT).encode("ascii"), _aad(b"ballot", poll_id))


def unseal(data_key: bytes, poll_id: int, sealed: bytes) -> tuple[str, str]:
    """(tracker, choice) of a sealed ballot."""
    try:
        text = AESGCM(data_key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], _aad(b"ballot", poll_id))
    except InvalidTag:
        raise SealError(f"a sealed ballot of poll {poll_id} does not open") from None
    tracker, choice = text.decode("ascii").rstrip(" ").split(",", 1)
    return tracker, choice


# -- after the close has committed ----------------------------------------------------

SCRUB_FLAG = "yishi_scrub_ballots"
VACUUM_FULL = ("poll_sealed_ballot", "poll_ballot_key")
VACUUM = ("poll_ballot",)


def scrub(engine) -> dict:
    """Remove what the close's deleted rows leave in the database files (run after its commit,
    outside any transaction). Returns what it did, for the tests and the log.

    PostgreSQL: VACUUM FULL of the sealed ballots and the keys (small tables: the open polls'
    ballots; rewritten into new files, so no dead tuple with a cast's xmin and no freed bytes
    stay behind), VACUUM of the ballots (dead rows of ballots written before sealing existed).
    SQLite: every connection deletes with secure_delete=ON (portal/db.py), so the freed cells
    and pages are zeros; the write-ahead log, which holds each cast's pages, is checkpointed
    and truncated to 0 bytes (retried while a reader holds it)."""
    if engine.dialect.name == "postgresql":
        from sqlalchemy.exc import OperationalError

        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            # VACUUM FULL waits for the casts in flight and makes new ones wait: not for long.
            conn.exec_driver_sql("SET lock_timeout = '3s'")
            try:
                conn.exec_driver_sql("VACUUM (FULL) " + ", ".join(VACUUM_FULL))
                full = True
            except OperationalError:
                log.warning("votes: VACUUM FULL of the sealed ballots timed out after a close; plain VACUUM "
                            "instead (the freed space keeps its bytes until it is reused)")
                conn.exec_driver_sql("VACUUM " + ", ".join(VACUUM_FULL))
                full = False
            conn.exec_driver_sql("VACUUM " + ", ".join(VACUUM))
        return {"vacuumed": VACUUM_FULL + VACUUM, "full": full}
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
            if mode != "wal":
                return {"journal": mode}
            for attempt in range(50):
                busy, _log, _done = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
                if not busy:
                    return {"journal": mode, "truncated": True, "attempts": attempt + 1}
                time.sleep(0.02)
        log.warning("votes: the write-ahead log could not be truncated after a close (a reader held it); "
                    "it is overwritten by later writes and truncated at the next close")
        return {"journal": "wal", "truncated": False}
    return {}
