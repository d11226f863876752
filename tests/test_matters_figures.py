"""A unit's figures: from the counters only, small counts hidden, a chart with its table."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import event

from portal.extensions import db
from portal.matters import charts, figures
from portal.matters import services as ms
from portal.matters.models import Matter

from .support.helpers import Client
from .support.routes_unit_matters import make_matter


pytestmark = pytest.mark.usefixtures("fast_passwords")


def _closed_world(w):
    """Four matters closed by dept-a, on time, rated 3 satisfied and 1 unsatisfied; one left handling."""
    ms_list = [make_matter(w, "closed", title=f"路灯{i}", commit=False) for i in range(4)]
    for m, rating in zip(ms_list, ("satisfied", "satisfied", "satisfied", "unsatisfied")):
        ms.rate(w.a, m, rating, actor=w["resa"])
    open_one = make_matter(w, "handling", title="井盖", commit=False)
    db.session.commit()
    late = ms_list[3]
    return ms_list, late, open_one


def test_median_from_histogram():
    assert figures.median_from({0: 1, 2: 1}) is None  # too few
    assert figures.median_from({0: 1, 1: 1, 5: 1}) == 1
    assert figures.median_from({0: 2, 4: 2}) == 2
    assert figures.cell(2) is None and figures.cell(0) == 0 and figures.cell(3) == 3


def test_figures_after_closed_matters(app, world):
    matters, late, open_one = _closed_world(world)
    m = db.session.get(Matter, open_one.id)
    m.deadline = m.reported_at - timedelta(hours=1)
    db.session.commit()
    street, dept = world.unit("jie-a"), world.unit("dept-a")
    f = figures.unit_figures(street)
    assert f.reported == 5 and f.closed == 4 and f.on_time == 4 and f.on_time_share == 100.0
    assert f.median_days == 0 and f.satisfied_share == 75.0 and f.overdue is None  # 1 overdue: hidden
    d = figures.unit_figures(dept)
    assert d.reported == 5 and d.closed == 4
    assert sum(r or 0 for _, r, _c in f.by_month) == 5 and len(f.by_month) == 12
    assert f.by_category[0][1] == 5
    ranks = figures.ranking([world.a, world.b, dept])
    by_id = {r.unit_id: r for r in ranks}
    assert by_id[world.a.id].closed == 4 and by_id[world.a.id].on_time_share == 100.0
    assert by_id[world.b.id].closed == 0 and by_id[world.b.id].on_time_share is None
    assert figures.by_on_time(ranks)[0].unit_id == world.a.id


def test_figures_read_no_matter_table_but_the_overdue_count(app, world):
    _closed_world(world)
    statements = []

    def listen(conn, cursor, statement, params, context, executemany):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", listen)
    try:
        db.session.expire_all()
        street = world.unit("jie-a")
        figures.unit_figures(street)
        figures.ranking([world.a, world.b, world.unit("dept-a")])
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    on_matter = [s for s in statements if re.search(r"\bFROM matter\b(?!_)", s)]
    assert len(on_matter) == 2, on_matter  # the overdue count, and the overdue count by holder
    assert all("count(" in s.lower() and "deadline <" in s for s in on_matter)


def test_figures_page_has_chart_and_table(app, world):
    _closed_world(world)
    r = Client(app).get("/u/jie-a/matters/figures")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and len(r.get_data()) < 60_000
    assert '<svg class="chart" role="img"' in html and "<title" in html and "<table>" in html
    assert "Dorf A" in html and "Water A" in html  # the street's ranking
    assert Client(app).get("/u/dept-a/matters/figures").status_code == 200
    assert Client(app).get("/u/qu-a/matters/figures").status_code == 200


def test_bar_chart_geometry():
    c = charts.bar_chart([("1", 4), ("2", None), ("3", 2)], width=300, height=100, pad=10)
    assert [b.value for b in c.bars] == [4, None, 2]
    assert c.bars[0].height == 80 and c.bars[1].height == 4 and c.bars[2].height == 40  # hidden: a low outline
    assert c.bars[0].y + c.bars[0].height == c.baseline
