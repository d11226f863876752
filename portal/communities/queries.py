"""Every read the community pages, the platform admin's page and the front page need."""
from __future__ import annotations

from sqlalchemy import func, select, text

from ..extensions import db
from .models import Community, Membership


def member_count(community: Community) -> int:
    """Verified residents."""
    return db.session.execute(
        select(func.count()).select_from(Membership)
        .where(Membership.community_id == community.id, Membership.status == "verified")
    ).scalar_one()


def pending_requests(community: Community, limit: int) -> tuple[list[Membership], int]:
    """The oldest waiting requests (at most `limit`) and how many wait in all."""
    q = select(Membership).where(Membership.community_id == community.id, Membership.status == "pending")
    rows = db.session.execute(q.order_by(Membership.requested_at, Membership.id).limit(limit)).scalars().all()
    total = db.session.execute(select(func.count()).select_from(q.subquery())).scalar_one()
    return list(rows), total


def verified_members(community: Community, offset: int, limit: int) -> list[Membership]:
    return list(db.session.execute(
        select(Membership).where(Membership.community_id == community.id, Membership.status == "verified")
        .order_by(Membership.id).offset(offset).limit(limit)).scalars().all())


def all_communities(limit: int) -> list[Community]:
    """The platform's communities by name (front page, platform admin)."""
    return list(db.session.execute(select(Community).order_by(Community.name).limit(limit)).scalars().all())


def community_by_slug(slug: str) -> Community | None:
    return db.session.execute(select(Community).where(Community.slug == slug)).scalar_one_or_none()


def first_verified(user) -> tuple[Community, Membership] | None:
    """The first community where `user` is a verified resident, with the membership."""
    found = db.session.execute(
        select(Community, Membership).join(Membership, Membership.community_id == Community.id)
        .where(Membership.user_id == user.id, Membership.status == "verified")
        .order_by(Membership.id).limit(1)).first()
    return (found[0], found[1]) if found else None


def database_answers() -> None:
    """The health check's one statement: raises if the database does not answer."""
    db.session.execute(text("SELECT 1"))
