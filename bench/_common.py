"""Helpers shared by the bench scripts (pages.py, proposals.py).

Everything here talks to 127.0.0.1 only, and every wait is bounded in time.
"""
from __future__ import annotations

import contextlib
import html
import http.cookiejar
import json
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

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
DURATION = int(os.environ.get("BENCH_DURATION", "6"))
USER_AGENT = "yishi-bench/1"  # the same for login and wrk: Flask-Login ties the session to it

HELLO_APP = '''from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello, World!"
'''


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def portal_on_path() -> None:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))


def preflight() -> int:
    """0 when wrk and gunicorn are there, else an exit code after saying what to install."""
    if shutil.which("wrk") is None:
        print("error: wrk is not installed. Install it with:  sudo apt-get install -y wrk\n"
              "(the benchmark needs a load generator in a separate process)", file=sys.stderr)
        return 2
    try:
        import gunicorn  # noqa: F401
    except ImportError:
        print("error: gunicorn is not installed (pip install -r requirements.txt)", file=sys.stderr)
        return 2
    return 0


def stop_on_sigterm() -> None:
    def _terminate(signum, frame):
        raise SystemExit(128 + signum)  # runs the callers' finally blocks: servers are stopped

    signal.signal(signal.SIGTERM, _terminate)


def compile_catalogs() -> None:
    """The portal renders with the compiled catalogs, as in `make run`."""
    tr = ROOT / "translations"
    for po in tr.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            subprocess.run([sys.executable, "-m", "babel.messages.frontend", "compile", "-d", str(tr)],
                           check=True, capture_output=True, timeout=120)
            return


# --------------------------------------------------------------------------- servers

def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def server_env(**extra) -> dict:
    """This process's environment without the portal settings a developer may have exported."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "PORTAL_CONFIG", "FLASK_DEBUG", "TEST_DATABASE_URL")}
    env.update(extra)
    return env


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


def start_hello(tmp: Path) -> Server:
    (tmp / "hello_app.py").write_text(HELLO_APP)
    return Server("hello", "hello_app:app", tmp, server_env(), tmp)


def start_portal(db_url: str, tmp: Path) -> Server:
    return Server("portal", "wsgi:app", ROOT, server_env(DATABASE_URL=db_url, PORTAL_CONFIG="development"), tmp)


# --------------------------------------------------------------------------- client side

class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def sign_in(base: str, username: str, password: str) -> str:
    """A browser-like login; returns the value of the `session` cookie. Like a browser it then
    opens the page it is sent to, which gives the session its CSRF secret (a signed-in page
    would otherwise set a new session cookie on every request)."""
    browser = Browser(base)
    browser.sign_in(username, password)
    browser.request("/")
    cookie = next((c.value for c in browser.jar if c.name == "session"), None)
    if not cookie:
        raise RuntimeError("sign-in gave no session cookie")
    return cookie


def fetch(url: str, cookie: str | None = None) -> tuple[int, list[str], bytes]:
    """One GET without following redirects: (status, Set-Cookie headers, body)."""
    opener = urllib.request.build_opener(NoRedirect)
    headers = {"User-Agent": USER_AGENT}
    if cookie:
        headers["Cookie"] = f"session={cookie}"
    try:
        with opener.open(urllib.request.Request(url, headers=headers), timeout=10) as r:
            return r.status, r.headers.get_all("Set-Cookie") or [], r.read()
    except urllib.error.HTTPError as e:
        return e.code, [], b""


def check_page(url: str, cookie: str | list[str] | None) -> dict:
    """The benchmarked request must be a 200; returns its size and whether it sets a session cookie.

    `cookie` is one session cookie, a list of them (one per signed-in reader, as run_wrk rotates
    them) or None. With a list, the first cookie gets the warm-up requests and every other one is
    checked once: each must answer 200, and a warning names how many rewrite their session cookie."""
    cookies = cookie if isinstance(cookie, list) else [cookie]
    if not cookies:
        raise ValueError("an empty list of session cookies")
    for _ in range(6):  # reaches both workers; also warms their template caches
        status, set_cookie, body = fetch(url, cookies[0])
        if status != 200:
            raise RuntimeError(f"{url} answered {status}, not 200 (session lost?)")
    rewriting = int(any(c.startswith("session=") for c in set_cookie))
    for n, ck in enumerate(cookies[1:], start=2):  # once per other reader: bounded by the list
        status, set_cookie, _ = fetch(url, ck)
        if status != 200:
            raise RuntimeError(f"{url} answered {status}, not 200, for signed-in reader #{n} (session lost?)")
        rewriting += any(c.startswith("session=") for c in set_cookie)
    if rewriting and cookies[0]:
        who = f" for {rewriting} of {len(cookies)} readers" if len(cookies) > 1 else ""
        log(f"  warning: {url} rewrites the signed-in session cookie on every request{who}")
    return {"bytes": len(body), "sets_session": rewriting > 0, "body": body}


_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Browser:
    """A signed-in browser for writes: keeps its cookies, sends USER_AGENT (Flask-Login ties the
    session to it) and does not follow redirects, so that the caller sees the 303 and follows it."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)
        self.opener.addheaders = [("User-Agent", USER_AGENT)]

    def request(self, path: str, form: dict | None = None, timeout: float = 10) -> tuple[int, str, bytes]:
        """GET `path` (or POST `form` to it): (status, Location header or "", body). `path` may be
        a path or an absolute URL (a Location)."""
        url = urllib.parse.urljoin(self.base + "/", path)
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        try:
            with self.opener.open(url, data=data, timeout=timeout) as r:
                return r.status, r.headers.get("Location", ""), r.read()
        except urllib.error.HTTPError as e:  # 3xx (not followed) and 4xx/5xx; cookies are kept
            with e:
                return e.code, e.headers.get("Location", "") if e.headers else "", e.read()

    def sign_in(self, username: str, password: str) -> None:
        status, _, page = self.request("/login")
        token = _TOKEN.search(page.decode("utf-8", "replace"))
        if status != 200 or not token:
            raise RuntimeError(f"/login answered {status}" if status != 200 else "no csrf_token on /login")
        status, location, _ = self.request("/login", {"csrf_token": token.group(1), "login": username,
                                                      "password": password, "next": ""}, timeout=20)
        if status not in (302, 303) or urllib.parse.urlsplit(location).path.rstrip("/").endswith("/login"):
            raise RuntimeError(f"sign-in of {username} failed ({status}, to {location or 'nowhere'})")


def form_token(page: bytes, action: str) -> str | None:
    """The csrf_token of the page's POST form whose action is `action` (a path), or None."""
    text = page.decode("utf-8", "replace")
    for m in re.finditer(r'<form\b[^>]*\baction="([^"]*)"[^>]*>(.*?)</form>', text, re.S):
        if html.unescape(m.group(1)) == action:
            token = _TOKEN.search(m.group(2))
            return token.group(1) if token else None
    return None


def next_link(page: bytes) -> str | None:
    """The href of the page's rel="next" link, unescaped, or None."""
    m = re.search(r'<a rel="next" href="([^"]+)"', page.decode("utf-8", "replace"))
    return html.unescape(m.group(1)) if m else None


ROTATE_LUA = """-- written by bench/_common.py: each request carries the next reader's session cookie
local cookies = {%s}
local i = 0
request = function()
  i = i %% #cookies + 1
  -- headers given to wrk.format replace wrk.headers (the -H ones): the User-Agent is set here,
  -- the same as at login (Flask-Login ties the session to it); wrk.format adds the Host
  return wrk.format("GET", wrk.path, {["User-Agent"] = %s, ["Cookie"] = "session=" .. cookies[i]})
end
"""


def rotate_script(cookies: list[str]) -> str:
    """The wrk Lua script that hands out `cookies` in turn, one per request."""
    if not cookies:
        raise ValueError("no session cookies to hand out")
    for ck in cookies:  # a Flask session cookie is printable ASCII; json.dumps of it is a Lua string
        if not re.fullmatch(r"[\x21-\x7e]+", ck):
            raise ValueError("a session cookie with characters a Lua script should not carry")
    return ROTATE_LUA % (", ".join(json.dumps(ck) for ck in cookies), json.dumps(USER_AGENT))


def run_wrk(url: str, cookie: str | list[str] | None = None, duration: int = DURATION) -> dict:
    """One wrk run against `url`: anonymous (None), as one signed-in reader (a cookie) or as many
    (a list of cookies, handed out in turn request by request by a Lua script)."""
    # --timeout 10s: a slow page is measured, not counted as socket timeouts (wrk's default is 2s)
    cmd = ["wrk", "-t1", "-c8", f"-d{duration}s", "--timeout", "10s", "--latency"]
    with tempfile.TemporaryDirectory(prefix="yishi-wrk-") as tmp:
        if isinstance(cookie, list):
            script = Path(tmp) / "rotate.lua"
            script.write_text(rotate_script(cookie))
            cmd += ["-s", str(script)]
        else:
            cmd += ["-H", f"User-Agent: {USER_AGENT}"]
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
    n = int(total.group(1)) if total else 0
    return {"rps": float(rps.group(1)), "p50": pct(50) if n else None, "p99": pct(99) if n else None,
            "requests": n, "non2xx": int(bad.group(1)) if bad else 0,
            "errors": errors.group(1).strip() if errors else ""}


def settle(result: dict, connections: int = 8, limit: float = 15.0) -> None:
    """Let the server finish what wrk left behind before the next run.

    When wrk stops, up to `connections` requests are still queued in gunicorn's sync workers, and
    they are served even though nobody reads the answers. After a slow page that is seconds of work,
    which landed in the next page's measurement (seen: p99 of a 40 ms page going from 80 to 550 ms
    right after the 500-comment page, normal again after a pause). Waits about twice the time those
    requests take at the rate just measured, bounded."""
    rps = result.get("rps") or 0.0
    time.sleep(min(limit, max(0.5, 2 * connections / rps if rps > 0 else limit)))


# --------------------------------------------------------------------------- report

def machine_line() -> str:
    return (f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
            f"load average at end {os.getloadavg()[0]:.2f}")


def now_line(title: str) -> str:
    return f"{title} — {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}"


def table(rows: list[tuple[str, dict, dict]], bare: float, width: int = 40,
          targets: tuple[float, float] | None = None, target_labels: set[str] = frozenset()) -> list[str]:
    """Markdown table lines: label, req/s, p50, p99, ratio to bare, HTML KB (and a target verdict)."""
    fmt = lambda v: "-" if v is None else f"{v:.1f}"  # noqa: E731
    head = f"| {'path':<{width}} | {'req/s':>7} | {'p50 ms':>7} | {'p99 ms':>7} | {'vs bare':>7} | {'HTML KB':>7} |"
    rule = f"|{'-' * (width + 2)}|{'-' * 9}|{'-' * 9}|{'-' * 9}|{'-' * 9}|{'-' * 9}|"
    if targets:
        head += " target |"
        rule += "--------|"
    lines = [head, rule]
    for label, r, page in rows:
        note = ""
        if r["non2xx"] or r["errors"]:
            note = f"  ! non-2xx/3xx {r['non2xx']} {r['errors']}"
        line = (f"| {label:<{width}} | {r['rps']:>7.0f} | {fmt(r['p50']):>7} | {fmt(r['p99']):>7} | "
                f"{r['rps'] / bare:>7.3f} | {page['bytes'] / 1024:>7.1f} |")
        if targets:
            if label in target_labels:
                ok = r["rps"] / bare >= targets[0] and r["p99"] is not None and r["p99"] < targets[1]
                line += f" {'met' if ok else 'MISSED':<6} |"
            else:
                line += "        |"
        lines.append(line + note)
    return lines


def wrk_between_baselines(hello_base: str, portal_base: str, cases, during: dict | None = None
                          ) -> tuple[dict, list, dict]:
    """The bare Flask hello, then each (label, path, cookie) case on the portal, then the hello
    again (so a machine that got busier shows as a moved baseline); the machine settles between
    runs. `cookie` is None, one session cookie or a list of them (see run_wrk). `during` maps a
    case's label to a function returning a context manager held around that wrk run only (e.g. a
    background writer). Returns (baseline before, [(label, result)], baseline after)."""
    base1 = run_wrk(hello_base + "/")
    settle(base1)
    results = []
    for label, path, cookie in cases:
        with (during or {}).get(label, contextlib.nullcontext)():
            results.append((label, run_wrk(portal_base + path, cookie)))
        settle(results[-1][1])
    return base1, results, run_wrk(hello_base + "/")


def baseline_lines(base1: dict, base2: dict) -> tuple[float, list[str]]:
    bare = (base1["rps"] + base2["rps"]) / 2
    lines = [f"bare Flask baseline: {base1['rps']:.0f} req/s before, {base2['rps']:.0f} after (mean {bare:.0f})"]
    spread = abs(base1["rps"] - base2["rps"]) / bare
    if spread > 0.15:
        lines.append(f"warning: the baseline moved {spread:.0%} during the run; the machine was busy, repeat it.")
    return bare, lines
