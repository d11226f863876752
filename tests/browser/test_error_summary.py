"""The error summary of a refused form (portal/web/actions.py, templates/base.html), in a real
Chromium, in every display mode and both languages, with and without JavaScript:

- a resident sends the new-proposal form with a mistake (in easy reading mode: the first
  step's question left empty); the page comes back with status 400, the title starts with
  "Error: " / "错误：", the summary is the first thing in <main> and in view, in the page's
  language (easy mode has its own heading), each of its links says the message shown at its
  field, and what was typed is still there;
- clicking a link of the summary gives the keyboard focus to the field it names (the browser
  does it for a link to an element's id: no JavaScript is needed), with the field's question
  (its label) in view above it;
- axe-core finds no WCAG 2.2 AA violation on the refused page; the summary's colours meet AA
  (7:1 in high contrast), its border is clear, its links are underlined and big enough to tap,
  and its text is at least 18px (20px in large and easy modes);
- the refused pages are saved as screenshots (390px and 1280px) in artifacts/screenshots/
  for zh_Hans default, zh_Hans easy-large and en contrast (YISHI_SCREENSHOTS=0 skips them);
- a comment over the length limit brings the proposal page back with the comment kept and a
  summary link to the comment box.

Every context is made fresh and closed in `finally`; axe runs only with JavaScript (it is a
script), the measurements that need no page script run in both."""
from __future__ import annotations

import re

import pytest

from .checks import (
    AXE_OPTIONS,
    SCREENSHOTS_ON,
    contrast,
    describe,
    reflow_problems,
    text_problems,
)
from .conftest import DESKTOP, LOCALES, MODES, PHONE
from .pages import IDS, PAGES, visit

pytestmark = pytest.mark.browser

NEW = "/c/dongshan/proposals/new"
HEADING = {("zh_Hans", False): "有问题需要改一下", ("en", False): "There is a problem",
           ("zh_Hans", True): "请再看一下", ("en", True): "Please check this"}
TITLE_PREFIX = {"zh_Hans": "错误：", "en": "Error: "}
SCREENSHOT_CASES = {("zh_Hans", "default"), ("zh_Hans", "easy-large"), ("en", "contrast")}
CJK = re.compile(r"[\u4e00-\u9fff]")
BODY_MAX = 5000  # portal/proposals/services.py

CASES = [(mode, locale) for mode in MODES for locale in LOCALES]


def flags_of(mode: str) -> set[str]:
    return set(mode.split("-")) - {"default"}


def send(page, selector: str) -> int:
    """Click a submit button; the status of the page the form leads to."""
    with page.expect_response(lambda r: r.request.method == "POST" and r.request.resource_type == "document") as info, \
            page.expect_navigation():
        page.click(selector)
    return info.value.status


def active_element(page) -> dict:
    return page.evaluate("() => ({tag: document.activeElement.tagName.toLowerCase(), id: document.activeElement.id})")


def check_summary(page, locale: str, easy: bool, fields: list[str]) -> None:
    """The refused page: title, the summary first in <main> and in view, one link per field whose
    text is the message at the field, the field marked invalid and described by its message."""
    where = f"[{locale}, easy={easy}] {page.url}"
    assert page.get_attribute("html", "lang") == ("zh-Hans" if locale == "zh_Hans" else "en"), where
    assert page.title().startswith(TITLE_PREFIX[locale]), (page.title(), where)
    assert page.locator("main > :first-child").get_attribute("class") == "error-summary", where
    summary = page.locator("main > .error-summary")
    assert summary.get_attribute("role") == "alert"
    assert summary.get_attribute("aria-labelledby") == "error-summary-title"
    assert page.inner_text("#error-summary-title").strip() == HEADING[(locale, easy)], where
    box = summary.bounding_box()
    assert box is not None and box["y"] < page.viewport_size["height"] - 40, (
        f"the summary is not in view when the page opens ({box}) {where}")

    links = summary.locator("a")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert hrefs == [f"#{f}" for f in fields], (hrefs, where)
    for i, field_id in enumerate(fields):
        text = links.nth(i).inner_text().strip()
        message = page.inner_text(f"#{field_id}-error").strip()
        # The link says which question and what is wrong with it: "Title: This field is required."
        assert text and text.endswith(message) and len(text) > len(message) + 1, (field_id, text, message, where)
        assert bool(CJK.search(text)) == (locale == "zh_Hans"), f"message not in the page's language: {text!r} {where}"
        field = page.locator(f"#{field_id}")
        assert field.count() == 1, f"{field.count()} elements with id {field_id} {where}"
        assert field.get_attribute("aria-invalid") == "true", (field_id, where)
        assert f"{field_id}-error" in (field.get_attribute("aria-describedby") or "").split(), (field_id, where)


def check_links_focus(page, fields: list[str]) -> None:
    """Click each link of the summary (last first, so that the focus moves both ways): the field
    it names has the keyboard focus, and the field's question is in view."""
    for field_id in reversed(fields):
        page.click(f".error-summary a[href='#{field_id}']")
        focused = active_element(page)
        assert focused["id"] == field_id and focused["tag"] in ("input", "textarea", "select"), (
            f"the summary link #{field_id} left the focus on {focused} ({page.url})")
        label = page.locator(f"label[for={field_id}]").bounding_box()
        field = page.locator(f"#{field_id}").bounding_box()
        height = page.viewport_size["height"]
        assert label is not None and 0 <= label["y"] and field["y"] < height, (
            f"#{field_id} focused but its question is not in view: label {label}, field {field}, viewport {height}")


SUMMARY_JS = r"""
() => {
  const el = document.querySelector('.error-summary');
  const behind = e => { for (; e; e = e.parentElement) { const c = getComputedStyle(e).backgroundColor;
      if (!/rgba\(.*,\s*0\)$/.test(c) && c !== 'transparent') return c; } return 'rgb(255, 255, 255)'; };
  const s = getComputedStyle(el);
  const text = e => { const st = getComputedStyle(e); const r = e.getBoundingClientRect();
    return {text: (e.innerText || '').trim().slice(0, 40), size: parseFloat(st.fontSize), weight: parseInt(st.fontWeight),
            color: st.color, bg: behind(e), deco: st.textDecorationLine, w: r.width, h: r.height}; };
  return {border: s.borderTopColor, borderWidth: parseFloat(s.borderTopWidth), outside: behind(el.parentElement),
          heading: text(el.querySelector('h2')), links: [...el.querySelectorAll('a')].map(text),
          items: [...el.querySelectorAll('li, p')].map(text)};
}
"""


def _rgb(css: str) -> tuple[float, float, float]:
    return tuple(float(x) for x in re.findall(r"[\d.]+", css)[:3])


def summary_problems(page, mode: str) -> list[str]:
    """How the summary looks: a clear border, readable text, underlined links big enough to tap."""
    flags = flags_of(mode)
    big = bool(flags & {"large", "easy"})
    least_text, least_target = (20, 48) if big else (18, 44)
    least_contrast = 7 if "contrast" in flags else 4.5
    data = page.evaluate(SUMMARY_JS)
    problems = []
    if data["borderWidth"] < 4:
        problems.append(f"summary border {data['borderWidth']}px < 4px")
    ratio = contrast(_rgb(data["border"]), _rgb(data["outside"]))
    if ratio < (7 if "contrast" in flags else 3):
        problems.append(f"summary border contrast {ratio:.2f}:1 ({data['border']} on {data['outside']})")
    heading = data["heading"]
    if heading["size"] < least_text * 1.2 - 0.05 or heading["weight"] < 600:
        problems.append(f"summary heading {heading['size']}px weight {heading['weight']}: not a clear heading")
    for t in [heading] + data["links"] + data["items"]:
        ratio = contrast(_rgb(t["color"]), _rgb(t["bg"]))
        if ratio < least_contrast:
            problems.append(f"contrast {ratio:.2f}:1 < {least_contrast}:1 ({t['color']} on {t['bg']}): {t['text']!r}")
        if t["size"] < least_text - 0.05:
            problems.append(f"font-size {t['size']}px < {least_text}px: {t['text']!r}")
    for link in data["links"]:
        if "underline" not in link["deco"]:
            problems.append(f"summary link not underlined: {link['text']!r}")
        if link["h"] < least_target - 0.5:
            problems.append(f"summary link {link['w']:.0f}x{link['h']:.0f} lower than {least_target}px: "
                            f"{link['text']!r}")
    return problems


def axe_problems(page) -> list[str]:
    result = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
    return [describe(result["violations"])] if result["violations"] else []


def screenshots(page, screenshots_dir, name: str, focus_link: str) -> None:
    """The refused page, whole, on a phone and a desktop; and on the phone the view after the
    first summary link was followed (the focused field with its question)."""
    page.screenshot(path=str(screenshots_dir / f"{name}-phone.png"), full_page=True)
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=str(screenshots_dir / f"{name}-desktop.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.evaluate("window.scrollTo(0, 0)")
    page.click(f".error-summary a[href='#{focus_link}']")
    page.screenshot(path=str(screenshots_dir / f"{name}-focused-phone.png"))


def fail_on(problems: dict[str, list[str]], what: str) -> None:
    report = [f"[{kind}]\n" + "\n".join(f"  {p}" for p in found) for kind, found in problems.items() if found]
    if report:
        pytest.fail(f"{what}:\n" + "\n".join(report), pytrace=False)


# --------------------------------------------------------------------------- the proposal form

def _refuse_whole_form(page, js: bool) -> tuple[list[str], dict[str, str]]:
    """Every field on one screen: leave the title empty; with JavaScript also write a text over
    the length limit (the box's maxlength taken off, as a pasting phone keyboard may do).
    Returns the fields in error and what must be kept."""
    page.select_option("#category", index=1)
    if js:
        page.evaluate("document.querySelector('#body').removeAttribute('maxlength')")
        body = ("路面坑洼，下雨积水。" * (BODY_MAX // 10 + 1))[:BODY_MAX + 1]
        fields = ["title", "body"]
    else:
        body = "村小门口那段路一下雨就积水，孩子们只好绕着走。\nThe road by the school floods."
        fields = ["title"]
    page.fill("#title", "")
    page.fill("#body", body)
    kept = {"body": body, "category": page.input_value("#category")}
    assert send(page, "button[name=action][value=publish]") == 400, page.url
    return fields, kept


@pytest.mark.parametrize("js", [True, False], ids=["javascript", "no-javascript"])
@pytest.mark.parametrize(("mode", "locale"), CASES, ids=[f"{m}-{loc}" for m, loc in CASES])
def test_refused_proposal_form(browsing, live_server, axe_script, screenshots_dir, mode, locale, js):  # noqa: F811
    flags = flags_of(mode)
    easy = "easy" in flags
    live_server.set_user_modes(large="large" in flags, contrast="contrast" in flags, easy=easy)
    ctx = browsing.new_context("zhang", js=js)
    problems: dict[str, list[str]] = {}
    try:
        page = ctx.new_page()
        page.goto(f"{NEW}?lang={locale}")
        body_class = (page.get_attribute("body", "class") or "").split()
        assert all((f"mode-{m}" in body_class) == (m in flags) for m in ("large", "contrast", "easy")), body_class
        if easy:  # one question per screen: the first one left empty
            assert page.locator("#body").count() == 0, "easy mode shows more than the first question"
            page.fill("#title", "")
            assert send(page, "button[name=_move][value=next]") == 400, page.url
            fields, kept = ["title"], {}
        else:
            fields, kept = _refuse_whole_form(page, js)

        check_summary(page, locale, easy, fields)
        for name, value in kept.items():
            assert page.input_value(f"#{name}") == value, f"#{name} lost what was typed ({page.url})"
        if js:
            page.evaluate(axe_script)
            problems["axe"] = axe_problems(page)
        problems["summary"] = summary_problems(page, mode)
        problems["text"] = text_problems(page, mode)
        if js and SCREENSHOTS_ON and (locale, mode) in SCREENSHOT_CASES:
            screenshots(page, screenshots_dir, f"error-summary-{locale}-{mode}", fields[0])
        problems["reflow"] = reflow_problems(page, 320)
        page.set_viewport_size(PHONE)
        check_links_focus(page, fields)

        # The focus is the keyboard's: what is typed now goes into the field.
        title = "村小门口的路" if locale == "zh_Hans" else "The road by the school"
        page.click(".error-summary a[href='#title']")
        page.keyboard.type(title)
        assert page.input_value("#title") == title

        if easy:
            # A right answer and "Next": the second question, with no error summary (a step
            # forwards is no mistake); left empty, the summary names it and the title is carried.
            assert send(page, "button[name=_move][value=next]") == 200, page.url
            assert page.locator(".error-summary").count() == 0, "a right answer shows an error summary"
            assert not page.title().startswith(TITLE_PREFIX[locale]), page.title()
            assert page.locator("#title").count() == 0 and page.locator("#body").count() == 1
            assert send(page, "button[name=_move][value=next]") == 400, page.url
            check_summary(page, locale, easy, ["body"])
            assert page.locator("input[type=hidden][name=title]").get_attribute("value") == title
            check_links_focus(page, ["body"])
            if js:
                page.evaluate(axe_script)
                problems["axe (second step)"] = axe_problems(page)
    finally:
        ctx.close()
    fail_on(problems, f"refused proposal form [{mode}, {locale}, {'JavaScript' if js else 'no JavaScript'}]")


# --------------------------------------------------------------------------- a comment

@pytest.mark.parametrize("locale", LOCALES)
def test_comment_over_the_limit_is_kept(browsing, live_server, axe_script, locale):  # noqa: F811
    live_server.set_user_modes(large=False, contrast=False, easy=False)
    ctx = browsing.new_context("zhao")
    try:
        page = ctx.new_page()
        page.goto(f"/c/dongshan/proposals/{IDS['bins']}?lang={locale}")
        form = "form.stack:not(.reply):has(#body)"
        assert page.locator(form).count() == 1
        page.evaluate("document.querySelector('#body').removeAttribute('maxlength')")
        text = ("垃圾桶满了没人清，" * 250)[:2001]  # the limit is 2000 (CommentForm)
        page.fill("#body", text)
        assert send(page, f"{form} button[type=submit]") == 400

        assert page.locator("article.proposal h1").count() == 1, "not the proposal page"
        check_summary(page, locale, False, ["body"])
        assert page.input_value("#body") == text, "the comment was lost"
        check_links_focus(page, ["body"])
        page.evaluate(axe_script)
        problems = {"axe": axe_problems(page), "summary": summary_problems(page, "default")}
    finally:
        ctx.close()
    fail_on(problems, f"refused comment [{locale}]")


# --------------------------------------------------------------------------- every refused page

REFUSED = [spec for spec in PAGES if spec.status == 400]


@pytest.mark.parametrize("spec", REFUSED, ids=[s.name for s in REFUSED])
def test_every_summary_link_focuses_its_field(browsing, live_server, spec):
    """Every refused page of the catalogue (tests/browser/pages.py) that has an error summary:
    each of its links names an element of the page, and following it puts the keyboard focus
    there (a link to a radio group goes to its first option). Every form is on the action
    wrapper, so every refused page has a summary."""
    live_server.set_user_modes(large=False, contrast=False, easy=False)
    ctx = browsing.new_context(spec.role)
    try:
        page = ctx.new_page()
        visit(page, spec, "zh_Hans")
        assert page.locator(".error-summary").count() == 1, f"{spec.name}: no error summary"
        assert page.locator("main > :first-child").get_attribute("class") == "error-summary", spec.name
        links = page.locator(".error-summary a")
        broken = []
        for i in range(links.count()):
            href = links.nth(i).get_attribute("href")
            links.nth(i).click()
            focused = page.evaluate("() => '#' + document.activeElement.id")
            if focused != href:
                broken.append(f"{href} ({links.nth(i).inner_text()!r}): the focus is on {focused!r}")
    finally:
        ctx.close()
    assert not broken, f"{spec.name} {spec.url('zh_Hans')}: summary links that do not focus their field: {broken}"
