"""What can be read aloud: each capability registers its kinds of text blocks.

    register("proposal", load=..., text=..., can_read=...)

`load(community, id)` is community-scoped (None: not there), `can_read(ctx, obj)` says
whether the person may read it on the page (else the audio is a 404 too), and
`text(obj, part)` gives the stored text of one block (None: no such block)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Readable:
    kind: str
    load: Callable
    text: Callable
    can_read: Callable


_KINDS: dict[str, Readable] = {}


def register(kind: str, *, load: Callable, text: Callable, can_read: Callable) -> None:
    _KINDS[kind] = Readable(kind, load, text, can_read)


def get(kind: str) -> Readable | None:
    return _KINDS.get(kind)
