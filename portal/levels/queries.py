"""Reads of the tree: a unit's ancestors and children, grids and their workers."""
from __future__ import annotations

from sqlalchemy import select

from ..communities.models import Community, Membership, MemberRole
from ..extensions import db
from .models import Grid, GridAssignment


def unit(unit_id: int | None) -> Community | None:
    return db.session.get(Community, unit_id) if unit_id is not None else None


def ancestors(unit_: Community) -> list[Community]:
    """The units above `unit_`, nearest first (a community: its street, then its district)."""
    out, seen, current = [], {unit_.id}, unit_
    while current.parent_id is not None and current.parent_id not in seen:
        current = db.session.get(Community, current.parent_id)
        if current is None:
            break
        seen.add(current.id)
        out.append(current)
    return out


def street_and_district(community: Community) -> tuple[Community | None, Community | None]:
    street = district = None
    for u in ancestors(community):
        if u.level == "street" and street is None:
            street = u
        elif u.level == "district" and district is None:
            district = u
    return street, district


def children(unit_: Community, level: str | None = None, limit: int = 500) -> list[Community]:
    q = select(Community).where(Community.parent_id == unit_.id)
    if level is not None:
        q = q.where(Community.level == level)
    return list(db.session.execute(q.order_by(Community.name, Community.id).limit(limit)).scalars())


def units_of_level(level: str, limit: int = 500) -> list[Community]:
    return list(db.session.execute(select(Community).where(Community.level == level)
                                   .order_by(Community.name, Community.id).limit(limit)).scalars())


def within(unit_: Community, other: Community) -> bool:
    """Whether `other` is `unit_` or lies below it."""
    return other.id == unit_.id or any(a.id == unit_.id for a in ancestors(other))


def grids(community: Community) -> list[Grid]:
    return list(db.session.execute(select(Grid).where(Grid.community_id == community.id)
                                   .order_by(Grid.name, Grid.id)).scalars())


def grid_of(community: Community, grid_id: int) -> Grid | None:
    return db.session.execute(select(Grid).where(Grid.id == grid_id, Grid.community_id == community.id)
                              ).scalar_one_or_none()


def grids_of_worker(community: Community, user) -> list[Grid]:
    return list(db.session.execute(
        select(Grid).join(GridAssignment, GridAssignment.grid_id == Grid.id)
        .where(Grid.community_id == community.id, GridAssignment.user_id == user.id).order_by(Grid.name)).scalars())


def grid_worker_ids(grid_id: int) -> set[int]:
    return set(db.session.execute(select(GridAssignment.user_id).where(GridAssignment.grid_id == grid_id)).scalars())


def staff_units(user) -> list[Community]:
    """The units above the communities where `user` is staff."""
    return list(db.session.execute(
        select(Community).join(Membership, Membership.community_id == Community.id)
        .join(MemberRole, MemberRole.membership_id == Membership.id)
        .where(Membership.user_id == user.id, Membership.status == "verified", MemberRole.role == "staff")
        .order_by(Community.name)).scalars())
