"""Translations: complete catalogs, nothing left out of them, and the locale choice.

If a test here fails after you added or changed a user-facing string, run
    FLASK_APP=wsgi.py flask translate update
then translate the new entries in translations/zh_Hans/LC_MESSAGES/messages.po
(plain Chinese for elderly readers, the words of docs/architecture.md, "Words") and copy the
English text into translations/en/LC_MESSAGES/messages.po (both plural forms).
"""
from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

from portal.extensions import db

from .support.helpers import make_user

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
LOCALES = ("zh_Hans", "en")
# The same extra keywords as `flask translate update` (portal/cli.py) and the Makefile.
EXTRA_KEYWORDS = ["_l", "pgettext:1c,2"]
# zh_Hans msgstrs that may legitimately equal their English msgid (brand or technical names).
SAME_IN_CHINESE: set[str] = set()

# %(name)s, %s, %d, %.2f ... but not a literal %%.
_PLACEHOLDER_RE = re.compile(r"%(?:\((?P<name>[^)]*)\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?(?P<conv>[diouxXeEfFgGcrsa%])")


def placeholders(text: str) -> tuple[frozenset, tuple]:
    """(named placeholders, positional placeholders in order) of a %-format string."""
    named, positional = set(), []
    for m in _PLACEHOLDER_RE.finditer(text or ""):
        if m.group("conv") == "%":
            continue
        token = m.group(0)
        if m.group("name") is not None:
            named.add(token)
        else:
            positional.append(token)
    return frozenset(named), tuple(positional)


def _label(msg) -> str:
    ident = msg.id if isinstance(msg.id, str) else msg.id[0]
    return f"{msg.context + ' | ' if msg.context else ''}{ident!r}"


def load(locale: str) -> Catalog:
    path = TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"
    assert path.exists(), f"{path} is missing: run `flask translate update` (see module docstring)"
    with path.open("rb") as f:
        return read_po(f, locale=locale)


def entries(catalog: Catalog):
    return [m for m in catalog if m.id]


# --- (a) every catalog entry is translated, not fuzzy, and keeps its placeholders ---

@pytest.mark.parametrize("locale", LOCALES)
def test_catalog_complete(locale):
    catalog = load(locale)
    problems = []
    for msg in entries(catalog):
        label = _label(msg)
        if msg.fuzzy:
            problems.append(f"fuzzy: {label}")
        plural = isinstance(msg.id, (tuple, list))
        forms = list(msg.string) if plural else [msg.string]
        if plural and len(forms) != catalog.num_plurals:
            problems.append(f"{len(forms)} plural forms instead of {catalog.num_plurals}: {label}")
        if not forms or any(not s for s in forms):
            problems.append(f"empty msgstr: {label}")
            continue
        ids = list(msg.id) if plural else [msg.id]
        want_named = frozenset().union(*(placeholders(i)[0] for i in ids))
        want_pos = Counter(p for i in ids for p in placeholders(i)[1])
        for i, s in enumerate(forms):
            named, pos = placeholders(s)
            if named != want_named:
                extra, lost = sorted(named - want_named), sorted(want_named - named)
                problems.append(f"placeholders differ (form {i}: extra {extra}, missing {lost}): {label}")
            if plural:
                # a plural form's positional placeholders must come from the msgid ones
                if Counter(pos) - want_pos:
                    problems.append(f"positional placeholders differ (form {i}): {label}")
            elif Counter(pos) != want_pos:
                problems.append(f"positional placeholders differ: {label}")
        if locale == "zh_Hans":
            for i, s in zip(ids, forms):
                # Letters outside the placeholders: "“%(title)s”" is the same in both languages.
                if s == i and re.search(r"[A-Za-z]{2}", _PLACEHOLDER_RE.sub("", i)) and i not in SAME_IN_CHINESE:
                    problems.append(f"left in English: {label}")
    assert not problems, f"{locale}: " + "\n".join(problems)


@pytest.mark.parametrize("locale", LOCALES)
def test_catalog_plural_header(locale):
    catalog = load(locale)
    assert catalog.num_plurals == (1 if locale == "zh_Hans" else 2)


def test_placeholder_parser():
    assert placeholders("%(name)s of %(community)s: 100%%") == (frozenset({"%(name)s", "%(community)s"}), ())
    assert placeholders("wait %(num)d minutes, %s left") == (frozenset({"%(num)d"}), ("%s",))


# --- (b) every string in the source is in every catalog ---

def extract_source(out_dir: Path) -> Catalog:
    """Extract like `flask translate update`: babel.cfg's mapping, default keywords + _l, pgettext."""
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f, str(ROOT / "babel.cfg"))
    keywords = dict(DEFAULT_KEYWORDS)
    keywords.update(parse_keywords(EXTRA_KEYWORDS))
    template = Catalog(project="Yishi", charset="utf-8")
    def wanted(path: str) -> bool:
        # Babel skips folders starting with "_" by default, which would miss templates/_macros.
        name = os.path.basename(path)
        return not name.startswith(".") and name not in ("instance", "artifacts", "__pycache__")

    for filename, lineno, message, comments, context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=keywords, directory_filter=wanted):
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    with (out_dir / "messages.pot").open("wb") as f:  # kept for a look when the test fails
        write_po(f, template, sort_output=True)
    return template


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    return extract_source(tmp_path_factory.mktemp("i18n"))


def test_extraction_finds_strings(extracted):
    ids = {m.id for m in extracted if m.id}
    # sanity: both the Python (lazy) strings and the template strings are picked up
    assert "Our village, our say" in ids  # templates/base.html
    assert "Please sign in to continue." in ids  # portal/__init__.py, _l
    assert len(ids) > 100


@pytest.mark.parametrize("locale", LOCALES)
def test_every_source_string_is_in_catalog(extracted, locale):
    catalog = load(locale)
    missing = []
    for msg in extracted:
        if not msg.id:
            continue
        have = catalog.get(msg.id, context=msg.context)
        where = ", ".join(f"{f}:{n}" for f, n in msg.locations[:3])
        if have is None:
            missing.append(f"{_label(msg)}  ({where})")
        elif isinstance(msg.id, (tuple, list)) != isinstance(have.id, (tuple, list)) or (
                isinstance(msg.id, (tuple, list)) and tuple(msg.id) != tuple(have.id)):
            missing.append(f"plural form changed: {_label(msg)}  ({where})")
    assert not missing, (
        f"{len(missing)} source string(s) missing from the {locale} catalog; run "
        "`FLASK_APP=wsgi.py flask translate update` and translate them:\n" + "\n".join(missing))


# --- (c) the rendered pages speak the chosen language ---

ZH_HTML = '<html lang="zh-Hans">'
EN_HTML = '<html lang="en">'


def _page(resp):
    assert resp.status_code == 200, resp.status_code
    return resp.get_data(as_text=True)


def assert_chinese(page):
    assert ZH_HTML in page
    assert "登录" in page or "退出登录" in page
    assert "议事" in page
    assert "Our village, our say" not in page


def assert_english(page):
    assert EN_HTML in page
    assert "Our village, our say" in page
    assert "大家的事" not in page and "登录" not in page


def test_default_is_chinese(client):
    page = _page(client.get("/"))
    assert_chinese(page)
    assert "注册" in page and "大家的事，大家商量" in page


def test_lang_switch_is_remembered(client):
    r = client.get("/?lang=en")
    page = _page(r)
    assert_english(page)
    assert "Sign in" in page and "Register" in page
    cookies = r.headers.getlist("Set-Cookie")
    assert any(c.startswith("lang=en") for c in cookies), cookies
    assert_english(_page(client.get("/")))
    assert_english(_page(client.get("/login")))
    r = client.get("/login?lang=zh_Hans")
    assert_chinese(_page(r))
    assert_chinese(_page(client.get("/")))


def test_accept_language(client):
    assert_english(_page(client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"})))
    assert_chinese(_page(client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"})))
    # a language the portal does not speak falls back to Chinese
    assert_chinese(_page(client.get("/", headers={"Accept-Language": "fr-FR"})))


def test_unknown_lang_parameter_is_ignored(client):
    r = client.get("/?lang=xx")
    assert_chinese(_page(r))
    assert not any(c.startswith("lang=") for c in r.headers.getlist("Set-Cookie"))


def test_profile_language_wins_over_accept_language(client):
    user = make_user("laowang", "老王")
    user.locale = "en"
    db.session.commit()
    client.login("laowang")
    page = _page(client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9"}))
    assert EN_HTML in page and "Sign out" in page and "退出登录" not in page


def test_chinese_profile_wins_over_english_browser(client):
    user = make_user("laoli", "老李")
    user.locale = "zh_Hans"
    db.session.commit()
    client.login("laoli")
    page = _page(client.get("/account", headers={"Accept-Language": "en-US"}))
    assert ZH_HTML in page and "退出登录" in page and "我的账户" in page and "Sign out" not in page


def test_lang_switch_is_saved_in_the_profile(client):
    user = make_user("laozhao", "老赵")
    client.login("laozhao")
    assert_english(_page(client.get("/account?lang=en")))
    db.session.refresh(user)
    assert user.locale == "en"
    client.http.delete_cookie("lang")  # another device: only the profile knows
    assert client.http.get_cookie("lang") is None
    assert_english(_page(client.get("/account")))


def test_python_messages_are_translated(client):
    """Strings from Python code (form errors, flashes) follow the locale too."""
    make_user("laozhang")
    r = client.post("/login", {"login": "laozhang", "password": "wrong-password-1"})
    assert "用户名或密码不正确。" in r.get_data(as_text=True)
    r = client.post("/login?lang=en", {"login": "laozhang", "password": "wrong-password-1"})
    assert "The user name or password is not correct." in r.get_data(as_text=True)


def test_template_translations_follow_forced_locale_within_a_request(app):
    """portal/web/i18n.py keeps the request's catalog; force_locale still switches templates'
    language, and leaving it switches back."""
    import flask_babel
    from flask import render_template_string

    page = "{{ _('Proposals') }}|{{ ngettext('%(num)d neighbour supports this', '%(num)d neighbours support this', 2) }}"
    with app.test_request_context("/?lang=zh_Hans"):
        assert render_template_string(page).startswith("提案|")
        with flask_babel.force_locale("en"):
            assert render_template_string(page) == "Proposals|2 neighbours support this"
        assert render_template_string(page).startswith("提案|")
