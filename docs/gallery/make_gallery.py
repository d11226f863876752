#!/usr/bin/env python3
"""The screenshot gallery of docs/gallery/ (`make gallery`): what the portal looks like to a
visitor, a resident, the committee and a mediator, at 390 px (a cheap phone) and 1280 px, in
Chinese and English, and for a selection of pages in each display mode.

It seeds the demo (`flask init-db`, `flask seed-demo`) on a temporary SQLite database, serves it
with `flask run` on a free port, signs in as the demo users in Debian's Chromium (driven by the
Playwright package of requirements-test.txt, never `playwright install`), and writes
docs/gallery/img/*.png (palette PNGs: small, sharp text) and docs/gallery/README.md, the index.
Nothing in the repository but docs/gallery/ is written; the images of an earlier run are removed
first. Not part of `make test`.

usage: .venv/bin/python docs/gallery/make_gallery.py [--only NAME ...]
"""
from __future__ import annotations

import argparse
import io
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "gallery"
IMG = OUT / "img"
CHROMIUM = os.environ.get("YISHI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PASSWORD = "demo-pass-2026"
PHONE, DESKTOP = (390, 844), (1280, 900)
# Full-page shots are cut at this height: enough to show a page's top and its main action.
MAX_HEIGHT = {390: 2 * 844, 1280: 1400}
LOCALES = ("zh_Hans", "en")
MODES = ("default", "large", "contrast", "easy")
MODE_FLAGS = {"default": (), "large": ("large",), "contrast": ("contrast",), "easy": ("easy",)}
ROLE_TITLES = {
    None: ("访客", "A visitor"),
    "zhang": ("居民 张桂兰 (zhang)", "Resident 张桂兰 (zhang)"),
    "liu": ("居民 刘芳 (liu)", "Resident 刘芳 (liu)"),
    "wang": ("村委会 王秀英 (wang)", "Committee 王秀英 (wang)"),
    "zhao": ("调解员 赵德明 (zhao)", "Mediator 赵德明 (zhao)"),
}


@dataclass(frozen=True)
class Shot:
    name: str  # file name stem: <name>-<locale>-<mode>-<width>.png
    role: str | None  # a demo user name, None for a visitor
    path: str  # may hold {ids}; "" means the page the sign-in lands on
    caption: str  # English, for the index
    modes: bool = False  # also in large, contrast and easy mode (at 390 px)
    action: Callable | None = None  # done on the page before the picture


def _vote_check(page):
    """Choose the first option of the open poll and go to the check screen."""
    page.locator("main input[name=choice]").first.check()
    with page.expect_navigation():
        page.locator("main form[action$='/confirm'] button[type=submit]").first.click()


SHOTS = [
    Shot("home", None, "/", "The front page: the communities"),
    Shot("community", None, "/c/dongshan/", "A community's page, as anyone sees it"),
    Shot("proposal-answered", None, "/c/dongshan/proposals/{road}", "A proposal the committee answered"),
    Shot("vote-result", None, "/c/dongshan/votes/{poll_closed}", "The result of a closed poll"),
    Shot("rules", None, "/c/dongshan/rules/{rules_doc}", "The adopted village rules"),
    Shot("resident-landing", "zhang", "", "Where a resident lands after signing in", modes=True),
    Shot("resident-community", "zhang", "/c/dongshan/", "The community page, signed in as a resident", modes=True),
    Shot("resident-proposal", "zhang", "/c/dongshan/proposals/{lights}", "A proposal the resident supported"),
    Shot("resident-proposal-new", "zhang", "/c/dongshan/proposals/new", "Raising a matter (提个事)", modes=True),
    Shot("resident-mine", "zhang", "/c/dongshan/mine/", "My things (我的事)"),
    Shot("resident-rules-consultation", "zhang", "/c/dongshan/rules/v/{rules_consultation}",
         "The village rules under consultation: comment or propose a change"),
    Shot("resident-mediation-new", "zhang", "/c/dongshan/mediation/new", "Asking for mediation", modes=True),
    Shot("resident-vote", "liu", "/c/dongshan/votes/{poll_open}", "An open poll: the ballot", modes=True),
    Shot("resident-vote-check", "liu", "/c/dongshan/votes/{poll_open}", "The check screen before the vote is cast",
         action=_vote_check),
    Shot("committee-landing", "wang", "", "Where the committee lands after signing in"),
    Shot("committee-queue", "wang", "/c/dongshan/queue/", "For me to do (待我处理): everything waiting, overdue first"),
    Shot("committee-community", "wang", "/c/dongshan/", "The community page, signed in as the committee"),
    Shot("committee-members", "wang", "/c/dongshan/members", "Members: verifying who asked to join"),
    Shot("committee-proposal-answer", "wang", "/c/dongshan/proposals/{lights}/answer",
         "Answering a proposal in public"),
    Shot("committee-vote-new", "wang", "/c/dongshan/votes/new", "Creating a poll"),
    Shot("committee-mediation", "wang", "/c/dongshan/mediation/committee", "Mediation requests, overdue first"),
    Shot("committee-audit", "wang", "/c/dongshan/audit/", "The community's audit trail (留痕)"),
    Shot("mediator-cases", "zhao", "/c/dongshan/mediation/", "The mediator's cases"),
    Shot("mediator-case", "zhao", "/c/dongshan/mediation/{case_busy}", "A case being mediated: sessions and notes"),
    Shot("mediator-outcome", "zhao", "/c/dongshan/mediation/{case_busy}/outcome",
         "Recording the outcome: a written agreement"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _flask(env, *args):
    """A flask command, quiet unless it fails."""
    done = subprocess.run([sys.executable, "-m", "flask", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"flask {' '.join(args)} failed:\n{done.stdout}{done.stderr}")


def _ids(env) -> dict:
    """Ids of the demo's objects the gallery shows, read through the models."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import select

    from portal import create_app
    from portal.communities.models import Community
    from portal.extensions import db
    from portal.mediation.models import MediationCase
    from portal.proposals.models import Proposal
    from portal.rules.models import RuleDocument, RuleVersion
    from portal.votes.models import Poll

    app = create_app()
    ids = {}
    with app.app_context():
        c = db.session.execute(select(Community).where(Community.slug == "dongshan")).scalar_one()
        for key, title in (("road", "修一修通往小学的那段路"), ("lights", "村口装几盏路灯")):
            ids[key] = db.session.execute(select(Proposal.id).where(
                Proposal.community_id == c.id, Proposal.title == title)).scalar_one()
        polls = db.session.execute(select(Poll.id).where(Poll.community_id == c.id).order_by(Poll.id)).scalars().all()
        ids["poll_open"], ids["poll_closed"] = polls[0], polls[1]
        ids["case_busy"] = db.session.execute(select(MediationCase.id).where(
            MediationCase.community_id == c.id, MediationCase.state == "mediating")
            .order_by(MediationCase.id)).scalars().first()

        def version(status):
            return db.session.execute(select(RuleVersion).join(RuleDocument, RuleDocument.id == RuleVersion.document_id)
                                      .where(RuleDocument.community_id == c.id, RuleDocument.title == "东山村村规民约",
                                             RuleVersion.status == status)).scalar_one()
        ids["rules_doc"] = version("adopted").document_id
        ids["rules_consultation"] = version("consultation").id
    return ids, app


def _set_modes(app, flags) -> None:
    """Signed-in people's display modes live in their profile: set them for every demo user."""
    from sqlalchemy import update

    from portal.auth.models import User
    from portal.extensions import db

    with app.app_context():
        db.session.execute(update(User).values(display_large="large" in flags, display_contrast="contrast" in flags,
                                               display_easy="easy" in flags))
        db.session.commit()


def _save(png: bytes, path: Path) -> int:
    """A palette PNG: screenshots are flat colours and text, so 256 colours keep them sharp and small."""
    from PIL import Image

    img = Image.open(io.BytesIO(png)).convert("RGB")
    img.quantize(colors=256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE).save(path)
    return path.stat().st_size


def _sign_in(browser, base, user):
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = ctx.new_page()
    page.goto(f"{base}/login")
    page.fill("input[name=login]", user)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    landing = page.url
    state = ctx.storage_state()
    ctx.close()
    return state, landing


def _take(browser, base, shot, ids, state, landing, locale, mode, width) -> tuple[Path, int] | None:
    height = PHONE[1] if width == 390 else DESKTOP[1]
    kw = {"viewport": {"width": width, "height": height}, "locale": "zh-CN" if locale == "zh_Hans" else "en-GB"}
    if state is not None:
        kw["storage_state"] = state
    ctx = browser.new_context(**kw)
    if shot.role is None and MODE_FLAGS[mode]:
        ctx.add_cookies([{"name": "display", "value": ",".join(MODE_FLAGS[mode]), "url": base}])
    try:
        page = ctx.new_page()
        path = shot.path.format(**ids) if shot.path else landing.removeprefix(base)
        url = base + path + ("&" if "?" in path else "?") + "lang=" + locale
        response = page.goto(url)
        if response is None or response.status >= 400:
            print(f"  skipped {shot.name}: {path} answered {response and response.status}", file=sys.stderr)
            return None
        if shot.action:
            try:
                shot.action(page)
            except Exception as e:  # the page changed: say so, make the other pictures
                print(f"  skipped {shot.name}: {type(e).__name__}: {str(e).splitlines()[0]}", file=sys.stderr)
                return None
        full = page.evaluate("document.documentElement.scrollHeight")
        clip = {"x": 0, "y": 0, "width": width, "height": min(full, MAX_HEIGHT[width])}
        png = page.screenshot(full_page=True, clip=clip, animations="disabled", caret="hide")
        name = f"{shot.name}-{locale}-{mode}-{width}.png"
        return IMG / name, _save(png, IMG / name)
    finally:
        ctx.close()


def _index(done: dict) -> str:
    lines = ["# Gallery", "",
             "What the portal looks like, made by `make gallery` (docs/gallery/make_gallery.py) from the demo data",
             "(`flask seed-demo`): each page at 390 px (a phone; long pages are cut after two screens) and 1280 px,",
             "in Chinese (the default) and English; some of the resident's pages also in each display mode (large",
             "text 大字, high contrast 高对比度, easy reading 简明模式) at 390 px. Click a picture to see it in full.",
             "The demo's dates are relative to the day the gallery was made. Back to the [README](../../README.md).", ""]
    role = object()
    for shot in SHOTS:
        files = done.get(shot.name)
        if not files:
            continue
        if shot.role != role:
            role = shot.role
            zh, en = ROLE_TITLES.get(role, (role, role))
            lines += [f"## {en} / {zh}", ""]
        lines += [f"### {shot.caption}", "", "| | 390 px | 1280 px |", "|---|---|---|"]
        for locale in LOCALES:
            for mode in MODES:
                cells = []
                for width in (390, 1280):
                    f = files.get((locale, mode, width))
                    alt = f"{shot.caption}, {locale}, {mode}, {width} px"
                    size = 180 if width == 390 else 360  # thumbnails; each opens the full picture
                    cells.append(f'<a href="img/{f}"><img src="img/{f}" width="{size}" alt="{alt}"></a>' if f else "")
                if any(cells):
                    lines.append(f"| {'中文' if locale == 'zh_Hans' else 'English'}, {mode} | " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="*", help="only these shots (names), keep the other images")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} not found: apt-get install -y chromium fonts-noto-cjk", file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    started = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="yishi-gallery-"))
    port = _free_port()
    env = dict(os.environ, FLASK_APP="wsgi.py", PORTAL_CONFIG="development", DATABASE_URL=f"sqlite:///{tmp}/demo.sqlite3",
               BALLOT_KEY=secrets.token_hex(32), SPEECH_CACHE=str(tmp / "speech"), PAGE_CACHE_SECONDS="0",
               PYTHONDONTWRITEBYTECODE="1")
    server = None
    try:
        _flask(env, "translate", "compile")
        _flask(env, "init-db")
        _flask(env, "seed-demo")
        ids, app = _ids(env)
        server = subprocess.Popen([sys.executable, "-m", "flask", "run", "--host", "127.0.0.1", "--port", str(port)],
                                  cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        shots = [s for s in SHOTS if not args.only or s.name in args.only]
        if not args.only and IMG.exists():
            shutil.rmtree(IMG)
        IMG.mkdir(parents=True, exist_ok=True)
        done: dict = {}
        total = 0
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            sessions = {}  # one sign-in per person: the language is in each address, the modes in the profile
            for mode in MODES:
                _set_modes(app, MODE_FLAGS[mode])
                for locale in LOCALES:
                    for shot in shots:
                        if mode != "default" and not shot.modes:
                            continue
                        if shot.role and shot.role not in sessions:
                            sessions[shot.role] = _sign_in(browser, base, shot.role)
                        state, landing = sessions.get(shot.role, (None, base + "/"))
                        for width in ((390, 1280) if mode == "default" else (390,)):
                            taken = _take(browser, base, shot, ids, state, landing, locale, mode, width)
                            if taken:
                                done.setdefault(shot.name, {})[(locale, mode, width)] = taken[0].name
                                total += taken[1]
                                print(f"  {taken[0].name} {taken[1] // 1024} KB")
            browser.close()
        _set_modes(app, ())
        if args.only:  # keep the index of the images not made again
            for f in IMG.glob("*.png"):
                stem, locale, mode, width = f.stem.rsplit("-", 3)
                done.setdefault(stem, {}).setdefault((locale, mode, int(width)), f.name)
        (OUT / "README.md").write_text(_index(done) + "\n", encoding="utf-8")
        count = sum(len(v) for v in done.values())
        print(f"{count} images, {total / 1e6:.1f} MB this run, {time.monotonic() - started:.0f} s; "
              f"index: {(OUT / 'README.md').relative_to(ROOT)}")
        return 0
    finally:
        if server is not None:
            server.terminate()
            server.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
