"""Village rules in a real browser: the committee drafts a five-clause document and opens the
consultation, two residents amend and support each other's amendment, the committee merges
one with edits and rejects the other with a reason, and the new version's diff shows the
change; axe finds nothing on the pages of the journey. The print view of a ten-clause
document fits on one A4 page."""
from __future__ import annotations

import re

import pytest

from .checks import AXE_OPTIONS, describe, target_problems, text_problems

pytestmark = pytest.mark.browser

CLAUSES = ["村民应当爱护公共设施，不得损坏道路、路灯和水井。",
           "禁止在田间地头焚烧秸秆和垃圾。",
           "红白喜事从简办理，不大操大办。",
           "饲养犬只应当拴养，出门牵绳。",
           "生活垃圾分类投放到指定地点，不得倒入河道。"]


def submit(page, selector):
    with page.expect_navigation():
        page.click(selector)


def clean(page, where):
    result = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
    assert not result["violations"], f"{where}:\n{describe(result['violations'])}"
    problems = text_problems(page, "default") + target_problems(page, "default")
    assert not problems, f"{where}: {problems}"


@pytest.fixture
def axe_init():
    from axe_playwright_python.sync_playwright import Axe

    return Axe().axe_script


def test_draft_consult_amend_revise_diff(browsing, live_server, axe_init):
    live_server.set_user_modes(large=False, contrast=False)
    contexts = []

    def open_as(role):
        ctx = browsing.new_context(role, init_script=axe_init)
        contexts.append(ctx)
        return ctx.new_page()

    try:
        # --- the committee drafts five clauses and opens the consultation
        com = open_as("coma")
        com.goto("/c/dorf-a/rules/?lang=zh_Hans")
        com.fill("#title", "甲村村规民约")
        com.select_option("#kind", "village_rules")
        submit(com, "form[action$='/rules/new'] button[type=submit]")
        version_url = com.url.split("#")[0]
        assert re.search(r"/rules/v/\d+$", version_url), com.url
        for text in CLAUSES:
            com.fill("#text", text)
            submit(com, "form[action$='/clauses'] button[type=submit]")
        assert com.locator(".clause-list > li.row").count() == 5
        clean(com, "draft")
        submit(com, "form[action$='/consultation'] button[type=submit]")  # today for two weeks
        assert com.locator(".flashes .alert-success").count() == 1
        assert "还剩 14 天" in com.inner_text("main") or "还剩 15 天" in com.inner_text("main")

        # --- two residents propose amendments and support each other's
        resa = open_as("resa")
        resa.goto(version_url)
        resa.click(".clause-list li:nth-child(1) a[href*='/clauses/']")
        resa.check("input[name=kind][value=change]")
        resa.fill("#text", "村民应当爱护公共设施，不得损坏道路、路灯、水井和健身器材。")
        resa.fill("#rationale", "新装了健身器材。")
        submit(resa, "form[action$='/amendments'] button[type=submit]:not([name=_preview])")
        amendment_a = resa.url
        meda = open_as("meda")
        meda.goto(version_url)
        meda.click(".clause-list li:nth-child(3) a[href*='/clauses/']")
        clean(meda, "clause page")
        meda.check("input[name=kind][value=change]")
        meda.fill("#text", "红白喜事从简办理，酒席不超过十桌。")
        meda.fill("#rationale", "写清楚桌数。")
        submit(meda, "form[action$='/amendments'] button[type=submit]:not([name=_preview])")
        amendment_b = meda.url
        meda.goto(amendment_a)
        submit(meda, "form[action$='/support'] button[type=submit]")
        assert "1" in meda.inner_text(".big-number")
        resa.goto(amendment_b)
        submit(resa, "form[action$='/support'] button[type=submit]")
        clean(resa, "amendment page")
        assert resa.locator("ins").count() >= 1 and resa.locator("del").count() >= 1

        # --- the days of the consultation pass (the clock is moved in the database)
        version_id = int(version_url.rsplit("/", 1)[1])
        with live_server.app.app_context():
            from portal.extensions import db
            from portal.rules.models import RuleVersion

            from ..support.rules import end_consultation

            end_consultation(db.session.get(RuleVersion, version_id))
            db.session.commit()

        # --- the committee merges one with edits and rejects the other with a reason
        com.goto(version_url)
        submit(com, "form[action$='/start-revision'] button[type=submit]")
        assert com.url.endswith("/revision")
        clean(com, "revision page")
        first, second = (com.locator("article.amendment").nth(i) for i in range(2))
        rows = {("健身器材" in first.inner_text()): first, ("健身器材" in second.inner_text()): second}
        merged, rejected = rows[True], rows[False]
        merged.locator("input[value=merged]").check()
        merged.locator("textarea[name=merged_text]").fill("村民应当爱护公共设施，不得损坏道路、路灯、水井和村里的健身器材。")
        merged.locator("input[name=reason]").fill("采纳，写明是村里的器材。")
        with com.expect_navigation():
            merged.locator("button[type=submit]").click()
        rejected = [com.locator("article.amendment").nth(i) for i in range(2)]
        rejected = next(r for r in rejected if "十桌" in r.inner_text())
        rejected.locator("input[value=rejected]").check()
        rejected.locator("input[name=reason]").fill("桌数由红白理事会另定。")
        with com.expect_navigation():
            rejected.locator("button[type=submit]").click()
        com.fill("#conclude-reason", "采纳一条修改建议")
        submit(com, "form[action$='/conclude'] button[type=submit]")
        assert "第 2 版" in com.inner_text("h1")

        # --- the new version's diff shows the change, clause by clause
        doc_link = com.locator("main > p a").first.get_attribute("href")
        com.goto(doc_link + "/history")
        diff = com.inner_text(".clause-diff")
        assert "村里的健身器材" in diff and "第1条" in diff
        assert com.locator(".clause-diff ins").filter(has_text="健身器材").count() == 1
        assert "十桌" not in diff  # rejected: not in the new version
        clean(com, "history diff")
        # Residents read the rejection and its reason on the amendment page.
        meda.goto(amendment_b)
        assert "桌数由红白理事会另定。" in meda.inner_text(".answer")
    finally:
        for ctx in contexts:
            ctx.close()


def test_print_view_of_ten_clauses_fits_one_a4_page(browsing, live_server):
    with live_server.app.app_context():
        from portal.auth.services import find_user
        from portal.communities.models import Community
        from portal.extensions import db

        from ..support.helpers import World
        from ..support.rules import make_rules

        dorf = db.session.execute(db.select(Community).where(Community.slug == "dorf-a")).scalar_one()
        w = World(dorf, None, {k: find_user(k) for k in ("coma", "resa", "meda")})
        texts = [f"第{n}项：" + t for n, t in enumerate(CLAUSES * 2, start=1)]
        v = make_rules(w, "adopted", clauses=texts)
        url = f"/c/dorf-a/rules/{v.document_id}/print"
        db.session.remove()
    ctx = browsing.new_context(None)
    try:
        page = ctx.new_page()
        page.goto(url + "?lang=zh_Hans")
        assert page.locator(".rule-clause").count() == 10
        assert page.locator("svg.qr").count() == 1
        page.emulate_media(media="print")
        pdf = page.pdf(format="A4", prefer_css_page_size=True, print_background=True)
        pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
        assert pages == 1, f"the notice takes {pages} A4 pages"
        # Large type on paper too: the clauses are printed at 14pt or more.
        size = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.rule-clause')).fontSize)")
        assert size >= 18.6, size
        from .conftest import SCREENSHOTS

        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "rules-print-a4-zh_Hans.png"), full_page=True)
    finally:
        ctx.close()
