"""Whole journeys through the portal in a real browser, with and without JavaScript:
a newcomer registers and asks to join, a committee member verifies them, the
newcomer sees it and finds both events in the audit trail, then switches language
and display modes from the header and finds the choice kept on the next pages."""
from __future__ import annotations

import re

import pytest

from .conftest import RequestLog, sign_in

pytestmark = pytest.mark.browser


def submit(page, selector):
    """Click a submit button and wait for the page the form leads to."""
    with page.expect_navigation():
        page.click(selector)


def open_prefs(page):
    """Language and display modes are behind one <details> control (issue 14): open it, as a
    person would, by its summary (no script needed)."""
    if page.get_attribute("details.prefs", "open") is None:
        page.click("details.prefs > summary")


def html_state(page):
    return {
        "lang": page.get_attribute("html", "lang"),
        "html": set((page.get_attribute("html", "class") or "").split()),
        "body": set((page.get_attribute("body", "class") or "").split()),
    }


def assert_modes(page, large: bool, contrast: bool):
    state = html_state(page)
    want = {c for c, on in (("mode-large", large), ("mode-contrast", contrast)) if on}
    assert state["body"] == want, (page.url, state)
    assert state["html"] == want, (page.url, state)
    for mode, on in (("large", large), ("contrast", contrast)):
        pressed = page.get_attribute(f".modes button[value={mode}]", "aria-pressed")
        assert pressed == ("true" if on else "false"), (page.url, mode, pressed)
    size = float(page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)"))
    assert size >= (20 if large else 18), (page.url, size)


@pytest.mark.parametrize("js", [True, False], ids=["javascript", "no-javascript"])
def test_register_join_verify_audit_language_modes(browsing, live_server, js):
    live_server.set_user_modes(large=False, contrast=False)  # coma starts in the default display
    username = "newjs" if js else "newnojs"
    name = "新来的王大妈" if js else "新来的李大爷"

    # --- a newcomer registers from the header link
    ctx = browsing.new_context(js=js)
    page = ctx.new_page()
    log = RequestLog(page)
    page.goto("/?lang=en")
    assert page.get_attribute("html", "lang") == "en"
    page.click("nav.usernav a[href^='/register']")
    page.wait_for_url(re.compile(r"/register"))
    page.fill("#username", username)
    page.fill("#display_name", name)
    page.fill("#password", "a-good-pass-2026")
    page.fill("#confirm", "a-good-pass-2026")
    submit(page, "form[action$='/register'] button[type=submit]")
    # The same answer whether or not the name was taken: sign in with what you chose.
    assert re.search(r"/login$", page.url), page.url
    assert page.locator(".flashes .alert-success").count() == 1
    page.fill("#login", username)
    page.fill("#password", "a-good-pass-2026")
    submit(page, "form[action$='/login'] button[type=submit]")
    assert name in page.inner_text("nav.usernav")
    assert page.get_attribute("html", "lang") == "en"  # the language chosen before signing up stays

    # --- asks to join dorf-a
    page.click(".cards a[href^='/c/dorf-a']")
    page.wait_for_url(re.compile(r"/c/dorf-a/"))
    page.fill("#message", "我家在三组，刚搬回来。")
    submit(page, "form[action$='/join'] button[type=submit]")
    assert page.locator(".flashes .alert-success").count() == 1
    status = page.inner_text("section[aria-labelledby=my-status]")
    assert "Waiting for the committee" in status, status
    assert page.locator("nav.communitynav a[href*='/audit']").count() == 0  # not yet a member

    # --- the committee member coma verifies them, in another browser context
    cctx = browsing.new_context(js=js)
    cpage = cctx.new_page()
    clog = RequestLog(cpage)
    sign_in(cpage, "coma")
    cpage.goto("/c/dorf-a/?lang=en")
    cpage.click("nav.communitynav a[href$='/members']")
    cpage.wait_for_url(re.compile(r"/members"))
    row = cpage.locator("section[aria-labelledby=pending-h] li.row", has_text=username)
    assert row.count() == 1
    assert "我家在三组" in row.inner_text()
    with cpage.expect_navigation():
        row.locator("form[action$='/approve'] button[type=submit]").click()
    assert name in cpage.inner_text(".flashes")
    assert cpage.locator("section[aria-labelledby=pending-h] li.row", has_text=username).count() == 0

    # --- the newcomer now sees "verified" and the audit trail lists both events
    page.reload()
    status = page.inner_text("section[aria-labelledby=my-status]")
    assert "Verified resident" in status, status
    page.click("nav.communitynav a[href*='/audit']")
    page.wait_for_url(re.compile(r"/audit"))
    rows = page.locator("ol.audit-trail > li")  # one plain sentence per record (issue 14)
    newest, before = rows.nth(0).inner_text(), rows.nth(1).inner_text()
    assert "confirmed someone as a resident" in newest and "Coma" in newest, newest
    assert "asked to join" in before and name in before, before
    seq = int(rows.nth(0).get_attribute("id").lstrip("r"))
    assert f"no. {seq}" in page.inner_text("p.audit-head")

    # --- language: header links, remembered on the next pages
    open_prefs(page)
    page.click("nav.langs a[hreflang='zh-Hans']")
    page.wait_for_url(re.compile(r"lang=zh_Hans"))
    assert html_state(page)["lang"] == "zh-Hans"
    assert page.get_attribute("nav.langs a[hreflang='zh-Hans']", "aria-current") == "true"
    page.click("nav.usernav a[href='/account']")
    page.wait_for_url(re.compile(r"/account$"))
    assert html_state(page)["lang"] == "zh-Hans"
    open_prefs(page)
    page.click("nav.langs a[hreflang='en']")
    page.wait_for_url(re.compile(r"lang=en"))
    assert html_state(page)["lang"] == "en"
    page.click("a.brand")
    page.wait_for_url(re.compile(r"/$"))
    assert html_state(page)["lang"] == "en"

    # --- display modes: header buttons, remembered on the next pages
    assert_modes(page, large=False, contrast=False)
    open_prefs(page)
    submit(page, ".modes button[value=large]")
    assert_modes(page, large=True, contrast=False)
    page.click(".cards a[href^='/c/dorf-a']")
    page.wait_for_url(re.compile(r"/c/dorf-a/"))
    assert_modes(page, large=True, contrast=False)
    open_prefs(page)
    submit(page, ".modes button[value=contrast]")
    assert page.url.endswith("/c/dorf-a/"), page.url  # back on the same page
    assert_modes(page, large=True, contrast=True)
    page.click("nav.usernav a[href='/account']")
    page.wait_for_url(re.compile(r"/account$"))
    assert_modes(page, large=True, contrast=True)
    open_prefs(page)
    submit(page, ".modes button[value=large]")
    assert_modes(page, large=False, contrast=True)
    page.reload()
    assert_modes(page, large=False, contrast=True)
    # kept in the profile: another device of the same person gets the same display
    other = browsing.new_context(js=js).new_page()
    sign_in(other, username, "a-good-pass-2026")
    assert_modes(other, large=False, contrast=True)
    other.context.close()

    # the committee member's display did not change
    cpage.reload()
    assert_modes(cpage, large=False, contrast=False)

    assert not log.foreign() and not clog.foreign(), log.foreign() + clog.foreign()
    ctx.close()
    cctx.close()
    live_server.forget_modes()


@pytest.mark.parametrize("js", [True, False], ids=["javascript", "no-javascript"])
def test_visitor_modes_and_language_persist(browsing, js):
    """A visitor's choices live in cookies: they survive going from page to page."""
    ctx = browsing.new_context(js=js)
    page = ctx.new_page()
    page.goto("/c/dorf-a/?lang=en")
    assert_modes(page, large=False, contrast=False)
    open_prefs(page)
    submit(page, ".modes button[value=large]")
    assert page.url.endswith("/c/dorf-a/?lang=en"), page.url
    assert_modes(page, large=True, contrast=False)
    open_prefs(page)
    submit(page, ".modes button[value=contrast]")
    assert_modes(page, large=True, contrast=True)
    page.click("nav.usernav a[href^='/login']")
    page.wait_for_url(re.compile(r"/login"))
    assert_modes(page, large=True, contrast=True)
    assert html_state(page)["lang"] == "en"
    open_prefs(page)
    page.click("nav.langs a[hreflang='zh-Hans']")
    page.wait_for_url(re.compile(r"lang=zh_Hans"))
    page.click("a.brand")
    page.wait_for_url(re.compile(r"/$"))
    assert html_state(page)["lang"] == "zh-Hans"
    assert_modes(page, large=True, contrast=True)
    open_prefs(page)
    submit(page, ".modes button[value=contrast]")
    open_prefs(page)
    submit(page, ".modes button[value=large]")
    assert_modes(page, large=False, contrast=False)
    ctx.close()


def test_large_text_chosen_as_visitor_survives_registering(browsing):
    """An elderly person who switched to large text keeps it (and the language) on signing up."""
    ctx = browsing.new_context(mode="large")
    page = ctx.new_page()
    page.goto("/register?lang=en")
    assert_modes(page, large=True, contrast=False)
    page.fill("#username", "keepslarge")
    page.fill("#display_name", "Keeps Large")
    page.fill("#password", "a-good-pass-2026")
    page.fill("#confirm", "a-good-pass-2026")
    submit(page, "form[action$='/register'] button[type=submit]")
    assert_modes(page, large=True, contrast=False)
    page.fill("#login", "keepslarge")
    page.fill("#password", "a-good-pass-2026")
    submit(page, "form[action$='/login'] button[type=submit]")
    assert "Keeps Large" in page.inner_text("nav.usernav")
    assert_modes(page, large=True, contrast=False)
    assert html_state(page)["lang"] == "en"
    page.click("nav.usernav a[href='/account']")
    page.wait_for_url(re.compile(r"/account$"))
    assert_modes(page, large=True, contrast=False)  # kept in the profile, not just the cookie
    ctx.close()


FOCUS_JS = """() => { const el = document.activeElement; if (!el || el === document.body) return null;
  const s = getComputedStyle(el); const r = el.getBoundingClientRect();
  return {tag: el.tagName.toLowerCase(), text: (el.textContent || el.id || '').trim().slice(0, 30),
          outline: s.outlineStyle, width: parseFloat(s.outlineWidth),
          visible: r.bottom > 0 && r.top < innerHeight && r.right > 0 && r.left < innerWidth}; }"""


@pytest.mark.parametrize("mode", ["default", "large", "contrast", "easy"])
def test_keyboard_skip_link_and_visible_focus(browsing, mode):
    """Tab from the top: the skip link comes first and shows itself; every focused
    control has a visible outline and is on screen (WCAG 2.4.7, 2.4.11)."""
    ctx = browsing.new_context(mode=mode)
    page = ctx.new_page()
    page.goto("/login?lang=zh_Hans")
    page.keyboard.press("Tab")
    first = page.evaluate(FOCUS_JS)
    assert first and first["tag"] == "a" and first["visible"], first
    assert page.evaluate("document.activeElement.classList.contains('skip')")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "login"  # straight into the form
    page.goto("/login?lang=zh_Hans")
    seen = []
    for _ in range(12):
        page.keyboard.press("Tab")
        info = page.evaluate(FOCUS_JS)
        if info is None:
            break
        seen.append(info)
        assert info["outline"] != "none" and info["width"] >= 2, info
        assert info["visible"], info
    assert len(seen) >= 8, seen
    ctx.close()
