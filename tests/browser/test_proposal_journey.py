"""Issue 3's journey in a real Chromium, with and without JavaScript: a resident raises a
matter, a neighbour supports it, the committee answers. The answered page is then read by
visitors in every display mode and both languages (axe-clean), and the steps are in the
community's audit trail.

Every context is made fresh and closed in `finally`; axe runs only in JavaScript-enabled
contexts (it is a script: in a context without JavaScript it would never return)."""
from __future__ import annotations

import re
from contextlib import ExitStack

import pytest

from .checks import AXE_OPTIONS, describe
from .conftest import LOCALES, MODES

pytestmark = pytest.mark.browser


def submit(page, selector):
    with page.expect_navigation():
        page.click(selector)


def axe_violations(page, axe_script):
    page.evaluate(axe_script)
    result = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
    return describe(result["violations"]) if result["violations"] else ""


@pytest.mark.parametrize("js", [True, False], ids=["javascript", "no-javascript"])
def test_resident_proposes_neighbour_supports_committee_answers(browsing, live_server, axe_script, js):
    live_server.set_user_modes(large=False, contrast=False)
    title = "村东头的水井需要清淤" if js else "Clean the village pond"
    with ExitStack() as stack:
        def page_for(role=None, mode="default", javascript=js):
            ctx = browsing.new_context(role, mode=mode, js=javascript)
            stack.callback(ctx.close)
            return ctx.new_page()

        # A resident writes and publishes.
        author = page_for("resa")
        author.goto("/c/dorf-a/proposals/new?lang=zh_Hans")
        author.fill("#title", title)
        author.fill("#body", "井里淤泥很多，水发浑。\n请村里组织清淤。 https://example.org/well")
        author.select_option("#category", index=1)
        submit(author, "button[name=action][value=publish]")
        assert re.search(r"/c/dorf-a/proposals/\d+$", author.url), author.url
        path = "/c/" + author.url.split("/c/", 1)[1]
        assert author.locator(".flashes .alert-success").count() == 1
        assert author.locator("article.proposal h1").inner_text() == title
        link = author.locator("article.proposal .text a")
        assert link.get_attribute("href") == "https://example.org/well"
        assert "nofollow" in link.get_attribute("rel")

        # A neighbour supports it.
        neighbour = page_for("meda")
        neighbour.goto(path + "?lang=en")
        assert "0 neighbours support this" in neighbour.inner_text(".support-box")
        submit(neighbour, "form[action$='/support'] button[type=submit]")
        assert "1 neighbour supports this" in neighbour.inner_text(".support-box")
        assert neighbour.locator("form[action$='/unsupport']").count() == 1

        # The committee answers in public.
        committee = page_for("coma")
        committee.goto(path + "?lang=en")
        submit(committee, "a[href$='/answer']")
        committee.check("input[name=decision][value=accepted]")
        committee.fill("#body", "We will clean the well in March; the committee pays from public funds.")
        submit(committee, "form[action$='/answer'] button[type=submit]")
        answer = committee.inner_text("section.answer")
        assert "Accepted" in answer and "We will clean the well in March" in answer

        # The author sees the answer in their language.
        author.goto(f"{path}?lang=zh_Hans")
        assert "已采纳" in author.inner_text("section.answer")

        # The steps are in the audit trail, for anyone to read.
        author.goto("/c/dorf-a/audit/?lang=en")
        trail = author.inner_text("main")
        for label in ("Proposal written", "Proposal published", "Proposal supported", "Official answer given"):
            assert label in trail, label

        if js:  # the answered page, axe-clean for visitors in every mode and language (once: JS only)
            problems = {}
            for mode in MODES:
                reader = page_for(None, mode=mode, javascript=True)
                for lang in LOCALES:
                    reader.goto(f"{path}?lang={lang}")
                    assert reader.locator("section.answer").count() == 1
                    if mode != "default":
                        body = (reader.get_attribute("body", "class") or "").split()
                        assert all(f"mode-{m}" in body for m in mode.split("-")), (mode, body)
                    found = axe_violations(reader, axe_script)
                    if found:
                        problems[(mode, lang)] = found
            assert not problems, problems
