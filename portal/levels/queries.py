"""Reads of the tree: a unit's ancestors and children, grids and their workers."""
from __future__ import annotations

from sqlalchemy import func, select

from ..auth.models import User
from ..communities.models import Community, Membership, MemberRole
from ..extensions import db
from ..matters.models import MatterCategory
from ..roster.models import Household
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


def unit_by_slug(slug: str) -> Community | None:
    return db.session.execute(select(Community).where(Community.slug == slug)).scalar_one_or_none()


def child_by_slug(unit_: Community, slug: str) -> Community | None:
    """A unit right below `unit_`, by its short name."""
    return db.session.execute(select(Community).where(Community.slug == slug, Community.parent_id == unit_.id)
                              ).scalar_one_or_none()


def staff_of(unit_ids: list[int]) -> dict[int, list]:
    """{unit id: [user, …]} of the staff of these units: one statement."""
    if not unit_ids:
        return {}
    rows = db.session.execute(
        select(Membership.community_id, User).join(User, User.id == Membership.user_id)
        .join(MemberRole, MemberRole.membership_id == Membership.id)
        .where(Membership.community_id.in_(unit_ids), Membership.status == "verified", MemberRole.role == "staff")
        .order_by(User.display_name, User.id)).all()
    out: dict[int, list] = {}
    for cid, user in rows:
        out.setdefault(cid, []).append(user)
    return out


def tree(limit: int) -> dict[str, list[Community]]:
    """Every unit of each level (at most `limit` each), for the platform admin's tree."""
    return {level: units_of_level(level, limit) for level in ("district", "street", "department", "community")}


def workers_by_grid(community: Community) -> dict[int, list]:
    """{grid id: [user, …]} of the community's grids: one statement."""
    rows = db.session.execute(
        select(GridAssignment.grid_id, User).join(User, User.id == GridAssignment.user_id)
        .join(Grid, Grid.id == GridAssignment.grid_id).where(Grid.community_id == community.id)
        .order_by(User.display_name, User.id)).all()
    out: dict[int, list] = {}
    for gid, user in rows:
        out.setdefault(gid, []).append(user)
    return out


def grid_worker_members(community: Community) -> list[Membership]:
    """The verified members with the role grid_worker."""
    return list(db.session.execute(
        select(Membership).join(MemberRole, MemberRole.membership_id == Membership.id)
        .where(Membership.community_id == community.id, Membership.status == "verified",
               MemberRole.role == "grid_worker").order_by(Membership.id)).unique().scalars())


def household_counts(community: Community) -> dict[int, int]:
    """{grid id: households in it}."""
    return dict(db.session.execute(
        select(Household.grid_id, func.count()).where(Household.community_id == community.id,
                                                      Household.grid_id.is_not(None))
        .group_by(Household.grid_id)).all())


def household_by_name(community: Community, name: str):
    return db.session.execute(select(Household).where(Household.community_id == community.id,
                                                      Household.name == (name or "").strip())).scalar_one_or_none()


def stored_categories(street: Community) -> list[MatterCategory]:
    """The street's active categories as stored (none before their first use: then the matters'
    services make the defaults), read without writing, since a GET never commits."""
    rows = list(db.session.execute(select(MatterCategory).where(MatterCategory.street_id == street.id)
                                   .order_by(MatterCategory.position, MatterCategory.id)).scalars())
    return [c for c in rows if c.active]
