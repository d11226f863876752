"""The case status read aloud (a plain sentence: where it stands, what happens next). Only the
people who may see the case hear it: its parties, assigned mediators and the committee
(permissions.relation); for everyone else the audio does not exist (404), like the case."""
from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..readaloud import registry
from . import permissions as perm
from . import queries
from .labels import status_sentence
from .models import MediationCase


def _load(community, case_id: int) -> MediationCase | None:
    return db.session.execute(select(MediationCase).where(
        MediationCase.id == case_id, MediationCase.community_id == community.id)).scalar_one_or_none()


def _text(case: MediationCase, part: str) -> str | None:
    return status_sentence(case) if part == "status" else None


def _can_read(ctx, case: MediationCase) -> bool:
    return ctx.signed_in and perm.can_view(perm.relation(ctx, case, queries.mediator_ids(case)))


registry.register("mediation", load=_load, text=_text, can_read=_can_read)
