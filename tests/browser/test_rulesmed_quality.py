"""Issue 14 in a real browser, rules and mediation: what a resident, the committee and a
mediator see. The amendment form starts from the clause and shows the changes (live with
JavaScript, by a button without it); the rules editor asks before deleting; the mediation
request's last easy-reading step is short at 390 px in easy reading with large text."""
from __future__ import annotations

import re

import pytest

from .conftest import sign_in
from .pages import IDS

pytestmark = pytest.mark.browser


def _clause_text(live_server, clause_id):
    from portal.extensions import db
    from portal.rules.models import RuleClause

    with live_server.app.app_context():
        return db.session.get(RuleClause, clause_id).text


def _amendments(live_server):
    from sqlalchemy import func, select

    from portal.extensions import db
    from portal.rules.models import Amendment

    with live_server.app.app_context():
        return db.session.execute(select(func.count()).select_from(Amendment)).scalar_one()


def _context(browsing, live_server, user, js=True):
    ctx = browsing.browser.new_context(base_url=live_server.url, java_script_enabled=js, bypass_csp=False,
                                       viewport={"width": 390, "height": 844}, locale="zh-CN")
    ctx.set_default_timeout(15_000)
    page = ctx.new_page()
    from portal.demo import DEMO_PASSWORD

    sign_in(page, user, DEMO_PASSWORD)
    page.goto("/?lang=zh_Hans")  # these checks read Chinese; an earlier test may have left the profile in English
    return ctx, page


def test_the_amendment_form_starts_from_the_clause_and_the_diff_follows_the_typing(browsing, live_server):
    live_server.set_user_modes(large=False, contrast=False)
    url = f"/c/dongshan/rules/v/{IDS['rules_consultation']}/clauses/{IDS['rules_clause']}"
    old = _clause_text(live_server, IDS["rules_clause"])
    ctx, page = _context(browsing, live_server, "zhang")  # with JavaScript, under the real CSP
    try:
        errors = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(url)
        assert page.input_value("#text") == old, "the resident starts from an empty box"
        assert page.locator("#amend-diff ins, #amend-diff del").count() == 0
        changed = old.replace("拴养", "圈养", 1) if "拴养" in old else old[:-1] + "，违者批评教育。"
        page.fill("#text", changed)
        page.locator("#amend-diff .diff-text ins").first.wait_for(state="visible")
        assert page.locator("#amend-diff .diff-text ins").first.is_visible()
        assert page.locator("#amend-diff").inner_text().startswith("您改动的地方")
        assert not errors, errors
    finally:
        ctx.close()


def test_without_javascript_show_the_changes_keeps_the_text_and_writes_nothing(browsing, live_server):
    live_server.set_user_modes(large=False, contrast=False)
    url = f"/c/dongshan/rules/v/{IDS['rules_consultation']}/clauses/{IDS['rules_clause']}"
    old = _clause_text(live_server, IDS["rules_clause"])
    ctx, page = _context(browsing, live_server, "zhang", js=False)
    try:
        page.goto(url)
        before = _amendments(live_server)
        typed = old + "违者由村委会批评教育。"
        page.fill("#text", typed)
        page.fill("#rationale", "要有后果才有用。")
        with page.expect_navigation():
            page.click("button[name=_preview]")
        assert page.input_value("#text") == typed and page.input_value("#rationale") == "要有后果才有用。"
        inserted = page.locator("#amend-diff .diff-text ins")
        assert inserted.count() == 1 and "违者由村委会批评教育" in inserted.inner_text()
        assert inserted.is_visible()
        assert _amendments(live_server) == before, "showing the changes published the amendment"
    finally:
        ctx.close()


def test_the_rules_editor_asks_before_deleting_a_clause(browsing, live_server):
    live_server.set_user_modes(large=False, contrast=False)
    draft = f"/c/dongshan/rules/v/{IDS['rules_draft']}"
    ctx, page = _context(browsing, live_server, "wang")
    try:
        page.goto(draft)
        row = page.locator(f"li.row:has(a[href$='/clauses/{IDS['rules_draft_clause']}/delete'])")
        # The only clause of the draft: it can move neither up nor down.
        assert row.locator("button[value=up], button[value=down]").count() == 0
        assert row.locator("audio").count() == 0 and row.locator("a.read-aloud-link").count() <= 1
        with page.expect_navigation():
            row.locator(f"a[href$='/clauses/{IDS['rules_draft_clause']}/delete']").click()
        assert page.locator("h1").inner_text().startswith("删除")
        assert page.locator("main form button[type=submit]").is_visible()
        with page.expect_navigation():
            page.click("main .actions a.btn-secondary")
        assert page.locator(f"a[href$='/clauses/{IDS['rules_draft_clause']}/delete']").count() == 1
    finally:
        ctx.close()


def _last_step_height(page, base):
    page.goto(base + "/c/dongshan/mediation/new")
    for _ in range(6):
        if page.locator("input[type=radio][name=category]").count():
            page.locator("input[type=radio][name=category]").first.check()
        for sel, val in (("#what_happened", "邻居家的狗每天晚上叫，吵得老人睡不着觉。" * 3),
                         ("#what_they_want", "希望他们晚上把狗关好。" * 2), ("#other_party_name", "李大爷")):
            if page.locator(sel).count():
                page.fill(sel, val)
        nxt = page.locator("button[name=_move][value=next]")
        if not nxt.count():
            break
        with page.expect_navigation():
            nxt.click()
    assert page.locator("#consent").count() == 1, "not on the last step"
    return page.evaluate("document.documentElement.scrollHeight")


def test_the_mediation_request_in_easy_reading_says_where_the_recorder_is_and_ends_short(browsing, live_server):
    live_server.set_user_modes(large=True, contrast=False, easy=True)
    ctx, page = _context(browsing, live_server, "zhang", js=False)
    try:
        page.goto("/c/dongshan/mediation/new")
        page.locator("input[type=radio][name=category]").first.check()
        with page.expect_navigation():
            page.click("button[name=_move][value=next]")
        hint = page.locator("#what_happened-hint, .field .hint").first.inner_text() \
            if page.locator("#what_happened-hint, .field .hint").count() else page.inner_text("main")
        assert "下面" not in page.inner_text("main") and "最后一步" in hint, hint
        height = _last_step_height(page, "")
        # Measured at 390 px in easy reading with large text: 3,573 px before issue 14, 2,490 after.
        assert height <= 2700, height
        assert page.locator("details.step-files").count() == 1  # the optional files, folded away
    finally:
        ctx.close()
        live_server.set_user_modes(large=False, contrast=False)
