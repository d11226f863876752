"""统计量化: a unit's figures from the counters only (matter_tally, matter_close_days), plus one
index count of the open matters past their deadline (docs/architecture.md, "Figures"). Never a
scan of `matter`. Counts between 1 and MIN_CELL - 1 are not shown, as in mediation's figures."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from ..communities.models import Community
from ..db import utcnow
from ..extensions import db
from .models import Matter, MatterCategory, MatterCloseDays, MatterTally
from .tally import month_of

MIN_CELL = 3
MONTHS = 12
RUNNING = ("triage", "more_info", "dispatched", "handling")


def cell(n: int | None) -> int | None:
    """A count as shown: None (hidden) for 1 … MIN_CELL - 1."""
    if n is None:
        return None
    return n if n == 0 or n >= MIN_CELL else None


def share(part: int, whole: int) -> float | None:
    """part/whole in per cent, only when `whole` is large enough to show."""
    return round(100.0 * part / whole, 1) if whole >= MIN_CELL else None


def median_from(histogram: dict[int, int]) -> float | None:
    """The median of whole days from {days: n}, without the single values."""
    n = sum(histogram.values())
    if n < MIN_CELL:
        return None
    wanted = ((n - 1) // 2, n // 2)  # the middle one or two positions, 0-based
    found, seen = [], 0
    for days in sorted(histogram):
        count = histogram[days]
        for position in wanted:
            if seen <= position < seen + count:
                found.append(days)
        seen += count
    return sum(found) / len(found)


def last_months(now: datetime, months: int = MONTHS) -> list[int]:
    """yyyymm of the last `months` months, oldest first, ending with this one (local time)."""
    current = month_of(now)
    year, month = divmod(current, 100)
    out = []
    for _ in range(months):
        out.append(year * 100 + month)
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return out[::-1]


@dataclass
class Figures:
    reported: int | None
    closed: int | None
    on_time: int | None
    on_time_share: float | None
    overdue: int | None
    median_days: float | None
    satisfied_share: float | None
    rated: int | None
    by_category: list = field(default_factory=list)  # (category name, reported, closed, on time share)
    by_month: list = field(default_factory=list)  # (yyyymm, reported, closed)


def overdue_count(unit, now: datetime | None = None, grid_id: int = 0) -> int:
    """The one read of `matter`: open matters past their deadline, by an index: on the grid, the
    community, the street or district, or the holder (a department)."""
    now = now or utcnow()
    if grid_id:
        where = Matter.grid_id == grid_id
    elif unit.level == "community":
        where = Matter.community_id == unit.id
    elif unit.level == "district":
        where = Matter.district_id == unit.id
    elif unit.level == "street":
        where = Matter.street_id == unit.id
    else:
        where = Matter.holder_id == unit.id
    return db.session.execute(select(func.count()).select_from(Matter).where(
        where, Matter.state.in_(RUNNING), Matter.deadline < now)).scalar_one()


def overdue_by_holder(unit_ids, now: datetime | None = None) -> dict[int, int]:
    """Open matters past their deadline held by each of `unit_ids` (one grouped index read)."""
    unit_ids = list(unit_ids)
    if not unit_ids:
        return {}
    now = now or utcnow()
    return dict(db.session.execute(select(Matter.holder_id, func.count()).where(
        Matter.holder_id.in_(unit_ids), Matter.state.in_(RUNNING), Matter.deadline < now)
        .group_by(Matter.holder_id)).all())


def unit_figures(unit, grid_id: int = 0, now: datetime | None = None, locale: str = "zh") -> Figures:
    """The figures of `unit` (a Community or its id), all grids (grid_id 0) or one grid."""
    if isinstance(unit, int):
        unit = db.session.get(Community, unit)
    now = now or utcnow()
    rows = db.session.execute(select(MatterTally).where(MatterTally.unit_id == unit.id,
                                                        MatterTally.grid_id == grid_id)).scalars().all()
    totals = dict.fromkeys(("reported", "closed", "on_time", "satisfied", "fair", "unsatisfied"), 0)
    per_category: dict[int, list[int]] = {}
    per_month: dict[int, list[int]] = {}
    for r in rows:
        for k in totals:
            totals[k] += getattr(r, k)
        c = per_category.setdefault(r.category_id, [0, 0, 0])
        c[0], c[1], c[2] = c[0] + r.reported, c[1] + r.closed, c[2] + r.on_time
        m = per_month.setdefault(r.month, [0, 0])
        m[0], m[1] = m[0] + r.reported, m[1] + r.closed
    histogram = dict(db.session.execute(select(MatterCloseDays.days, MatterCloseDays.n).where(
        MatterCloseDays.unit_id == unit.id, MatterCloseDays.grid_id == grid_id, MatterCloseDays.n > 0)).all())
    names = {}
    if per_category:
        for c in db.session.execute(select(MatterCategory).where(MatterCategory.id.in_(per_category))).scalars():
            names[c.id] = c.name_en if (locale.startswith("en") and c.name_en) else c.name
    rated = totals["satisfied"] + totals["fair"] + totals["unsatisfied"]
    by_category = sorted(((names.get(cid, "?"), cell(v[0]), cell(v[1]), share(v[2], v[1]))
                          for cid, v in per_category.items() if v[0] or v[1]), key=lambda t: t[0])
    by_month = [(m, cell(per_month.get(m, [0, 0])[0]), cell(per_month.get(m, [0, 0])[1])) for m in last_months(now)]
    return Figures(reported=cell(totals["reported"]), closed=cell(totals["closed"]), on_time=cell(totals["on_time"]),
                   on_time_share=share(totals["on_time"], totals["closed"]),
                   overdue=cell(overdue_count(unit, now, grid_id)),
                   median_days=median_from(histogram), satisfied_share=share(totals["satisfied"], rated),
                   rated=cell(rated), by_category=by_category, by_month=by_month)


@dataclass
class Rank:
    unit_id: int
    name: str
    level: str
    closed: int | None
    on_time_share: float | None
    overdue: int | None


def ranking(units, now: datetime | None = None) -> list[Rank]:
    """A street's communities and departments: closed on time (share) and overdue now."""
    units = list(units)
    if not units:
        return []
    ids = [u.id for u in units]
    sums = {uid: (closed or 0, on_time or 0) for uid, closed, on_time in db.session.execute(
        select(MatterTally.unit_id, func.sum(MatterTally.closed), func.sum(MatterTally.on_time))
        .where(MatterTally.unit_id.in_(ids), MatterTally.grid_id == 0).group_by(MatterTally.unit_id)).all()}
    late = overdue_by_holder(ids, now)
    out = []
    for u in units:
        closed, on_time = sums.get(u.id, (0, 0))
        out.append(Rank(u.id, u.name, u.level, cell(closed), share(on_time, closed), cell(late.get(u.id, 0))))
    return out


def by_on_time(ranks: list[Rank]) -> list[Rank]:
    """Best on-time share first; units with too few closes to show last."""
    return sorted(ranks, key=lambda r: (r.on_time_share is None, -(r.on_time_share or 0), r.name))


def by_overdue(ranks: list[Rank]) -> list[Rank]:
    return sorted(ranks, key=lambda r: (-(r.overdue or 0), r.name))
