"""The case status read aloud (a plain sentence: where it stands, what happens next). Only the
people who may see the case hear it: its parties, assigned mediators and the committee
(permissions.relation); for everyone else the audio does not exist (404), like the case."""
from __future__ import annotations

from ..readaloud import registry
from . import permissions as perm
from . import queries
from .labels import status_sentence
from .models import MediationCase


def _text(case: MediationCase, part: str) -> str | None:
    return status_sentence(case) if part == "status" else None


def _can_read(ctx, case: MediationCase) -> bool:
    return ctx.signed_in and perm.can_view(perm.relation(ctx, case, queries.mediator_ids(case)))


def register() -> None:
    registry.register("mediation", load=queries.case_of, text=_text, can_read=_can_read)
