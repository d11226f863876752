"""Every page of the portal, in every display mode and locale, in real Chromium:

- axe-core finds no WCAG 2.2 AA violation (tags wcag2a, wcag2aa, wcag21a, wcag21aa,
  wcag22aa: axe's tags are not cumulative, so the whole list is passed);
- text is at least 18px (20px in large mode) with line height >= 1.3, and in
  high-contrast mode every piece of text has a contrast of at least 7:1;
- buttons, nav links and form controls are at least 44x44px (48x48 in large mode);
- nothing scrolls sideways at 320px (reflow);
- HTML + CSS + JS <= 60 KB and no request leaves 127.0.0.1;
- the main pages are saved as screenshots (390px phone, 1280px desktop) in
  artifacts/screenshots/ for a human to look at (YISHI_SCREENSHOTS=0 skips them).

One visit per (mode, locale, page) does all of it: the suite has to stay fast.
The CSP forbids inline scripts, so the contexts bypass it to let axe in.
"""
from __future__ import annotations

import os

import pytest

from .checks import (
    AXE_OPTIONS,
    SCREENSHOTS_ON,
    describe,
    easy_problems,
    reflow_problems,
    spacing_problems,
    target_problems,
    text_problems,
)
from .conftest import DESKTOP, LOCALES, MODES, PHONE, RequestLog
from .pages import PAGES, visit

pytestmark = pytest.mark.browser

BUDGET = 60 * 1024

# Mode outermost, so the profiles of the signed-in people change only twice a run.
# Every page in every mode, the language alternating between the modes (Chinese in the default
# and high-contrast modes, English in large text), so each page is checked in both languages:
# all six combinations of over a hundred pages took half an hour on two cores.
# YISHI_ALL_COMBINATIONS=1 checks every page in every mode and language.
# Easy reading is checked in both languages: alone in Chinese, with large text in English.
VARIANT_LOCALE = {"default": "zh_Hans", "large": "en", "contrast": "zh_Hans", "easy": "zh_Hans", "easy-large": "en"}
ALL = os.environ.get("YISHI_ALL_COMBINATIONS") == "1"
CASES = [(mode, locale, spec) for mode in MODES for locale in LOCALES for spec in PAGES
         if ALL or VARIANT_LOCALE[mode] == locale]

_asset_sizes: dict[str, int] = {}






def weight_problems(page, html_bytes: int) -> tuple[int, list[str]]:
    urls = page.evaluate("""() => [...document.querySelectorAll('link[rel=stylesheet][href], script[src]')]
                              .map(e => e.href || e.src)""")
    total = html_bytes
    for url in urls:
        if url not in _asset_sizes:
            _asset_sizes[url] = len(page.request.get(url).body())
        total += _asset_sizes[url]
    return total, ([f"page weight {total} bytes (HTML {html_bytes}) > {BUDGET}"] if total > BUDGET else [])


@pytest.mark.parametrize(("mode", "locale", "spec"), CASES,
                         ids=[f"{m}-{loc}-{s.name}" for m, loc, s in CASES])
def test_page(browsing, live_server, axe_script, screenshots_dir, mode, locale, spec):
    flags = set(mode.split("-")) - {"default"}
    live_server.set_user_modes(large="large" in flags, contrast="contrast" in flags, easy="easy" in flags)
    page = browsing.page(spec.role, mode, init_script=axe_script)
    log = RequestLog(page)
    documents = []

    def on_response(response):
        if response.request.resource_type == "document":
            documents.append(response)

    page.on("response", on_response)
    problems: dict[str, list[str]] = {}
    try:
        visit(page, spec, locale)

        # The locale and the modes are the ones asked for.
        html_lang = page.get_attribute("html", "lang")
        want_lang = "zh-Hans" if locale == "zh_Hans" else "en"
        body_class = (page.get_attribute("body", "class") or "").split()
        setup = []
        if html_lang != want_lang:
            setup.append(f"<html lang={html_lang!r}>, expected {want_lang!r}")
        for m in ("large", "contrast", "easy"):
            if (f"mode-{m}" in body_class) != (m in flags):
                setup.append(f"body classes {body_class} for mode {mode}")
        problems["setup"] = setup

        result = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
        problems["axe"] = [describe(result["violations"])] if result["violations"] else []
        problems["text"] = text_problems(page, mode)
        problems["targets"] = target_problems(page, mode)
        problems["easy"] = easy_problems(page) if "easy" in flags else []
        problems["spacing"] = spacing_problems(page)
        _total, problems["weight"] = weight_problems(page, len(documents[-1].body()))

        if spec.main and SCREENSHOTS_ON:
            name = f"{spec.name}-{locale}-{mode}"
            page.screenshot(path=str(screenshots_dir / f"{name}-phone.png"), full_page=True)
            page.set_viewport_size(DESKTOP)
            page.screenshot(path=str(screenshots_dir / f"{name}-desktop.png"), full_page=True)
        problems["reflow"] = reflow_problems(page, 320)
        problems["network"] = [f"request left 127.0.0.1: {u}" for u in log.foreign()]
    finally:
        log.stop()
        page.remove_listener("response", on_response)
        page.set_viewport_size(PHONE)
    report = [f"[{kind}]\n" + "\n".join(f"  {p}" for p in found) for kind, found in problems.items() if found]
    if report:
        pytest.fail(f"{spec.name} [{mode}, {locale}] {spec.url(locale)}:\n" + "\n".join(report), pytrace=False)


# Routes that are not HTML pages for people.
NOT_PAGES = {"static", "main.healthz", "audit.export", "files.get", "files.thumbnail", "display.toggle_mode_visitor",
             "mediation.export_all", "mediation.export_own",  # JSON downloads
             "votes.ballots_csv", "votes.roll_csv",  # CSV downloads
             "readaloud.audio",  # spoken text (tests/test_readaloud.py)
             "stylesheet", "audit.verifier"}  # tests/test_stylesheet.py, tests/test_audit_trail.py


def test_every_page_is_in_the_catalogue(live_server):
    """A new GET route must be added to pages.PAGES, so that it is checked above."""
    adapter = live_server.app.url_map.bind("127.0.0.1")
    covered = {adapter.match(spec.resolved.split("?")[0], method="GET")[0] for spec in PAGES if spec.status != 404}
    missing = sorted(rule.endpoint for rule in live_server.app.url_map.iter_rules()
                     if "GET" in rule.methods and rule.endpoint not in NOT_PAGES and rule.endpoint not in covered)
    assert not missing, f"pages without a browser check (add them to tests/browser/pages.py): {missing}"
