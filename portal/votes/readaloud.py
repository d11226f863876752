"""Polls' text blocks that can be read aloud (听一听): the question with its explanation,
and the question with every option (the ballot). Never one chosen option on its own: a
request for it would tie whoever plays it to that choice in an access log."""
from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..readaloud import registry, speech
from . import permissions as perm
from . import queries, results
from .models import Poll

_ENDS = tuple("。？！?!.：:")


def _load(community, poll_id):
    return db.session.execute(select(Poll).where(Poll.id == poll_id, Poll.community_id == community.id)
                              ).scalar_one_or_none()


def _sentence(text: str) -> str:
    """A full stop where the text has none, so the voice pauses between blocks."""
    text = text.strip()
    if text.endswith(_ENDS):
        return text
    return f"{text}。" if speech.voice_for(text) == speech.VOICES["zh"] else f"{text}."


def _text(poll, part):
    if part == "text":
        return "\n".join([_sentence(poll.question)] + ([poll.description] if poll.description.strip() else []))
    if part == "options":
        # Option words are spoken in the reader's language (yes / no / abstain are translated).
        lines = [_sentence(poll.question)]
        lines += [_sentence(f"{o.position}. {results.option_label(o)}") for o in queries.options(poll)]
        return "\n".join(lines)
    return None


def _can_read(ctx, poll):
    return perm.can_view(ctx, poll)


def register() -> None:
    """The poll's blocks for the read-aloud registry (called from registrations.py at start-up)."""
    registry.register("poll", load=_load, text=_text, can_read=_can_read)
