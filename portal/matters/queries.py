"""Read-side queries of the community's matter pages: the public ledger, one matter and its path,
the reporter's own list, the names the pages show. A constant number of statements per page."""
from __future__ import annotations

from sqlalchemy import func, or_, select

from ..auth.models import User
from ..communities.models import Community
from ..extensions import db
from ..levels import queries as levels
from ..levels.models import Grid
from .models import Matter, MatterCategory, MatterStep

PAGE = 20


def matter_of(community, matter_id: int) -> Matter | None:
    """This community's matter, else None (a foreign id is 404)."""
    return db.session.execute(select(Matter).where(Matter.id == matter_id, Matter.community_id == community.id)
                              ).scalar_one_or_none()


def by_serial(community, serial: int | None) -> Matter | None:
    if not serial:
        return None
    return db.session.execute(select(Matter).where(Matter.community_id == community.id, Matter.serial == serial)
                              ).scalar_one_or_none()


def ledger(community, state: str = "", page: int = 1) -> tuple[list[Matter], int]:
    """One page of the community's matters, newest first, and the number of pages."""
    q = select(Matter).where(Matter.community_id == community.id)
    n = select(func.count()).select_from(Matter).where(Matter.community_id == community.id)
    if state == "open":
        from .states import OPEN
        q, n = q.where(Matter.state.in_(OPEN)), n.where(Matter.state.in_(OPEN))
    elif state:
        q, n = q.where(Matter.state == state), n.where(Matter.state == state)
    total = db.session.execute(n).scalar_one()
    pages = max(1, (total + PAGE - 1) // PAGE)
    page = min(max(page, 1), pages)
    rows = list(db.session.execute(q.order_by(Matter.serial.desc()).offset((page - 1) * PAGE).limit(PAGE)).scalars())
    return rows, pages


def mine(community, user, limit: int = 100) -> list[Matter]:
    return list(db.session.execute(select(Matter).where(Matter.community_id == community.id,
                                                        Matter.reporter_id == user.id)
                                   .order_by(Matter.serial.desc()).limit(limit)).scalars())


def path(matter: Matter) -> list[MatterStep]:
    return list(db.session.execute(select(MatterStep).where(MatterStep.matter_id == matter.id)
                                   .order_by(MatterStep.seq)).scalars())


def path_unit_ids(matter: Matter) -> set[int]:
    """The units the matter went through (acting or receiving)."""
    rows = db.session.execute(select(MatterStep.unit_id, MatterStep.to_unit_id)
                              .where(MatterStep.matter_id == matter.id)).all()
    return {i for row in rows for i in row if i is not None} | {matter.holder_id}


def unit_names(ids) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return dict(db.session.execute(select(Community.id, Community.name).where(Community.id.in_(ids))).all())


def categories_by_id(ids) -> dict[int, MatterCategory]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {c.id: c for c in db.session.execute(select(MatterCategory).where(MatterCategory.id.in_(ids))).scalars()}


def grid_names(community) -> dict[int, str]:
    return dict(db.session.execute(select(Grid.id, Grid.name).where(Grid.community_id == community.id)).all())


def person_names(ids) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all())


def staff_unit_ids(user) -> set[int]:
    if user is None:
        return set()
    return {u.id for u in levels.staff_units(user)}


def open_matters(community, but: Matter, limit: int = 200) -> list[Matter]:
    """Other matters of the community a matter may be merged into."""
    return list(db.session.execute(select(Matter).where(
        Matter.community_id == community.id, Matter.id != but.id,
        or_(Matter.state.not_in(("merged", "refused")))).order_by(Matter.serial.desc()).limit(limit)).scalars())


def step_of(step_id: int) -> MatterStep | None:
    return db.session.get(MatterStep, step_id)
