#!/usr/bin/env python3
"""Page throughput of the portal against a bare Flask baseline (DESIGN.md §6).

    python bench/pages.py            # or: make bench

What it does, all on 127.0.0.1 and inside a temporary directory:
  1. migrates a fresh SQLite database and seeds it through the real services:
     2 communities, 2,000 users, ~1,900 memberships (verified, pending, rejected,
     mediators) and ~20,000 audit events in one community, written by
     portal.audit.record() so the hash chain is real;
  2. starts a bare Flask "hello" app and the portal, each under
     `gunicorn -w 2` on a free loopback port (the portal with
     PORTAL_CONFIG=development and DATABASE_URL pointing at the temp file);
  3. signs in as a committee member (GET /login for the CSRF token, POST the
     credentials, keep the `session` cookie) and checks every page answers 200;
  4. runs `wrk -t1 -c8 -d6s --latency` per page and prints req/s, p50/p99 and
     the ratio to the bare Flask baseline, which is measured before and after
     the portal pages (the ratio uses their mean; a large gap means the machine
     was busy and the run should be repeated).

Servers are stopped on every exit path. Every wait is bounded in time.
Environment: BENCH_DURATION (seconds per wrk run, default 6), BENCH_EVENTS
(audit events to aim for, default 20000), BENCH_SEED_SECONDS (seeding time
limit, default 40; the run reports how many events it reached).
"""
from __future__ import annotations

import http.cookiejar
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
DURATION = int(os.environ.get("BENCH_DURATION", "6"))
TARGET_EVENTS = int(os.environ.get("BENCH_EVENTS", "20000"))
SEED_SECONDS = float(os.environ.get("BENCH_SEED_SECONDS", "40"))
USERS = 2000
PASSWORD = "bench-pass-2026"
USER_AGENT = "yishi-bench/1"  # the same for login and wrk: Flask-Login ties the session to it
SLUG_A, SLUG_B = "bench-a", "bench-b"
COMMITTEE = "benchcom"

HELLO_APP = '''from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello, World!"
'''


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- seeding

def compile_catalogs() -> None:
    """The portal renders with the compiled catalogs, as in `make run`."""
    tr = ROOT / "translations"
    for po in tr.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            subprocess.run([sys.executable, "-m", "babel.messages.frontend", "compile", "-d", str(tr)],
                           check=True, capture_output=True, timeout=120)
            return


def seed(db_url: str) -> dict:
    """Migrate and fill the database; returns what the benchmark needs to know."""
    sys.path.insert(0, str(ROOT))
    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from portal import audit, create_app
    from portal.audit.models import AuditEvent
    from portal.auth import services as accounts
    from portal.auth.models import User
    from portal.communities import services as cs
    from portal.communities.models import Membership
    from portal.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": db_url})
    started = time.monotonic()
    deadline = started + SEED_SECONDS
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        com = accounts.register_user(COMMITTEE, "王秀英 (村委会)", PASSWORD)
        a = cs.create_community(None, SLUG_A, "东山村 (bench)", "浙江省 安吉县", "village")
        b = cs.create_community(None, SLUG_B, "和平里社区 (bench)", "北京市 东城区", "urban")
        cs.appoint_committee(None, a, com)
        digest = accounts.hash_password(PASSWORD)  # one real hash shared by every resident
        users = [User(username=f"r{i:04d}", display_name=f"居民 {i:04d}", password_hash=digest)
                 for i in range(1, USERS + 1)]
        db.session.add_all(users)
        db.session.commit()
        log(f"  {USERS} users")

        def batch(i: int) -> None:
            if i % 300 == 299:
                db.session.commit()

        members_a = []
        for i, u in enumerate(users[:1500]):  # A: 1,500 verified, every 15th a mediator
            m = cs.add_resident(com, a, u)
            members_a.append((m.id, u.id))
            if i % 15 == 0:
                cs.grant_role(com, a, m, "mediator")
            batch(i)
            if time.monotonic() > deadline:
                break
        for i, u in enumerate(users[1500:1560]):  # A: 60 waiting requests
            cs.request_join(u, a, "我家在东山村 5 组")
            batch(i)
        for i, u in enumerate(users[1560:1580]):  # A: 20 rejected
            cs.reject_member(com, a, cs.request_join(u, a, ""), "不认识")
            batch(i)
        for i, u in enumerate(users[1580:]):  # B: 420 verified
            cs.add_resident(None, b, u, actor_role="system")
            batch(i)
            if time.monotonic() > deadline:
                break
        db.session.commit()
        log(f"  memberships done after {time.monotonic() - started:.1f}s, A has {a.audit_seq} events")

        # Fill A's chain up to TARGET_EVENTS with the kinds of events the portal writes.
        kinds = ("membership.requested", "membership.verified", "role.granted", "role.revoked", "membership.added")
        com_actor = SimpleNamespace(id=com.id)  # record() only reads .id; no reloads after each commit
        n = 0
        while a.audit_seq < TARGET_EVENTS and time.monotonic() < deadline:
            member_id, user_id = members_a[n % len(members_a)]
            kind = kinds[n % len(kinds)]
            data = {"user": user_id, "role": "mediator"} if kind.startswith("role.") else {"user": user_id}
            actor, role = (com_actor, "committee") if n % 3 else (SimpleNamespace(id=user_id), "user")
            audit.record(a, actor, kind, ("membership", member_id), data, actor_role=role)
            n += 1
            if n % 500 == 0:
                db.session.commit()
        db.session.commit()
        facts = {
            "events_a": db.session.execute(select(func.count()).select_from(AuditEvent)
                                           .where(AuditEvent.community_id == a.id)).scalar_one(),
            "events_total": db.session.execute(select(func.count()).select_from(AuditEvent)).scalar_one(),
            "memberships": db.session.execute(select(func.count()).select_from(Membership)).scalar_one(),
            "verified_a": db.session.execute(select(func.count()).select_from(Membership).where(
                Membership.community_id == a.id, Membership.status == "verified")).scalar_one(),
            "users": db.session.execute(select(func.count()).select_from(User)).scalar_one(),
            "seq_a": a.audit_seq,
            "seconds": time.monotonic() - started,
        }
        ok = audit.verify_community(a).ok
        db.session.remove()
        db.engine.dispose()
    if not ok:
        raise SystemExit("seeding produced a broken audit chain")
    if facts["events_a"] < TARGET_EVENTS:
        log(f"  note: seeding stopped at the {SEED_SECONDS:.0f}s limit with {facts['events_a']} events")
    return facts


# --------------------------------------------------------------------------- servers

def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, name: str, module: str, cwd: Path, env: dict, logdir: Path):
        self.name, self.port = name, free_port()
        self.base = f"http://{HOST}:{self.port}"
        self.log_path = logdir / f"{name}.log"
        self._log = open(self.log_path, "wb")
        cmd = [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"{HOST}:{self.port}",
               "--log-level", "warning", module]
        self.proc = subprocess.Popen(cmd, cwd=str(cwd), env=env, stdout=self._log, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def wait_ready(self, path: str = "/", timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                with urllib.request.urlopen(self.base + path, timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not start; its log:\n{self.log_path.read_text(errors='replace')[-3000:]}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)  # gunicorn master and its workers only
                self.proc.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(timeout=5)
        self._log.close()


# --------------------------------------------------------------------------- client side

class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def sign_in(base: str, username: str, password: str) -> str:
    """A browser-like login; returns the value of the `session` cookie."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    with opener.open(base + "/login", timeout=10) as r:
        page = r.read().decode()
    m = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    if not m:
        raise RuntimeError("no csrf_token on /login")
    form = urllib.parse.urlencode({"csrf_token": m.group(1), "login": username, "password": password,
                                   "next": ""}).encode()
    with opener.open(base + "/login", data=form, timeout=20) as r:  # follows the 303 to /
        final = r.geturl()
    if final.rstrip("/").endswith("/login"):
        raise RuntimeError("sign-in failed (still on /login)")
    cookie = next((c.value for c in jar if c.name == "session"), None)
    if not cookie:
        raise RuntimeError("sign-in gave no session cookie")
    return cookie


def check_page(url: str, cookie: str | None) -> dict:
    """The benchmarked request must be a 200; returns its size and whether it sets a session cookie."""
    opener = urllib.request.build_opener(NoRedirect)
    headers = {"User-Agent": USER_AGENT}
    if cookie:
        headers["Cookie"] = f"session={cookie}"
    for _ in range(6):  # reaches both workers; also warms their template caches
        try:
            with opener.open(urllib.request.Request(url, headers=headers), timeout=10) as r:
                status, set_cookie = r.status, r.headers.get_all("Set-Cookie") or []
                body = r.read()
        except urllib.error.HTTPError as e:
            status, set_cookie, body = e.code, [], b""
        if status != 200:
            raise RuntimeError(f"{url} answered {status}, not 200 (session lost?)")
    sets_session = any(c.startswith("session=") for c in set_cookie)
    if sets_session and cookie:
        log(f"  warning: {url} rewrites the signed-in session cookie on every request")
    return {"bytes": len(body), "sets_session": sets_session}


def run_wrk(url: str, cookie: str | None = None, duration: int = DURATION) -> dict:
    # --timeout 10s: a slow page is measured, not counted as socket timeouts (wrk's default is 2s)
    cmd = ["wrk", "-t1", "-c8", f"-d{duration}s", "--timeout", "10s", "--latency", "-H", f"User-Agent: {USER_AGENT}"]
    if cookie:
        cmd += ["-H", f"Cookie: session={cookie}"]
    cmd.append(url)
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 30).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not rps:
        raise RuntimeError(f"could not read wrk output:\n{out}")

    def pct(p):
        m = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not m:
            return None
        return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]

    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:(.*)", out)
    total = re.search(r"(\d+) requests in", out)
    return {"rps": float(rps.group(1)), "p50": pct(50), "p99": pct(99), "requests": int(total.group(1)) if total else 0,
            "non2xx": int(bad.group(1)) if bad else 0, "errors": errors.group(1).strip() if errors else ""}


# --------------------------------------------------------------------------- main

def main() -> int:
    if shutil.which("wrk") is None:
        print("error: wrk is not installed. Install it with:  sudo apt-get install -y wrk\n"
              "(the benchmark needs a load generator in a separate process)", file=sys.stderr)
        return 2
    try:
        import gunicorn  # noqa: F401
    except ImportError:
        print("error: gunicorn is not installed (pip install -r requirements.txt)", file=sys.stderr)
        return 2

    def _terminate(signum, frame):
        raise SystemExit(128 + signum)  # runs the finally below: servers are stopped

    signal.signal(signal.SIGTERM, _terminate)
    t0 = time.monotonic()
    servers: list[Server] = []
    with tempfile.TemporaryDirectory(prefix="yishi-bench-") as tmp:
        tmp = Path(tmp)
        db_url = f"sqlite:///{tmp / 'bench.sqlite3'}"
        try:
            compile_catalogs()
            log("seeding a temporary SQLite database …")
            facts = seed(db_url)
            log(f"  {facts['users']} users, {facts['memberships']} memberships, {facts['events_a']} audit events in "
                f"{SLUG_A} ({facts['events_total']} in all), {facts['seconds']:.1f}s")

            (tmp / "hello_app.py").write_text(HELLO_APP)
            base_env = {k: v for k, v in os.environ.items()
                        if k not in ("DATABASE_URL", "PORTAL_CONFIG", "FLASK_DEBUG", "TEST_DATABASE_URL")}
            hello = Server("hello", "hello_app:app", tmp, dict(base_env), tmp)
            servers.append(hello)
            portal = Server("portal", "wsgi:app", ROOT,
                            dict(base_env, DATABASE_URL=db_url, PORTAL_CONFIG="development"), tmp)
            servers.append(portal)
            hello.wait_ready()
            portal.wait_ready("/healthz")
            cookie = sign_in(portal.base, COMMITTEE, PASSWORD)

            deep_before = max(2, facts["seq_a"] // 10)
            last_page = max(1, (facts["verified_a"] + 19) // 20)
            cases = [
                ("/ (home)", "/", None),
                ("/login", "/login", None),
                (f"/c/{SLUG_A}/ (community home)", f"/c/{SLUG_A}/", None),
                (f"/c/{SLUG_A}/ (signed in)", f"/c/{SLUG_A}/", cookie),
                (f"/c/{SLUG_A}/audit/ (first page)", f"/c/{SLUG_A}/audit/", cookie),
                (f"/c/{SLUG_A}/audit/?before={deep_before}", f"/c/{SLUG_A}/audit/?before={deep_before}", cookie),
                (f"/c/{SLUG_A}/members", f"/c/{SLUG_A}/members", cookie),
                (f"/c/{SLUG_A}/members?page={last_page}", f"/c/{SLUG_A}/members?page={last_page}", cookie),
            ]
            pages = {label: check_page(portal.base + path, ck) for label, path, ck in cases}
            hello_page = check_page(hello.base + "/", None)

            log(f"wrk -t1 -c8 -d{DURATION}s, {len(cases) + 2} runs …")
            results = []
            base1 = run_wrk(hello.base + "/")
            for label, path, ck in cases:
                results.append((label, run_wrk(portal.base + path, ck)))
            base2 = run_wrk(hello.base + "/")
        finally:
            for s in reversed(servers):
                s.stop()

    bare = (base1["rps"] + base2["rps"]) / 2
    rows = [("bare Flask hello (before)", base1, hello_page), ("bare Flask hello (after)", base2, hello_page)] + \
        [(label, r, pages[label]) for label, r in results]
    fmt = lambda v: "-" if v is None else f"{v:.1f}"  # noqa: E731
    lines = [
        f"Yishi page benchmark — {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}",
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"load average at end {os.getloadavg()[0]:.2f}",
        f"data: {facts['users']} users, {facts['memberships']} memberships, {facts['events_a']} audit events in "
        f"{SLUG_A}; SQLite; gunicorn -w 2; wrk -t1 -c8 -d{DURATION}s",
        *([f"      (seeding stopped at its {SEED_SECONDS:.0f}s limit short of {TARGET_EVENTS} events; "
           f"BENCH_SEED_SECONDS=120 waits longer)"] if facts["events_a"] < TARGET_EVENTS else []),
        f"bare Flask baseline: {base1['rps']:.0f} req/s before, {base2['rps']:.0f} after (mean {bare:.0f})",
        "",
        f"| {'path':<40} | {'req/s':>7} | {'p50 ms':>7} | {'p99 ms':>7} | {'vs bare':>7} | {'HTML KB':>7} |",
        f"|{'-' * 42}|{'-' * 9}|{'-' * 9}|{'-' * 9}|{'-' * 9}|{'-' * 9}|",
    ]
    for label, r, page in rows:
        note = ""
        if r["non2xx"] or r["errors"]:
            note = f"  ! non-2xx/3xx {r['non2xx']} {r['errors']}"
        lines.append(f"| {label:<40} | {r['rps']:>7.0f} | {fmt(r['p50']):>7} | {fmt(r['p99']):>7} | "
                     f"{r['rps'] / bare:>7.3f} | {page['bytes'] / 1024:>7.1f} |{note}")
    anon = [label for label, _, page in rows[2:] if page["sets_session"]]
    if anon:
        lines.append("\nanonymous pages that set a session cookie on each visit: " + ", ".join(anon))
    spread = abs(base1["rps"] - base2["rps"]) / bare
    if spread > 0.15:
        lines.append(f"\nwarning: the baseline moved {spread:.0%} during the run; the machine was busy, repeat it.")
    lines.append(f"\n(total {time.monotonic() - t0:.0f}s)")
    print("\n".join(lines))
    bad = [label for label, r in results if r["non2xx"] or r["errors"]]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
