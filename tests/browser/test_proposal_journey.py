"""Issue 3's journey in a real Chromium, with and without JavaScript: a resident raises
a matter, a neighbour supports it, the committee answers; the answer page is axe-clean
in both languages, and the steps are in the community's audit trail."""
from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def submit(page, selector):
    with page.expect_navigation():
        page.click(selector)


def axe_clean(page):
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(page, options={"runOnly": {"type": "tag", "values": TAGS}})
    assert result.violations_count == 0, [(v["id"], v["help"]) for v in result.response["violations"]]


@pytest.mark.parametrize("js", [True, False], ids=["javascript", "no-javascript"])
def test_resident_proposes_neighbour_supports_committee_answers(browsing, js):
    title = "村东头的水井需要清淤" if js else "Clean the village pond"

    # A resident writes and publishes.
    author = browsing.new_context("resa", js=js).new_page()
    author.goto("/c/dorf-a/proposals/new?lang=zh_Hans")
    author.fill("#title", title)
    author.fill("#body", "井里淤泥很多，水发浑。\n请村里组织清淤。 https://example.org/well")
    author.select_option("#category", index=0)
    submit(author, "button[name=action][value=publish]")
    assert re.search(r"/c/dorf-a/proposals/\d+$", author.url), author.url
    path = "/c/" + author.url.split("/c/", 1)[1]
    assert author.locator(".flashes .alert-success").count() == 1
    assert author.locator("article.proposal h1").inner_text() == title
    link = author.locator("article.proposal .text a")
    assert link.get_attribute("href") == "https://example.org/well"
    assert "nofollow" in link.get_attribute("rel")

    # A neighbour supports it.
    neighbour = browsing.new_context("meda", js=js).new_page()
    neighbour.goto(path + "?lang=en")
    assert "0 neighbours support this" in neighbour.inner_text(".support-box")
    submit(neighbour, "form[action$='/support'] button[type=submit]")
    assert "1 neighbour supports this" in neighbour.inner_text(".support-box")
    assert neighbour.locator("form[action$='/unsupport']").count() == 1

    # The committee answers in public.
    committee = browsing.new_context("coma", js=js).new_page()
    committee.goto(path + "?lang=en")
    submit(committee, "a[href$='/answer']")
    committee.check("input[name=decision][value=accepted]")
    committee.fill("#body", "We will clean the well in March; the committee pays from public funds.")
    submit(committee, "form[action$='/answer'] button[type=submit]")
    answer = committee.inner_text("section.answer")
    assert "Accepted" in answer and "We will clean the well in March" in answer

    # Everyone sees the answer; the page is accessible in both languages.
    for lang in ("en", "zh_Hans"):
        author.goto(f"{path}?lang={lang}")
        assert author.locator("section.answer").count() == 1
        axe_clean(author)
    assert "已采纳" in author.inner_text("section.answer")

    # The steps are in the audit trail.
    author.goto("/c/dorf-a/audit/?lang=en")
    trail = author.inner_text("main")
    for label in ("Proposal written", "Proposal published", "Proposal supported", "Official answer given"):
        assert label in trail, label
    for ctx_page in (author, neighbour, committee):
        ctx_page.context.close()
