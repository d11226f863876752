"""A whole vote in a real browser, on the demo village 东山村 (5 eligible residents):
the committee (王秀英) creates and opens a poll; 张桂兰 votes on her phone with
JavaScript off; 刘芳 votes in large text + high contrast (the portal has no separate
"easy" mode yet: these are the display modes that exist); 孙大爷 votes in person,
recorded by the committee (assisted); 赵德明 and 王秀英 vote too; the committee closes
closes the poll (the fifth of five); 张桂兰 finds her receipt code in the published
table. The pages on the way are axe-clean. Fresh contexts per person, always closed."""
from __future__ import annotations

import re
from contextlib import contextmanager

import pytest

from .checks import (
    AXE_OPTIONS,
    describe,
    easy_problems,
    reflow_problems,
    target_problems,
    text_problems,
)
from .conftest import DESKTOP, PHONE, sign_in

pytestmark = pytest.mark.browser


@contextmanager
def person(browser, live_server, username, axe, js=True, viewport=None):
    from portal.demo import DEMO_PASSWORD

    ctx = browser.new_context(base_url=live_server.url, bypass_csp=True, java_script_enabled=js,
                              viewport=viewport or PHONE, locale="zh-CN")
    ctx.set_default_timeout(15_000)
    ctx.add_init_script(axe)
    ctx.yishi_js = js
    try:
        page = ctx.new_page()
        sign_in(page, username, DEMO_PASSWORD)
        yield page
    finally:
        ctx.close()


def submit(page, selector):
    with page.expect_navigation():
        page.click(selector)


def clean(page, mode="default"):
    """axe, text sizes, targets and reflow of the page as it is (a context without
    JavaScript is checked for its flow only: its pages are the same templates)."""
    if not getattr(page.context, "yishi_js", True):
        return
    problems = []
    result = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
    if result["violations"]:
        problems.append(describe(result["violations"]))
    problems += text_problems(page, mode) + target_problems(page, mode) + reflow_problems(page)
    assert not problems, f"{page.url}:\n" + "\n".join(problems)


def vote(page, poll_url, value, mode="default"):
    page.goto(poll_url)
    clean(page, mode)
    assert page.locator("#cast .notice").count() == 1  # "a vote cannot be changed", before choosing
    page.check(f"#cast input[name=choice][value='{value}']")
    submit(page, "#cast button[type=submit]")
    assert page.locator(".chosen .picto").count() == 1  # the choice in words and as a pictogram
    clean(page, mode)
    submit(page, "form[action$='/cast'] button[type=submit]")
    assert re.search(r"/cast(\?|$)", page.url), page.url  # the receipt is the cast's answer: the code is in no URL
    code = page.inner_text(".tracker code").strip()
    assert code.replace("-", "") not in page.url
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}", code), code
    clean(page, mode)
    return code


def test_committee_runs_a_vote_residents_vote_and_check_their_receipt(browser, live_server, axe_script):
    from sqlalchemy import update

    from portal.auth.models import User
    from portal.extensions import db

    live_server.set_user_modes(large=False, contrast=False)
    try:
        # --- the committee creates and opens the poll
        with person(browser, live_server, "wang", axe_script, viewport=DESKTOP) as page:
            page.goto("/c/dongshan/votes/new?lang=zh_Hans")
            clean(page)
            page.fill("#question", "村里要不要建一个老年食堂？")
            page.fill("#description", "每天中午供应一顿饭，每顿 5 元。")
            page.check("input[name=kind][value=yes_no_abstain]")
            page.check("input[name=preset][value=simple_majority]")
            submit(page, "form[action$='/votes/new'] button[type=submit]")
            poll_url = re.sub(r"\?.*$", "", page.url)
            assert re.search(r"/c/dongshan/votes/\d+$", poll_url), page.url
            assert page.locator("#preview fieldset[disabled] input").count() == 3  # the whole ballot, as a preview
            assert page.locator("form[action$='/open']").count() == 0  # opening is on the check screen
            submit(page, "a[href$='/open']")
            assert page.locator("#preview input").count() == 3
            clean(page)
            submit(page, "form[action$='/open'] button[type=submit]")
            assert page.locator("#cast").count() == 1
            clean(page)
        path = poll_url.replace(live_server.url, "")

        # --- 张桂兰, JavaScript off
        with person(browser, live_server, "zhang", axe_script, js=False) as page:
            zhang_code = vote(page, path, "1")

        # --- 刘芳 in easy reading with large text and high contrast (the modes combine)
        with live_server.app.app_context():
            db.session.execute(update(User).where(User.username == "liu").values(
                display_large=True, display_contrast=True, display_easy=True))
            db.session.commit()
        live_server.forget_modes()
        with person(browser, live_server, "liu", axe_script) as page:
            page.goto(path)
            assert {"mode-large", "mode-contrast", "mode-easy"} <= set((page.get_attribute("body", "class") or "").split())
            assert not easy_problems(page)
            vote(page, path, "2", mode="easy-large")

        # --- 孙大爷 in person: the committee records it; then 赵德明 and 王秀英 vote
        with person(browser, live_server, "wang", axe_script) as page:
            page.goto(path + "/assisted")
            clean(page)
            page.select_option("#voter", label="孙大爷")
            page.check("input[name=choice][value='1']")
            page.check("#present")
            page.check("#agreed")
            submit(page, "form[action$='/assisted'] button[type=submit]")
            assert page.locator(".alert-success").count() == 1
            vote(page, path, "1")
        with person(browser, live_server, "zhao", axe_script) as page:
            vote(page, path, "3")  # the fifth of five: this vote closes the poll
            assert page.locator(".receipt-page .alert-success").count() == 1
        with person(browser, live_server, "13800000001", axe_script) as page:
            page.goto("/c/dongshan/votes/mine?lang=zh_Hans")
            assert "王秀英" in page.inner_text("main")  # "recorded by 王秀英 with you present"
            clean(page)

        # --- everyone voted: the last vote closed the poll; the result is published
        with person(browser, live_server, "wang", axe_script) as page:
            page.goto(path)
            assert page.locator("form[action$='/close']").count() == 0
            assert page.locator(".meta .status-done").count() == 1
            assert page.locator("#result svg.chart").count() == 1
            assert "3" in page.inner_text("#result .big-number")
            clean(page)

        # --- 张桂兰 looks up her receipt code in the published table
        with person(browser, live_server, "zhang", axe_script) as page:
            page.goto(path + "?lang=en")
            page.click("a[href$='/ballots']")
            page.wait_for_url(re.compile(r"/ballots"))
            codes = page.locator("table.ballots td code").all_inner_texts()
            assert zhang_code in codes and codes == sorted(codes) and len(codes) == 5  # all five online, the assisted one too
            page.click("a[href$='/find']")
            page.wait_for_url(re.compile(r"/find"))
            page.fill("#tracker", zhang_code.lower().replace("-", " "))
            submit(page, "form[role=search] button[type=submit]")
            assert page.url.endswith("/find") and zhang_code.replace("-", "") not in page.url
            assert "Found" in page.inner_text(".alert-success") and "Yes" in page.inner_text(".alert-success")
            mine = page.locator("table.ballots tr.mine")  # her row, marked for her alone
            assert mine.count() == 1 and zhang_code in mine.inner_text()
            assert mine.evaluate("tr => getComputedStyle(tr.cells[0]).backgroundColor") != \
                page.locator("table.ballots tbody tr:not(.mine)").first.evaluate(
                    "tr => getComputedStyle(tr.cells[0]).backgroundColor")
            clean(page)
    finally:
        with live_server.app.app_context():
            db.session.execute(update(User).where(User.username == "liu").values(
                display_large=False, display_contrast=False, display_easy=False))
            db.session.commit()
        live_server.forget_modes()


def _marks(page):
    """Per named option: (its input is checked, the pictogram shown is the ticked one), as drawn."""
    return page.locator("#cast .vote-choice").evaluate_all("""labels => labels.map(l => [
        l.querySelector('input').checked,
        getComputedStyle(l.querySelector('.mark-chosen')).display !== 'none'
          && getComputedStyle(l.querySelector('.mark-blank')).display === 'none'])""")


@pytest.mark.parametrize("js", [True, False], ids=["js", "no-js"])
def test_named_options_look_chosen_only_once_chosen(browser, live_server, axe_script, js):
    """Issue 14, defect 1: a single-choice ballot showed a ticked box beside every unticked radio."""
    from portal.communities.models import Community
    from portal.extensions import db
    from portal.votes import services as vs
    from portal.auth.models import User
    from portal.db import utcnow
    from datetime import timedelta
    from sqlalchemy import select

    with live_server.app.app_context():
        c = db.session.execute(select(Community).where(Community.slug == "dongshan")).scalar_one()
        wang = db.session.execute(select(User).where(User.username == "wang")).scalar_one()
        now = utcnow()
        p = vs.create_poll(c, question=f"哪天打扫村道？（{'js' if js else 'no-js'}）", description="",
                           options=["星期六", "星期天", "下个星期一"], kind="single", secret=True,
                           opens_at=now - timedelta(minutes=1), closes_at=now + timedelta(days=3),
                           preset="simple_majority", actor=wang)
        vs.open_poll(c, p, actor=wang)
        db.session.commit()
        path = f"/c/dongshan/votes/{p.id}"
    with person(browser, live_server, "zhao", axe_script, js=js) as page:
        page.goto(path)
        assert _marks(page) == [[False, False]] * 3  # nothing chosen: nothing looks chosen
        page.check("#cast input[name=choice][value='2']")
        assert _marks(page) == [[False, False], [True, True], [False, False]]
        page.check("#cast input[name=choice][value='3']")
        assert _marks(page) == [[False, False], [False, False], [True, True]]
        clean(page)
