"""Real-browser fixtures: a live portal on 127.0.0.1 and one shared Chromium.

The portal runs in a background thread (werkzeug's make_server) on a free port,
against a freshly migrated SQLite file seeded with tests.support.helpers.build_world()
plus the Chinese demo data (portal.demo.seed), and a page's worth of extra
residents so that the members page has a pager.

Chromium is Debian's /usr/bin/chromium driven by the PyPI playwright package
(never `playwright install`). Without it the browser tests are skipped, unless
YISHI_REQUIRE_BROWSER=1, in which case they fail.
"""
from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from ..conftest import ROOT, _compile_catalogs, _migrate
from ..support.helpers import PASSWORD
from ..support.speed import use_fast_commits

CHROMIUM = os.environ.get("YISHI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"

# A mode is a display mode or a combination of them joined by "-" (easy-large = easy reading with large text).
MODES = ("default", "large", "contrast", "easy", "easy-large")
LOCALES = ("zh_Hans", "en")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

# Chinese names for the extra residents (so that CJK text shows up on every page).
EXTRA_NAMES = ["王秀英", "李建国", "张桂兰", "刘芳", "陈志强", "杨丽娟", "赵德明", "黄小梅", "周海涛",
               "吴淑珍", "徐国庆", "孙玉兰", "胡建军", "朱红霞", "高德胜", "林美玲", "何志明", "郭秀芳",
               "马建华", "罗桂英", "梁国栋", "宋玉梅", "郑永强", "谢春花"]


def _unavailable(reason: str):
    if os.environ.get("YISHI_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser tests required (YISHI_REQUIRE_BROWSER=1) but {reason}", pytrace=False)
    pytest.skip(f"browser tests skipped: {reason} (set YISHI_REQUIRE_BROWSER=1 to make this an error)")


# --------------------------------------------------------------------------- live server

@dataclass
class LiveServer:
    url: str
    app: object
    _modes: tuple | None = None
    _storage: dict = field(default_factory=dict)

    def __call__(self, path: str) -> str:
        return self.url + path

    def set_user_modes(self, large: bool, contrast: bool, easy: bool = False) -> None:
        """Display modes of signed-in people live in their profile: set them for everyone."""
        if self._modes == (large, contrast, easy):
            return
        from sqlalchemy import update

        from portal.auth.models import User
        from portal.extensions import db

        with self.app.app_context():
            db.session.execute(update(User).values(display_large=large, display_contrast=contrast, display_easy=easy))
            db.session.commit()
        self._modes = (large, contrast, easy)

    def forget_modes(self) -> None:
        self._modes = None


class _ServerThread(threading.Thread):
    def __init__(self, app):
        super().__init__(daemon=True, name="yishi-live-server")
        from werkzeug.serving import make_server

        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.port = self.server.server_port

    def run(self):
        self.server.serve_forever()

    def stop(self):
        self.server.shutdown()
        self.join(10)


def _seed(app):
    # The seeded people get a cheaper scrypt (n=4096 instead of 32768), hashed once per
    # distinct password: seeding and each sign-in stay fast. Sign-ups in the journeys
    # use the real hash.
    from werkzeug.security import generate_password_hash

    from portal import demo
    from portal.auth import services as accounts
    from portal.communities import services as cs
    from portal.extensions import db

    from ..support.helpers import build_world, make_user

    real_hash, hashes = accounts.hash_password, {}
    accounts.hash_password = lambda pw: hashes.get(pw) or hashes.setdefault(
        pw, generate_password_hash(pw, method="scrypt:4096:8:1"))
    try:
        _seed_data(app, demo, cs, db, build_world, make_user)
    finally:
        accounts.hash_password = real_hash


def _seed_data(app, demo, cs, db, build_world, make_user):
    with app.app_context():
        w = build_world()
        coma = w["coma"]
        for i, name in enumerate(EXTRA_NAMES):
            user = make_user(f"cun{i:02d}", name)
            member = cs.add_resident(w.a, user, actor=coma)
            if i < 8:  # more audit events: the audit page is full (50 rows) and has an "older" link
                cs.grant_role(w.a, member, "mediator", actor=coma)
                cs.revoke_role(w.a, member, "mediator", actor=coma)
        for i, name in enumerate(("钱大伯", "Anna Weber")):
            cs.request_join(w.a, "我住在三组，门牌 12 号。" if i == 0 else "", actor=make_user(f"wait{i}", name))
        db.session.commit()
        demo.seed()
        _demo_ids(w)
        db.session.commit()
        db.session.remove()


def _demo_ids(w):
    """Ids of the demo's proposals and comments for the page catalogue; a reported
    comment so that the committee's moderation queue is not empty."""
    from sqlalchemy import select

    from .pages import IDS

    try:
        from portal.comments.models import Comment
        from portal.moderation import services as moderation
        from portal.proposals.models import Proposal
    except ImportError:  # proposals not there yet
        return
    from portal.auth.services import find_user
    from portal.communities.models import Community
    from portal.extensions import db

    dongshan = db.session.execute(select(Community).where(Community.slug == "dongshan")).scalar_one()
    titles = {"road": "修一修通往小学的那段路", "lights": "村口装几盏路灯", "bins": "垃圾桶每天清运一次",
              "draft": "广场舞音响晚上九点后调小声"}
    for key, title in titles.items():
        IDS[key] = db.session.execute(select(Proposal.id).where(
            Proposal.community_id == dongshan.id, Proposal.title == title)).scalar_one()
    # Long unbroken words and links (people paste them) must not widen the page at 320px.
    from portal.proposals import services as proposals

    long_one = proposals.create_proposal(
        dongshan, "Dorfentwicklungsbeiratssitzungsprotokollveröffentlichungspflicht",
        "见 https://example.org/village/records/2026/very-long-path-without-any-spaces-at-all-"
        "0123456789abcdefghijklmnopqrstuvwxyz 和 " + "长" * 80, proposals.categories(dongshan)[0].id, publish=True, actor=find_user("zhao"))
    IDS["long"] = long_one.id
    comments = db.session.execute(select(Comment).where(Comment.community_id == dongshan.id)
                                  .order_by(Comment.id)).scalars().all()
    IDS["comment"] = comments[0].id
    from portal.mediation.models import MediationCase

    for key, state in (("case_waiting", "requested"), ("case_busy", "mediating"),
                       ("case_agreement", "agreement_written")):
        IDS[key] = db.session.execute(select(MediationCase.id).where(
            MediationCase.community_id == dongshan.id, MediationCase.state == state)
            .order_by(MediationCase.id)).scalars().first()
    _vote_ids(dongshan)
    moderation.flag(dongshan, comments[-1], "这条留言和提案无关。", actor=find_user("wang"))
    _rules_ids(dongshan)
    _matters_ids(dongshan)
    moderation.flag(dongshan,
                    db.session.get(Proposal, IDS["bins"]), "Please check: this repeats an older proposal.", actor=find_user("13800000001"))
    # A login card of an imported villager, for the page where it is used.
    from portal.communities.models import Membership
    from portal.roster import services as roster

    heping = db.session.execute(select(Community).where(Community.slug == "heping")).scalar_one()
    auntie = db.session.execute(select(Membership).join(Membership.user).where(
        Membership.community_id == heping.id, Membership.user.has(display_name="王秀兰"))).scalar_one()
    _card, IDS["card"] = roster.issue_card(heping, auntie, actor=find_user("lijg"))
    IDS["liu_member"] = db.session.execute(select(Membership.id).where(
        Membership.community_id == heping.id, Membership.user_id == find_user("liu").id)).scalar_one()


def _rules_ids(dongshan):
    """The demo's rules (portal/rules/demo.py), plus a document in revision and an adopted,
    not yet filed one, so that the committee's revision and filing pages are in the catalogue."""
    from sqlalchemy import select

    from portal.auth.services import find_user
    from portal.extensions import db
    from portal.rules import services as rs
    from portal.rules.models import Amendment, RuleDocument, RuleVersion

    from ..support.helpers import World
    from ..support.rules import make_rules
    from .pages import IDS

    def version(title, status):
        return db.session.execute(select(RuleVersion).join(RuleDocument, RuleDocument.id == RuleVersion.document_id)
                                  .where(RuleDocument.community_id == dongshan.id, RuleDocument.title == title,
                                         RuleVersion.status == status)).scalar_one()

    adopted = version("东山村村规民约", "adopted")
    consultation = version("东山村村规民约", "consultation")
    draft = version("东山村环境卫生公约", "drafting")
    IDS.update(rules_doc=adopted.document_id, rules_consultation=consultation.id, rules_draft=draft.id,
               rules_clause=rs.clauses_of(consultation)[4].id, rules_draft_clause=rs.clauses_of(draft)[0].id,
               rules_amendment=db.session.execute(select(Amendment.id).where(
                   Amendment.version_id == consultation.id).order_by(Amendment.id)).scalars().first())
    w = World(dongshan, None, {k: find_user(k) for k in ("wang", "zhang", "zhao")})
    revision = make_rules(w, "revision", committee="wang", residents=("zhang", "zhao"))
    IDS["rules_revision"] = revision.id
    unfiled = make_rules(w, "adopted", committee="wang", residents=("zhang", "zhao"))
    IDS["rules_unfiled"] = unfiled.id


def _vote_ids(dongshan):
    """The demo polls (portal.votes.demo): open, closed (choice and roll-call), draft, and a receipt code."""
    from sqlalchemy import select

    from portal.extensions import db
    from portal.votes.models import Ballot, Poll

    from .pages import IDS

    polls = db.session.execute(select(Poll).where(Poll.community_id == dongshan.id).order_by(Poll.id)).scalars().all()
    IDS["poll_open"], IDS["poll_closed"], IDS["poll_rollcall"], IDS["poll_draft"] = (p.id for p in polls[:4])
    IDS["tracker"] = db.session.execute(select(Ballot.tracker).where(Ballot.poll_id == IDS["poll_closed"])
                                        .order_by(Ballot.tracker)).scalars().first()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    _compile_catalogs()
    from portal import create_app

    folder = tmp_path_factory.mktemp("live")
    path = folder / "live.sqlite3"
    _migrate(f"sqlite:///{path}")
    # Sign-ups in the journeys hash with the production cost (TestConfig's cheap one is for the
    # thousands of in-process tests); the seeded people get the cheaper one of _seed.
    # The page caches are on, as in production: every page the browser sees, visitors' and
    # signed-in readers' alike, goes through them (portal/cache/).
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "DB_FILE": str(path),
                      "SPEECH_CACHE": str(tmp_path_factory.mktemp("speech")), "PASSWORD_HASH_METHOD": "scrypt",
                      "PAGE_CACHE_SECONDS": 30})
    with app.app_context():
        from portal.extensions import db

        use_fast_commits(db.engine)  # seeding and the journeys commit often: no fsync on a throw-away file
    _seed(app)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no access log in failure reports
    thread = _ServerThread(app)
    thread.start()
    server = LiveServer(url=f"http://127.0.0.1:{thread.port}", app=app)
    yield server
    thread.stop()
    with app.app_context():
        from portal.extensions import db

        db.engine.dispose()


# --------------------------------------------------------------------------- browser

@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        _unavailable(f"{CHROMIUM} is missing (apt-get install -y chromium fonts-noto-cjk)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the Python package playwright is not installed (pip install playwright)")
    p = sync_playwright().start()
    try:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    except Exception as exc:  # pragma: no cover - depends on the machine
        p.stop()
        _unavailable(f"Chromium did not start: {exc}")
    yield b
    b.close()
    p.stop()


class Browsing:
    """Makes browser contexts for a role and a display mode, signing in once per role."""

    def __init__(self, browser, live: LiveServer):
        self.browser = browser
        self.live = live
        self._contexts: dict = {}

    def new_context(self, role: str | None = None, mode: str = "default", js: bool = True,
                    viewport: dict | None = None, cached: bool = False, init_script: str | None = None):
        """role None = visitor. The visitor's mode is the `display` cookie; a user's mode is
        the profile (set with live.set_user_modes before navigating)."""
        key = (role, mode, js, tuple(sorted((viewport or PHONE).items())), init_script is not None)
        if cached and key in self._contexts:
            return self._contexts[key]
        ctx = self.browser.new_context(
            base_url=self.live.url, bypass_csp=True, java_script_enabled=js,
            viewport=viewport or PHONE, locale="zh-CN",
            storage_state=self._storage_for(role) if role else None,
        )
        ctx.set_default_timeout(15_000)
        if init_script:
            ctx.add_init_script(init_script)
        if role is None and mode != "default":
            ctx.add_cookies([{"name": "display", "value": mode.replace("-", ","), "url": self.live.url}])
        if cached:
            self._contexts[key] = ctx
        return ctx

    def page(self, role: str | None, mode: str, init_script: str | None = None):
        """One reusable page per (role, mode): a new page costs a renderer process.
        Signed-in people share it across modes (their mode is in the profile)."""
        key = ("page", role, mode if role is None else "*", init_script is not None)
        if key not in self._contexts or self._contexts[key].is_closed():
            ctx = self.new_context(role, mode if role is None else "default", cached=True, init_script=init_script)
            self._contexts[key] = ctx.new_page()
        return self._contexts[key]

    def _storage_for(self, role: str):
        if role not in self.live._storage:
            ctx = self.browser.new_context(base_url=self.live.url)
            page = ctx.new_page()
            from portal.demo import DEMO_PASSWORD

            from .pages import DEMO_USERS

            sign_in(page, role, DEMO_PASSWORD if role in DEMO_USERS else PASSWORD)
            self.live._storage[role] = ctx.storage_state()
            ctx.close()
        return self.live._storage[role]

    def close(self):
        for key, ctx in self._contexts.items():
            if key[0] != "page":
                ctx.close()
        self._contexts.clear()


def sign_in(page, username: str, password: str = PASSWORD):
    page.goto("/login")
    page.fill("#login", username)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("form.stack button[type=submit]")
    assert "/login" not in page.url, f"sign-in as {username} failed: {page.url}"


@pytest.fixture(scope="session")
def browsing(browser, live_server):
    b = Browsing(browser, live_server)
    yield b
    b.close()


# --------------------------------------------------------------------------- network watch

class RequestLog:
    """Every request a page makes; anything not on 127.0.0.1 is a failure."""

    def __init__(self, page):
        self.requests = []
        self.page = page
        self._handler = lambda request: self.requests.append(request)
        page.on("request", self._handler)

    def stop(self):
        self.page.remove_listener("request", self._handler)

    def foreign(self):
        return [r.url for r in self.requests
                if urlsplit(r.url).scheme not in ("data", "about", "blob")
                and urlsplit(r.url).hostname != "127.0.0.1"]


@pytest.fixture(scope="session")
def screenshots_dir():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture(scope="module")
def axe_script():
    """axe-core's script, to evaluate in a page."""
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        _unavailable("the Python package axe-playwright-python is not installed")
    return Axe().axe_script


def _matters_ids(dongshan):
    """The demo's matters (portal/matters/demo.py), and one the street sent on to a department,
    for the street's recall page."""
    from sqlalchemy import select

    from portal.auth.services import find_user
    from portal.communities.models import Community
    from portal.extensions import db
    from portal.matters import services as ms
    from portal.matters.models import Matter

    from .pages import IDS

    for key, title in (("lamp", "村口路灯不亮了"), ("pipe", "三组水管漏水"), ("shed", "路边有人搭了铁皮棚"),
                       ("heap", "河边堆了很多垃圾")):
        IDS[key] = db.session.execute(select(Matter.id).where(Matter.community_id == dongshan.id,
                                                              Matter.title == title)).scalar_one()
    street, squad = (db.session.execute(select(Community).where(Community.slug == s)).scalar_one()
                     for s in ("dipu", "dipu-cg"))
    cat = next(c.id for c in ms.categories(street) if c.key == "roads")
    relay = ms.report(dongshan, category_id=cat, title="桥头护栏松了", description="护栏晃得厉害。",
                      actor=find_user("liu"))
    ms.dispatch(dongshan, relay, street, actor=find_user("wang"))
    ms.accept(street, relay, actor=find_user("jiedao"))
    ms.dispatch(street, relay, squad, note="请城管中队处理。", actor=find_user("jiedao"))
    db.session.commit()
    IDS["relay"] = relay.id
