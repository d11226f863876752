"""Mediation in a real browser: a resident (large text, JavaScript off: the phone's own
recorder gives the file) asks for mediation with a voice recording; the committee
accepts, records the other party's agreement and assigns a mediator; the mediator
records two sessions and a written agreement; the committee records the follow-up
and closes the case; the resident rates it. Every page on the way is axe-clean, and
the agreement prints on one A4 page.

Easy display mode does not exist yet: the resident uses large text instead."""
from __future__ import annotations

import re

import pytest

from ..support.recordings import spoken
from .checks import AXE_OPTIONS
from .conftest import sign_in

pytestmark = pytest.mark.browser


def submit(page, selector):
    with page.expect_navigation():
        page.click(selector)


def axe_clean(page, where):
    result = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
    found = [(v["id"], [n["target"] for n in v["nodes"][:3]]) for v in result["violations"]]
    assert not found, f"axe on {where}: {found}"


def flash_ok(page):
    assert page.locator(".flashes .alert-success").count() == 1, page.inner_text("main")[:600]


def test_request_triage_sessions_agreement_follow_up_rating(browsing, live_server, axe_script):
    live_server.set_user_modes(large=True, contrast=False)
    contexts = []

    def context(user, js=True):
        ctx = browsing.browser.new_context(base_url=live_server.url, java_script_enabled=js, bypass_csp=True,
                                           viewport={"width": 390, "height": 844}, locale="zh-CN")
        ctx.set_default_timeout(15_000)
        if js:
            ctx.add_init_script(axe_script)
        contexts.append(ctx)
        page = ctx.new_page()
        sign_in(page, user)
        return page

    try:
        # --- the resident asks, with JavaScript off, attaching the recording the phone made
        resident = context("resa", js=False)
        resident.goto("/c/dorf-a/?lang=zh_Hans")
        assert "mode-large" in (resident.get_attribute("body", "class") or "")
        resident.click("main a[href$='/mediation/new']")
        resident.wait_for_url(re.compile(r"/mediation/new"))
        assert resident.get_attribute("#voice", "accept") == "audio/*"
        assert resident.get_attribute("#voice", "capture") is not None
        resident.check("input[name=category][value=neighbours]")
        resident.fill("#what_happened", "隔壁把排水沟堵了，雨水流进我家院子。详细情况在录音里。")
        resident.fill("#what_they_want", "把水沟疏通。")
        resident.fill("#other_party_name", "王二")
        resident.fill("#other_party_contact", "13912345678")
        resident.set_input_files("#voice", files=[{"name": "录音.ogg", "mimeType": "audio/ogg", "buffer": spoken("排水沟堵了")}])
        resident.check("#consent")
        submit(resident, "form[action$='/mediation/new'] button[type=submit]")
        flash_ok(resident)
        case_url = re.sub(r"\?.*$", "", resident.url)
        assert re.search(r"/c/dorf-a/mediation/\d+$", case_url), case_url
        path = case_url.split(live_server.url, 1)[1]
        assert resident.locator("main a[href*='/files/']").count() == 1  # the recording, as a download

        # --- the committee accepts, records the other party's yes and assigns meda
        committee = context("coma")
        committee.goto("/c/dorf-a/mediation/committee")
        axe_clean(committee, "committee list")
        committee.click(f"main a[href$='{path}']")
        committee.wait_for_url(re.compile(re.escape(path) + "$"))
        axe_clean(committee, "case, before triage")
        committee.check("input[name=decision][value=accept]")
        submit(committee, "form[action$='/triage'] button[type=submit]")
        flash_ok(committee)
        committee.check("input[name=agrees][value=yes]")
        submit(committee, "form[action$='/other-party'] button[type=submit]")
        # The committee assigns; there is nothing to tick for the mediator (issue 14, 8).
        assert committee.locator("form[action$='/mediators'] input[type=checkbox]").count() == 0
        committee.select_option("#mediator", label="Meda")
        submit(committee, "form[action$='/mediators'] button[type=submit]")
        flash_ok(committee)
        state = committee.inner_text("main .meta .status")  # earlier tests may have left coma in English
        assert state in ("调解中", "In mediation"), state
        # Meda is on the case now: not offered again; his declaration is still to come.
        assert committee.locator("#mediator option", has_text="Meda").count() == 0
        assert committee.locator("#mediators .status-waiting").count() == 1
        axe_clean(committee, "case, in mediation")

        # --- the mediator declares, on his own page, that he has no conflict of interest
        mediator = context("meda")
        mediator.goto(path)
        assert mediator.locator("form[action$='/sessions']").count() == 0  # not before declaring
        mediator.check("#declare")
        submit(mediator, "form[action$='/no-conflict'] button[type=submit]")
        flash_ok(mediator)
        axe_clean(mediator, "case, declared")
        committee.goto(path)
        assert committee.locator("#mediators .status-done").count() == 1

        # --- the mediator records two sessions and a written agreement
        mediator.goto(path)
        for day, place, notes in (("2026-11-20", "村委会调解室", "双方都来了，先听各自的说法。"),
                                  ("2026-11-24", "王二家门口", "看了现场，王二同意疏通。")):
            mediator.fill("#held_on", day)
            mediator.fill("#place", place)
            mediator.fill("#notes", notes)
            submit(mediator, "form[action$='/sessions'] button[type=submit]")
            flash_ok(mediator)
        assert mediator.locator("#sessions .row").count() == 2
        assert "看了现场" in mediator.inner_text("#sessions")
        axe_clean(mediator, "case with two sessions")
        mediator.click("main a[href$='/outcome']")
        mediator.wait_for_url(re.compile(r"/outcome$"))
        axe_clean(mediator, "outcome form")
        mediator.check("input[name=kind][value=written]")
        mediator.fill("#facts", "王二家门前的排水沟堵塞，雨水流进邻居院子。")
        mediator.fill("#issues", "谁来疏通。")
        mediator.fill("#term1", "王二疏通门前排水沟")
        mediator.fill("#how1", "自己动手")
        mediator.fill("#due1", "2026-12-10")
        submit(mediator, "form[action$='/outcome'] button[type=submit]")
        flash_ok(mediator)

        # --- the committee follows up and closes
        committee.goto(path)
        committee.check("input[name=kept][value=kept]")
        committee.fill("#note", "回访：水沟已经疏通。")
        submit(committee, "form[action$='/follow-up'] button[type=submit]")
        flash_ok(committee)
        submit(committee, "form[action$='/close'] button[type=submit]")
        flash_ok(committee)

        # --- the resident sees the result, rates it, and does not see the private notes
        resident.goto(path)
        text = resident.inner_text("main")
        assert "王二疏通门前排水沟" in text and "看了现场" not in text
        resident.check("input[name=stars][value='5']")
        submit(resident, "form[action$='/rating'] button[type=submit]")
        flash_ok(resident)
        assert resident.locator("form[action$='/rating']").count() == 0

        # --- the agreement prints on one A4 page, signature boxes and seal included
        printer = context("resa")
        printer.goto(path + "/agreement")
        axe_clean(printer, "agreement")
        printer.emulate_media(media="print")
        assert printer.locator(".site-header").is_hidden()
        box = printer.locator(".agreement-sheet").bounding_box()
        assert box is not None
        pdf = printer.pdf(format="A4", prefer_css_page_size=True)
        pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
        assert pages == 1, f"the agreement takes {pages} A4 pages"
        assert printer.locator(".sign-box").count() == 4
        sheet = printer.inner_text(".agreement-sheet")  # what a 人民调解协议书 carries (issue 14, 15)
        assert re.search(r"调字〔\d{4}〕第\d+号", sheet) and "一式三份" in sheet and "签订日期" in sheet, sheet
        figures = context("coma")
        figures.goto("/c/dorf-a/mediation/figures")
        axe_clean(figures, "figures")
        assert "王二" not in figures.inner_text("main")
    finally:
        for ctx in contexts:
            ctx.close()
        live_server.set_user_modes(large=False, contrast=False)
