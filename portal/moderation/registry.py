"""Which content types can be flagged and hidden, and how to reach them."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Moderatable:
    subject_type: str
    model: type
    url: Callable  # (obj) -> url of the page showing it
    excerpt: Callable  # (obj) -> short text for the committee's queue
    url_for_id: Callable | None = None  # (id) -> url of the page (for comments on it)


_REGISTRY: dict[str, Moderatable] = {}


def register(subject_type: str, model: type, url: Callable, excerpt: Callable,
             url_for_id: Callable | None = None) -> None:
    _REGISTRY[subject_type] = Moderatable(subject_type, model, url, excerpt, url_for_id)


def subject_url(subject_type: str, subject_id: int) -> str:
    entry = _REGISTRY[subject_type]
    return entry.url_for_id(subject_id)


def get(subject_type: str) -> Moderatable | None:
    return _REGISTRY.get(subject_type)


def types() -> list[str]:
    return sorted(_REGISTRY)
