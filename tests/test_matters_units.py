"""The matters pages of a street, district and department, through the views."""
from __future__ import annotations

from datetime import timedelta

import pytest

from portal.extensions import db
from portal.matters.models import Matter, MatterStep

from .support.helpers import Client
from .support.routes_unit_matters import make_matter


pytestmark = pytest.mark.usefixtures("fast_passwords")


def _as(app, name):
    c = Client(app)
    c.login(name)
    return c


def _fresh(m):
    db.session.expire_all()
    return db.session.get(Matter, m.id)


def _actions(m):
    return [s.action for s in db.session.query(MatterStep).filter_by(matter_id=m.id).order_by(MatterStep.seq)]


def test_department_accepts_notes_asks_and_resolves(app, world):
    m = make_matter(world, "dispatched")
    c = _as(app, "depa")
    queue = c.get("/u/dept-a/matters/")
    assert queue.status_code == 200 and "路灯坏了" in queue.get_data(as_text=True)
    page = c.get(f"/u/dept-a/matters/{m.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "村口第三根路灯不亮" in html
    assert "resa" not in html and world["resa"].display_name not in html  # no reporter above the community
    r = c.post(f"/u/dept-a/matters/{m.id}/accept", {})
    assert r.status_code == 303
    assert _fresh(m).state == "handling"
    assert c.post(f"/u/dept-a/matters/{m.id}/note", {"text": "已派人查看"}).status_code == 303
    assert c.post(f"/u/dept-a/matters/{m.id}/extension", {"hours": "24", "reason": "等零件"}).status_code == 303
    assert _fresh(m).extension_asked
    # Once only: a second ask is refused on the page (the form is gone, the service says why).
    again = c.post(f"/u/dept-a/matters/{m.id}/extension", {"hours": "24", "reason": "再等"})
    assert again.status_code in (400, 403)
    r = c.post(f"/u/dept-a/matters/{m.id}/resolve", {"outcome": "换了灯泡。"})
    assert r.status_code == 303
    m = _fresh(m)
    assert m.state == "resolved" and m.outcome == "换了灯泡。" and m.resolved_by_id == world.unit("dept-a").id
    assert _actions(m)[-4:] == ["accept", "note", "extend", "resolve"]


def test_department_returns_with_a_confirmation(app, world):
    m = make_matter(world, "dispatched")
    c = _as(app, "depa")
    confirm = c.get(f"/u/dept-a/matters/{m.id}/return")
    assert confirm.status_code == 200 and "Dorf A" in confirm.get_data(as_text=True)
    assert c.post(f"/u/dept-a/matters/{m.id}/return", {"reason": ""}).status_code == 400
    assert c.post(f"/u/dept-a/matters/{m.id}/return", {"reason": "不归我们管"}).status_code == 303
    m = _fresh(m)
    assert m.state == "triage" and m.holder_id == world.a.id


def test_the_sender_recalls_and_decides_an_extension(app, world):
    m = make_matter(world, "street-sent")
    c = _as(app, "stra")
    assert c.get(f"/u/jie-a/matters/{m.id}/recall").status_code == 200
    assert c.post(f"/u/jie-a/matters/{m.id}/recall", {}).status_code == 303
    m = _fresh(m)
    assert m.state == "triage" and m.holder_id == world.unit("jie-a").id
    m2 = make_matter(world, "street-ext", title="水管漏水")
    before = m2.deadline
    assert c.post(f"/u/jie-a/matters/{m2.id}/extension/decide", {"decision": "grant"}).status_code == 303
    m2 = _fresh(m2)
    assert m2.extension_decided == "granted" and m2.deadline == before + timedelta(hours=24)


def test_the_street_urges_the_department(app, world):
    m = make_matter(world, "handling")
    c = _as(app, "stra")
    page = c.get(f"/u/jie-a/matters/{m.id}").get_data(as_text=True)
    assert "/urge" in page and "/accept" not in page
    assert c.post(f"/u/jie-a/matters/{m.id}/urge", {"urge_note": "请三天内修好"}).status_code == 303
    assert _fresh(m).urged == 1
    # The department itself cannot urge what it holds.
    assert _as(app, "depa").post(f"/u/dept-a/matters/{m.id}/urge", {"urge_note": "x"}).status_code == 403


def test_the_street_dispatches_further(app, world):
    m = make_matter(world, "at-street")
    c = _as(app, "stra")
    dept = world.unit("dept-a")
    r = c.post(f"/u/jie-a/matters/{m.id}/dispatch", {"to_unit": str(dept.id), "deadline_hours": "48"})
    assert r.status_code == 303
    m = _fresh(m)
    assert m.state == "dispatched" and m.holder_id == dept.id and m.sender_id == world.unit("jie-a").id


def test_a_department_never_sees_a_matter_not_sent_to_it(app, world):
    m = make_matter(world, "reported")
    c = _as(app, "depa")
    assert c.get(f"/u/dept-a/matters/{m.id}").status_code == 404
    assert c.post(f"/u/dept-a/matters/{m.id}/accept", {}).status_code == 404
    assert c.get("/u/dept-a/matters/999999").status_code == 404


def test_foreign_staff_get_404(app, world):
    from portal.levels import services as ls

    m = make_matter(world, "dispatched")
    # The staff of another department and of another street: staff there, but not of this matter.
    assert _as(app, "depb").get(f"/u/dept-b/matters/{m.id}").status_code == 404
    ls.appoint_staff(world.unit("jie-b"), world["nobody"], actor=world["root"])
    db.session.commit()
    c = _as(app, "nobody")
    assert c.get(f"/u/jie-b/matters/{m.id}").status_code == 404
    assert c.post(f"/u/jie-b/matters/{m.id}/urge", {"urge_note": "x"}).status_code == 404
    ledger = c.get("/u/jie-b/matters/ledger").get_data(as_text=True)
    assert "路灯坏了" not in ledger


def test_ledger_shows_no_reporter(app, world):
    make_matter(world, "closed")
    html = Client(app).get("/u/jie-a/matters/ledger").get_data(as_text=True)
    assert "路灯坏了" in html and "换了灯泡" in html and "Dorf A" in html
    assert world["resa"].display_name not in html
    assert Client(app).get("/u/dept-a/matters/ledger").status_code == 404


def _overdue(m, hours=1):
    m = _fresh(m)
    m.deadline = m.deadline.replace(year=m.deadline.year - 1) if hours is None else \
        m.reported_at - timedelta(hours=hours)
    db.session.commit()
    return m


def test_the_district_sees_its_overdue_list(app, world):
    late = make_matter(world, "handling", title="井盖丢了")
    make_matter(world, "handling", title="还没到期")
    _overdue(late, 5)
    html = Client(app).get("/u/qu-a/matters/overdue").get_data(as_text=True)
    assert "井盖丢了" in html and "还没到期" not in html
    assert "井盖丢了" not in Client(app).get("/u/qu-b/matters/overdue").get_data(as_text=True)
    queue = _as(app, "depa").get("/u/dept-a/matters/").get_data(as_text=True)
    assert queue.index("井盖丢了") < queue.index("还没到期")  # overdue first


def test_escalate_due_moves_an_overdue_matter_up(app, world):
    m = make_matter(world, "handling")
    _overdue(m, 100)
    result = app.test_cli_runner().invoke(args=["matters", "escalate-due"])
    assert result.exit_code == 0, result.output
    assert "escalated 1" in result.output
    m = _fresh(m)
    assert m.state == "dispatched" and m.holder_id == world.unit("jie-a").id
    assert _actions(m)[-1] == "escalate"
    again = app.test_cli_runner().invoke(args=["matters", "escalate-due"])
    assert "escalated 0" in again.output


def test_recount_check(app, world):
    make_matter(world, "closed")
    ok = app.test_cli_runner().invoke(args=["matters", "recount", "--check"])
    assert ok.exit_code == 0, ok.output
    from portal.matters.models import MatterTally

    row = db.session.query(MatterTally).first()
    row.reported += 5
    db.session.commit()
    bad = app.test_cli_runner().invoke(args=["matters", "recount", "--check"])
    assert bad.exit_code == 1 and "difference" in bad.output


def test_resolve_with_an_evidence_photo(app, world):
    import io

    from PIL import Image

    from portal.uploads.models import Attachment

    m = make_matter(world, "handling")
    out = io.BytesIO()
    Image.new("RGB", (40, 20), "red").save(out, "JPEG")
    c = _as(app, "depa")
    r = c.post(f"/u/dept-a/matters/{m.id}/resolve", {"outcome": "修好了", "photo": (io.BytesIO(out.getvalue()), "fix.jpg")},
               content_type="multipart/form-data")
    assert r.status_code == 303
    step = db.session.query(MatterStep).filter_by(matter_id=m.id, action="resolve").one()
    a = db.session.query(Attachment).filter_by(owner_type="matter_step", owner_id=step.id).one()
    assert a.community_id == world.a.id
    assert c.get(f"/u/dept-a/matters/{m.id}").status_code == 200


def test_pages_stay_small(app, world):
    for i in range(22):
        make_matter(world, "dispatched", title=f"事件{i}", commit=False)
    db.session.commit()
    c = _as(app, "depa")
    for url in ("/u/dept-a/matters/", "/u/jie-a/matters/ledger", "/u/qu-a/matters/overdue", "/u/jie-a/matters/figures"):
        r = c.get(url)
        assert r.status_code == 200 and len(r.get_data()) < 60_000, url
    assert 'rel="next"' in c.get("/u/jie-a/matters/ledger").get_data(as_text=True)
