"""Reads of the matters pages of the units above the community: the queue, the matter for a unit,
its path, the ledgers and the overdue list. Each a fixed number of statements."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, func, or_, select

from ..communities.models import Community
from ..db import utcnow
from ..extensions import db
from ..levels.models import Grid
from .models import Matter, MatterCategory, MatterStep
from .states import OPEN

PER_PAGE = 20
# The states whose deadline runs (a resolved matter waits for the reporter, not the holder).
RUNNING = ("triage", "more_info", "dispatched", "handling")


@dataclass
class Page:
    items: list
    page: int
    pages: int
    total: int


def _paged(query, count_query, page: int) -> Page:
    total = db.session.execute(count_query).scalar_one()
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(1, page), pages)
    items = list(db.session.execute(query.limit(PER_PAGE).offset((page - 1) * PER_PAGE)).scalars())
    return Page(items, page, pages, total)


def matter_for_unit(unit: Community, matter_id: int) -> Matter | None:
    """The matter if `unit` may see it: it holds it, held it (a step from or to it), or the
    matter lies in its street or district. Else None (a 404)."""
    if not isinstance(matter_id, int) or not 0 < matter_id < 2**31:
        return None
    touched = exists().where(MatterStep.matter_id == Matter.id,
                             or_(MatterStep.unit_id == unit.id, MatterStep.to_unit_id == unit.id))
    return db.session.execute(select(Matter).where(
        Matter.id == matter_id,
        or_(Matter.holder_id == unit.id, Matter.street_id == unit.id, Matter.district_id == unit.id, touched))
    ).scalar_one_or_none()


def path(matter: Matter) -> list[MatterStep]:
    return list(db.session.execute(select(MatterStep).where(MatterStep.matter_id == matter.id)
                                   .order_by(MatterStep.seq)).scalars())


def unit_names(ids) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(db.session.execute(select(Community.id, Community.name).where(Community.id.in_(ids))).all())


def path_unit_ids(matter: Matter, steps) -> set[int]:
    ids = {matter.holder_id, matter.sender_id, matter.community_id, matter.street_id, matter.district_id,
           matter.resolved_by_id}
    for s in steps:
        ids |= {s.unit_id, s.to_unit_id}
    return {i for i in ids if i}


def category_names(ids) -> dict[int, MatterCategory]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {c.id: c for c in db.session.execute(select(MatterCategory).where(MatterCategory.id.in_(ids))).scalars()}


def grid_names(ids) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(db.session.execute(select(Grid.id, Grid.name).where(Grid.id.in_(ids))).all())


def queue(unit: Community, page: int = 1) -> Page:
    """The open matters the unit holds now: by deadline, so the overdue ones come first."""
    where = (Matter.holder_id == unit.id, Matter.state.in_(OPEN))
    return _paged(select(Matter).where(*where).order_by(Matter.deadline, Matter.id),
                  select(func.count()).select_from(Matter).where(*where), page)


def _area(unit: Community):
    if unit.level == "district":
        return Matter.district_id == unit.id
    if unit.level == "street":
        return Matter.street_id == unit.id
    return Matter.holder_id == unit.id


def ledger(unit: Community, page: int = 1) -> Page:
    """电子台账: every matter reported in the street's (district's) communities, newest first."""
    where = _area(unit)
    return _paged(select(Matter).where(where).order_by(Matter.reported_at.desc(), Matter.id.desc()),
                  select(func.count()).select_from(Matter).where(where), page)


def overdue(unit: Community, page: int = 1) -> Page:
    """The area's open matters past their deadline, the oldest deadline first."""
    where = (_area(unit), Matter.state.in_(RUNNING), Matter.deadline < utcnow())
    return _paged(select(Matter).where(*where).order_by(Matter.deadline, Matter.id),
                  select(func.count()).select_from(Matter).where(*where), page)


def labels_for(matters) -> dict:
    """The names a list of matters shows: units (community, holder), categories, grids."""
    return {"units": unit_names({m.community_id for m in matters} | {m.holder_id for m in matters}),
            "categories": category_names({m.category_id for m in matters}),
            "grids": grid_names({m.grid_id for m in matters})}
