"""The community's matter pages: reporting (with photos, bad input kept), the committee's triage,
the reporter's answer, confirmation, rating and reopening, the public ledger that never names the
reporter, hostile text, and CSRF."""
from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from sqlalchemy import select

from portal.extensions import db
from portal.levels import queries as levels
from portal.matters import services as ms
from portal.matters.models import Matter
from portal.uploads.models import Attachment

from .support.helpers import Client, add_grid

EVIL = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'


pytestmark = pytest.mark.usefixtures("fast_passwords")


def _client(app, who):
    c = Client(app)
    c.login(who)
    return c


def _png():
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), "green").save(buf, "PNG")
    buf.seek(0)
    return buf


def _category(w, key="roads"):
    street, _ = levels.street_and_district(w.a)
    cid = next(c.id for c in ms.categories(street) if c.key == key)
    db.session.commit()
    return cid


def _report(w, who="resa", title="Broken lamp", **kw):
    m = ms.report(w.a, category_id=_category(w), title=title, actor=w[who], **kw)
    db.session.commit()
    return m


def _fresh(m):
    db.session.expire_all()
    return db.session.get(Matter, m.id)


def test_report_with_a_photo(app, world):
    w = world
    c = _client(app, "resa")
    assert c.get("/c/dorf-a/matters/new").status_code == 200
    r = c.post("/c/dorf-a/matters/new", {"category": str(_category(w)), "title": "Lamp at the bridge",
                                          "description": "It is dark at night.", "place": "Bridge",
                                          "latitude": "30.5", "longitude": "114.3",
                                          "photos": (_png(), "lamp.png")},
               token_from="/c/dorf-a/matters/new", content_type="multipart/form-data")
    assert r.status_code == 303, r.get_data(as_text=True)[:3000]
    m = db.session.execute(select(Matter).where(Matter.community_id == w.a.id)).scalar_one()
    assert (m.title, m.place, m.latitude, m.reporter_id, m.state) == ("Lamp at the bridge", "Bridge", 30.5,
                                                                      w["resa"].id, "triage")
    files = db.session.execute(select(Attachment).where(Attachment.owner_type == "matter",
                                                        Attachment.owner_id == m.id)).scalars().all()
    assert len(files) == 1
    page = c.get(r.headers["Location"]).get_data(as_text=True)
    assert "Lamp at the bridge" in page and f"/c/dorf-a/files/{files[0].id}" in page
    # the file is seen by the people of the matter, not by a foreign street's staff
    assert c.get(f"/c/dorf-a/files/{files[0].id}").status_code == 200
    assert _client(app, "stra").get(f"/c/dorf-a/files/{files[0].id}").status_code == 200
    assert _client(app, "depb").get(f"/c/dorf-a/files/{files[0].id}").status_code == 404
    assert _client(app, "depa").get(f"/c/dorf-a/matters/{m.id}").status_code == 404


@pytest.mark.parametrize("case", ["no_category", "not_an_image", "latitude"])
def test_bad_report_says_so_at_the_field_and_keeps_the_text(app, world, case):
    w = world
    c = _client(app, "resa")
    data = {"category": str(_category(w)), "title": "Lamp at the bridge", "description": "Dark at night, ZZQ",
            "place": "Near the well"}
    field = {"no_category": "category", "not_an_image": "photos", "latitude": "latitude"}[case]
    if case == "no_category":
        del data["category"]
    elif case == "not_an_image":
        data["photos"] = (io.BytesIO(b"not a picture at all" * 20), "lamp.png")
    else:
        data["latitude"], data["longitude"] = "123", "114"
    r = c.post("/c/dorf-a/matters/new", data, token_from="/c/dorf-a/matters/new",
               content_type="multipart/form-data")
    assert r.status_code == 400
    html = r.get_data(as_text=True)
    assert f'id="{field}-error"' in html
    assert 'value="Lamp at the bridge"' in html and "Dark at night, ZZQ" in html and 'value="Near the well"' in html
    assert db.session.execute(select(Matter)).first() is None


def test_committee_triage_handle_and_resolve_then_reporter_confirms_rates_reopens(app, world):
    w = world
    m = _report(w)
    coma = _client(app, "coma")
    url = f"/c/dorf-a/matters/{m.id}"
    page = coma.get(url).get_data(as_text=True)
    assert "Resa" in page  # the committee sees who reported it
    assert coma.post(url + "/handle", {"note": "We go there."}, token_from=url).status_code == 303
    assert _fresh(m).state == "handling"
    assert coma.post(url + "/resolve", {"outcome": "New bulb."}, token_from=url).status_code == 303
    assert _fresh(m).state == "resolved"
    resa = _client(app, "resa")
    assert resa.post(url + "/confirm", {"fixed": "no"}, token_from=url).status_code == 400  # a note is needed
    assert resa.post(url + "/confirm", {"fixed": "yes"}, token_from=url).status_code == 303
    assert _fresh(m).state == "closed"
    assert resa.post(url + "/rate", {"rating": "unsatisfied"}, token_from=url).status_code == 303
    assert _fresh(m).rating == "unsatisfied"
    assert resa.post(url + "/reopen", {"reason": "Still dark."}, token_from=url).status_code == 303
    m = _fresh(m)
    assert m.state == "handling" and m.reopened
    page = resa.get(url).get_data(as_text=True)
    assert "Still dark." in page and "New bulb." in page
    # someone else may not confirm, rate or reopen
    assert _client(app, "meda").post(url + "/resolve", {"outcome": "x"}, token_from=url).status_code == 403


def test_ask_answer_dispatch_refuse_merge(app, world):
    w = world
    first, m = _report(w, title="Pothole"), _report(w, title="Pothole again")
    coma, resa = _client(app, "coma"), _client(app, "resa")
    url = f"/c/dorf-a/matters/{m.id}"
    assert coma.post(url + "/ask", {"question": "Which street?"}, token_from=url).status_code == 303
    assert resa.post(url + "/answer", {"answer": "Main street."}, token_from=url).status_code == 303
    assert _fresh(m).state == "triage"
    dept = w.unit("dept-a")
    assert coma.post(url + "/dispatch", {"to_unit": str(dept.id), "note": "Please fix."},
                     token_from=url).status_code == 303
    m = _fresh(m)
    assert (m.state, m.holder_id) == ("dispatched", dept.id)
    # the department now sees the page; the path names it
    page = _client(app, "depa").get(url).get_data(as_text=True)
    assert "Water A" in page and "Resa" not in page
    # refuse: a check screen, then the refusal; merge likewise
    url1 = f"/c/dorf-a/matters/{first.id}"
    other = _report(w, title="Third")
    url3 = f"/c/dorf-a/matters/{other.id}"
    assert coma.get(url3 + "/merge").status_code == 200
    r = coma.post(url3 + "/merge", {"into": "999"}, token_from=url3 + "/merge")
    assert r.status_code == 400 and 'id="into-error"' in r.get_data(as_text=True)
    assert coma.post(url3 + "/merge", {"into": str(first.serial)}, token_from=url3 + "/merge").status_code == 303
    assert _fresh(other).state == "merged"
    assert coma.get(url1 + "/refuse").status_code == 200
    assert coma.post(url1 + "/refuse", {"reason": "Not ours: private land."},
                     token_from=url1 + "/refuse").status_code == 303
    assert _fresh(first).state == "refused"
    ledger = Client(app).get("/c/dorf-a/matters/").get_data(as_text=True)
    assert "Not ours: private land." in ledger


def test_ledger_never_names_the_reporter(app, world):
    w = world
    _report(w, title="Rubbish at the gate")
    _report(w, title="Secret one", anonymous=True)
    for who in (None, "resa", "coma"):
        c = Client(app) if who is None else _client(app, who)
        html = c.get("/c/dorf-a/matters/").get_data(as_text=True)
        assert "Rubbish at the gate" in html
        main = html.split("<main", 1)[-1]
        assert "Resa" not in main
    m = db.session.execute(select(Matter).where(Matter.title == "Secret one")).scalar_one()
    assert "Resa" not in _client(app, "meda").get(f"/c/dorf-a/matters/{m.id}").get_data(as_text=True).split("<main", 1)[-1]
    assert "Resa" in _client(app, "coma").get(f"/c/dorf-a/matters/{m.id}").get_data(as_text=True)


def test_grid_worker_confirms_an_anonymous_report(app, world):
    w = world
    grid = add_grid(w)
    m = _report(w, anonymous=True, grid_id=grid.id)
    coma = _client(app, "coma")
    url = f"/c/dorf-a/matters/{m.id}"
    coma.post(url + "/handle", {}, token_from=url)
    coma.post(url + "/resolve", {"outcome": "Done."}, token_from=url)
    assert _client(app, "grida").post(url + "/confirm", {"fixed": "yes"}, token_from=url).status_code == 303
    assert _fresh(m).state == "closed"


def test_hostile_text_is_escaped(app, world):
    w = world
    m = _report(w, title=EVIL[:120], description=EVIL, place=EVIL)
    coma = _client(app, "coma")
    url = f"/c/dorf-a/matters/{m.id}"
    coma.post(url + "/handle", {"note": EVIL}, token_from=url)
    for page in (url, "/c/dorf-a/matters/", "/c/dorf-a/matters/mine", url + "/refuse"):
        html = (coma if "mine" not in page else _client(app, "resa")).get(page).get_data(as_text=True).lower()
        assert "<script>alert" not in html and "<img src=x" not in html, page


def test_csrf_is_refused(app, world):
    w = world
    c = _client(app, "resa")
    r = c.post("/c/dorf-a/matters/new", {"category": str(_category(w)), "title": "No token"}, csrf=False)
    assert r.status_code == 400
    assert db.session.execute(select(Matter)).first() is None


def test_committee_records_a_report_for_a_resident_present(app, world):
    w = world
    coma = _client(app, "coma")
    data = {"category": str(_category(w)), "title": "Wall falling", "on_behalf_username": "resa"}
    r = coma.post("/c/dorf-a/matters/new", data, token_from="/c/dorf-a/matters/new")
    assert r.status_code == 400 and 'id="present-error"' in r.get_data(as_text=True)
    r = coma.post("/c/dorf-a/matters/new", {**data, "present": "y", "agreed": "y"},
                  token_from="/c/dorf-a/matters/new")
    assert r.status_code == 303
    m = db.session.execute(select(Matter)).scalar_one()
    assert (m.reporter_id, m.recorded_by_id) == (w["resa"].id, w["coma"].id)


def test_easy_mode_reports_in_three_screens(app, world):
    w = world
    c = _client(app, "resa")
    c.post("/display", {"toggle": "easy", "next": "/"}, token_from="/")
    html = c.get("/c/dorf-a/matters/new").get_data(as_text=True)
    assert "radio-tiles" in html and 'name="title"' not in html
    assert re.search(r'name="_step"', html) or "step" in html
