"""Issue 14 (rules): the amendment form starts from the clause and shows the changes without
JavaScript; the rules editor asks before deleting, offers no move past the ends and one compact
listen link per clause; phases and amendments carry status labels."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.rules import services
from portal.rules.models import Amendment, RuleClause

from .support.rules import CLAUSES, make_rules
from .support.security import client_as

pytestmark = pytest.mark.usefixtures("fast_passwords")


def _main(r) -> str:
    html = r.get_data(as_text=True)
    return html[html.index("<main"):html.index("</main>")]


def _textarea(html: str, name: str) -> str:
    m = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', html, re.S)
    assert m, name
    return m.group(1).strip()


def _count(model) -> int:
    db.session.expire_all()
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_the_amendment_form_starts_from_the_clause_text(app, world):
    v = make_rules(world, "consultation")
    c = services.clauses_of(v)[0]
    html = _main(client_as(app, "resa").get(f"/c/dorf-a/rules/v/{v.id}/clauses/{c.id}?lang=en"))
    assert _textarea(html, "text") == c.text, "the resident must retype the clause"


def test_show_the_changes_renders_the_diff_and_keeps_what_was_typed(app, world):
    v = make_rules(world, "consultation")
    c = services.clauses_of(v)[0]  # 村民应当爱护公共设施，不得损坏道路、路灯和水井。
    url = f"/c/dorf-a/rules/v/{v.id}/clauses/{c.id}/amendments"
    typed = "村民必须爱护公共设施，不得损坏道路、路灯和水井。"
    before = _count(Amendment)
    r = client_as(app, "resa").post(url + "?lang=en", {"kind": "change", "text": typed, "rationale": "更清楚",
                                                       "_preview": "1"})
    assert r.status_code == 200
    html = _main(r)
    assert _textarea(html, "text") == typed and _textarea(html, "rationale") == "更清楚"
    box = html[html.index('id="amend-diff"'):]
    box = box[:box.index("</div>")]
    assert "Your changes" in box
    assert re.search(r"<del><span class=\"visually-hidden\">\[removed: </span>应当", box)
    assert re.search(r"<ins><span class=\"visually-hidden\">\[added: </span>必须", box)
    assert _count(Amendment) == before, "the preview wrote an amendment"
    # The form as shown still sends: its one-time token was not used by the preview.
    token = re.search(r'name="submit_token" type="hidden" value="([^"]+)"', html).group(1)
    r = client_as(app, "resa").post(url, {"kind": "change", "text": typed, "rationale": "更清楚",
                                          "submit_token": token})
    assert r.status_code == 303 and _count(Amendment) == before + 1


def test_an_amendment_identical_to_the_clause_is_refused_at_the_field(app, world):
    v = make_rules(world, "consultation")
    c = services.clauses_of(v)[0]
    r = client_as(app, "resa").post(f"/c/dorf-a/rules/v/{v.id}/clauses/{c.id}/amendments?lang=en",
                                    {"kind": "change", "text": c.text + "  ", "rationale": "同意"})
    assert r.status_code == 400
    html = _main(r)
    assert re.search(r'id="text-error"[^>]*>[^<]*Your text is the same as the clause now', html)
    assert 'aria-invalid="true"' in html[html.index('name="text"') - 300:html.index('name="text"') + 300]


def test_the_live_diff_is_a_same_origin_script_and_the_page_has_no_inline_script(app, world):
    v = make_rules(world, "consultation")
    c = services.clauses_of(v)[0]
    html = client_as(app, "resa").get(f"/c/dorf-a/rules/v/{v.id}/clauses/{c.id}").get_data(as_text=True)
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts and all(body.strip() == "" and 'src="/static/js/amend-diff.js' in attrs for attrs, body in scripts)
    assert client_as(app, "resa").get("/static/js/amend-diff.js").status_code == 200


def test_deleting_a_clause_asks_first(app, world):
    v = make_rules(world, "drafting")
    c = services.clauses_of(v)[1]
    coma = client_as(app, "coma")
    base = f"/c/dorf-a/rules/v/{v.id}"
    draft = _main(coma.get(base + "?lang=en"))
    # The draft's "Delete" is a link to the check screen, not a one-click form.
    assert f'action="{base}/clauses/{c.id}/delete"' not in draft
    assert f'href="{base}/clauses/{c.id}/delete"' in draft
    check = _main(coma.get(f"{base}/clauses/{c.id}/delete?lang=en"))
    assert "Delete Article 2?" in check and c.text in check and "No, keep it" in check
    assert _count(RuleClause) == len(CLAUSES), "the check screen deleted something"
    assert coma.post(f"{base}/clauses/{c.id}/delete", {}).status_code == 303
    assert [x.text for x in services.clauses_of(v)] == [t for i, t in enumerate(CLAUSES) if i != 1]


def test_no_move_up_on_the_first_clause_nor_down_on_the_last(app, world):
    v = make_rules(world, "drafting")
    coma = client_as(app, "coma")
    html = _main(coma.get(f"/c/dorf-a/rules/v/{v.id}?lang=en"))
    rows = re.findall(r'<li class="row" id="clause-[^"]+">(.*?)</li>', html, re.S)
    assert len(rows) == len(CLAUSES)
    assert 'value="up"' not in rows[0] and 'value="down"' in rows[0]
    assert 'value="down"' not in rows[-1] and 'value="up"' in rows[-1]
    assert all('value="up"' in r and 'value="down"' in r for r in rows[1:-1])
    # A second chapter: the last clause of the first may move down into it.
    services.add_chapter(world.a, v, "附则", actor=world["coma"])
    db.session.commit()
    html = _main(coma.get(f"/c/dorf-a/rules/v/{v.id}?lang=en"))
    rows = re.findall(r'<li class="row" id="clause-[^"]+">(.*?)</li>', html, re.S)
    assert 'value="down"' in rows[-1]


def test_each_clause_has_one_compact_listen_link_not_a_player(app, world):
    app.config["READ_ALOUD"] = True
    try:
        v = make_rules(world, "consultation")
        html = _main(client_as(app, "resa").get(f"/c/dorf-a/rules/v/{v.id}?lang=en"))
    finally:
        app.config["READ_ALOUD"] = False
    rows = re.findall(r'<li class="row" id="clause-[^"]+">(.*?)</li>', html, re.S)
    assert len(rows) == len(CLAUSES)
    for i, row in enumerate(rows):
        assert "<audio" not in row
        assert len(re.findall(r'class="read-aloud-link"', row)) == 1
        assert f"Listen<span class=\"visually-hidden\"> Article {i + 1}</span>" in row


def test_phases_and_amendments_show_status_labels(app, world):
    v = make_rules(world, "revision")
    html = _main(client_as(app, "resa").get(f"/c/dorf-a/rules/v/{v.id}?lang=en"))
    assert re.search(r'class="status status-waiting">Revision<', html)
    c = services.clauses_of(v)[0]
    html = _main(client_as(app, "resa").get(f"/c/dorf-a/rules/v/{v.id}/clauses/{c.id}?lang=en"))
    assert re.search(r'class="status status-waiting">Waiting for the decision<', html)
    html = _main(client_as(app, "resa").get("/c/dorf-a/rules/?lang=en"))
    assert 'class="status status-' in html
