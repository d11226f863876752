"""What votes bring to the portal's shared mechanisms: poll links (a poll may decide a proposal)
and read-aloud. Called from the package's init_app, never at import."""
from __future__ import annotations

from . import links, readaloud


def register() -> None:
    links.register_proposal()
    readaloud.register()
