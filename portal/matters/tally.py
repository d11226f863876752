"""The figures' counters, changed in the same transaction as the matter (docs/architecture.md,
"Figures"): one upsert per (unit, grid, category, month) row. recount() rebuilds what they should
hold from the matters themselves; only the tests and `flask matters recount` call it."""
from __future__ import annotations

from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..communities.models import Community
from ..extensions import db
from .models import Matter, MatterCloseDays, MatterStep, MatterTally

COUNTS = ("reported", "closed", "on_time", "satisfied", "fair", "unsatisfied")


def month_of(moment: datetime) -> int:
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai"))
    local = moment.astimezone(zone)
    return local.year * 100 + local.month


def _insert():
    return pg_insert if db.session.connection().dialect.name == "postgresql" else sqlite_insert


def area_keys(matter: Matter) -> list[tuple[int, int]]:
    """(unit, grid) rows a matter counts in by where it was reported: the community (all grids,
    and its grid), its street and its district."""
    keys = [(matter.community_id, 0)]
    if matter.grid_id:
        keys.append((matter.community_id, matter.grid_id))
    keys += [(u, 0) for u in (matter.street_id, matter.district_id) if u]
    return keys


def bump(keys, category_id: int, month: int, **deltas: int) -> None:
    """Add `deltas` to the rows of `keys` (created at zero when missing): one statement per row."""
    ins = _insert()
    table = MatterTally.__table__
    for unit_id, grid_id in keys:
        values = {"unit_id": unit_id, "grid_id": grid_id, "category_id": category_id, "month": month,
                  **{c: deltas.get(c, 0) for c in COUNTS}}
        stmt = ins(table).values(**values)
        stmt = stmt.on_conflict_do_update(
            index_elements=["unit_id", "grid_id", "category_id", "month"],
            set_={c: table.c[c] + deltas[c] for c in deltas})
        db.session.execute(stmt)


def bump_days(keys, days: int, delta: int) -> None:
    ins = _insert()
    table = MatterCloseDays.__table__
    for unit_id, grid_id in keys:
        stmt = ins(table).values(unit_id=unit_id, grid_id=grid_id, days=days, n=delta)
        db.session.execute(stmt.on_conflict_do_update(index_elements=["unit_id", "grid_id", "days"],
                                                      set_={"n": table.c.n + delta}))


def close_days(matter: Matter) -> int:
    return max(0, int((matter.closed_at - matter.reported_at).total_seconds() // 86400))


def closing_keys(matter: Matter) -> list[tuple[int, int]]:
    """Where a close counts: the matter's area, and the department that resolved it."""
    keys = area_keys(matter)
    if matter.resolved_by_id and (matter.resolved_by_id, 0) not in keys:
        keys.append((matter.resolved_by_id, 0))
    return keys


def rating_deltas(rating: str | None, sign: int) -> dict[str, int]:
    return {rating: sign} if rating else {}


def on_close(matter: Matter, sign: int = 1) -> None:
    """A close (sign 1) or its undoing by a reopen (sign -1): closed, on time, days and rating."""
    keys = closing_keys(matter)
    deltas = {"closed": sign, **({"on_time": sign} if matter.closed_on_time else {}),
              **rating_deltas(matter.rating, sign)}
    bump(keys, matter.category_id, month_of(matter.closed_at), **deltas)
    bump_days(keys, close_days(matter), sign)


def recount() -> tuple[dict, dict]:
    """What the counters should hold, from the matters: ({(unit, grid, category, month): {count: n}},
    {(unit, grid, days): n}). Zero rows are left out."""
    tallies: dict = {}
    days: Counter = Counter()

    def add(key, name, n=1):
        row = tallies.setdefault(key, dict.fromkeys(COUNTS, 0))
        row[name] += n

    departments = set(db.session.execute(select(Community.id).where(Community.level == "department")).scalars())
    first_accept: dict[int, dict[int, datetime]] = {}  # matter → {unit: its first acceptance}
    for matter_id, unit_id, at in db.session.execute(
            select(MatterStep.matter_id, MatterStep.unit_id, MatterStep.at).where(MatterStep.action == "accept")
            .order_by(MatterStep.matter_id, MatterStep.seq)):
        first_accept.setdefault(matter_id, {}).setdefault(unit_id, at)
    for m in db.session.execute(select(Matter)).scalars():
        for unit_id, grid_id in area_keys(m):
            add((unit_id, grid_id, m.category_id, month_of(m.reported_at)), "reported")
        for unit_id, at in first_accept.get(m.id, {}).items():
            if unit_id in departments:
                add((unit_id, 0, m.category_id, month_of(at)), "reported")
        if m.state == "closed":
            for unit_id, grid_id in closing_keys(m):
                key = (unit_id, grid_id, m.category_id, month_of(m.closed_at))
                add(key, "closed")
                if m.closed_on_time:
                    add(key, "on_time")
                if m.rating:
                    add(key, m.rating)
                days[(unit_id, grid_id, close_days(m))] += 1
    return ({k: v for k, v in tallies.items() if any(v.values())}, {k: n for k, n in days.items() if n})


def stored() -> tuple[dict, dict]:
    """What the counters hold (zero rows left out), to compare with recount()."""
    tallies = {}
    for t in db.session.execute(select(MatterTally)).scalars():
        row = {c: getattr(t, c) for c in COUNTS}
        if any(row.values()):
            tallies[(t.unit_id, t.grid_id, t.category_id, t.month)] = row
    days = {(d.unit_id, d.grid_id, d.days): d.n for d in db.session.execute(select(MatterCloseDays)).scalars() if d.n}
    return tallies, days
