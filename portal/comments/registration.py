"""Comments take part in the one moderation mechanism."""
from __future__ import annotations

from ..moderation import registry
from .models import Comment


def _url(c: Comment) -> str:
    return registry.subject_url(c.subject_type, c.subject_id) + f"#comment-{c.id}"


def register() -> None:
    registry.register("comment", Comment, url=_url, excerpt=lambda c: c.body[:200])
