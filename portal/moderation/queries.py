"""Every read the moderation pages need."""
from __future__ import annotations

from sqlalchemy import select

from ..extensions import db


def subject(community, entry, subject_id: int):
    """The object of a registered kind (`entry`, registry.Moderatable) in this community, or None."""
    return db.session.execute(select(entry.model).where(
        entry.model.id == subject_id, entry.model.community_id == community.id)).scalar_one_or_none()


def subjects(community, entry, ids: list[int]) -> list:
    return list(db.session.execute(select(entry.model).where(
        entry.model.id.in_(ids), entry.model.community_id == community.id)).scalars())
