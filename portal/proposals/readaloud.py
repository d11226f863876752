"""Proposals' text blocks that can be read aloud: the proposal itself and the official answer."""
from __future__ import annotations

from ..readaloud import registry
from . import permissions as perm
from . import queries


def _text(p, part):
    if part == "text":
        return f"{p.title}。\n{p.body}"
    if part == "answer":
        answer = queries.answer_for(p)
        return answer.body if answer is not None else None
    return None


def _can_read(ctx, p):
    return perm.can_view(ctx, p) and (not p.is_hidden or perm.can_see_hidden_text(ctx, p))


def register() -> None:
    registry.register("proposal", load=queries.load_detail, text=_text, can_read=_can_read)
