"""Shared helpers for the security / robustness suites (permissions, CSRF, bad input).

Kept out of helpers.py (shared with other suites) on purpose: these are only the
helpers the route tables need.
"""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from portal.extensions import db

from .helpers import PASSWORD, Client, membership, world_for
from .speed import TEMPLATES
from .speed import use_fast_commits as _fast_commits

# The people of the world (tests/support/helpers.py build_world): visitor, signed-in nobody, the
# members of dorf-a and dorf-b, the platform admin, and the staff of the tree above: department
# dept-a (depa), street jie-a (stra), district qu-a (disa); grida is not a member of anything until
# add_grid() makes them dorf-a's grid worker.
ROLES = ("visitor", "nobody", "penda", "reja", "resa", "meda", "coma", "comb", "root", "grida", "depa", "stra",
         "disa")

# Real scrypt with a tiny cost, so that a fresh world per case (9 accounts) and one login
# per case stay fast. Only the cost parameters differ from production.
_FAST_METHOD = "scrypt:128:8:1"


def use_fast_passwords(monkeypatch):
    import portal.auth.services as auth_services

    monkeypatch.setattr(auth_services, "hash_password",
                        lambda password: generate_password_hash(password, method=_FAST_METHOD))


def speed_up(app, monkeypatch):
    """All the shortcuts for suites that build a world per case; none changes behaviour.
    (tests/conftest.py's app now applies the last two to every test; kept for these suites.)"""
    use_fast_passwords(monkeypatch)
    use_fast_commits()
    app.jinja_env.bytecode_cache = TEMPLATES


def snapshot_world(app):
    """The same world as helpers.build_world(), built once per worker and copied for each
    test (SQLite; PostgreSQL builds it each time): see helpers.world_for, which the
    conftest `world` fixture uses too."""
    return world_for(app)


def use_fast_commits():
    """No fsync at the commits of this test's engine (see speed.use_fast_commits).
    Call after the `app` fixture."""
    _fast_commits(db.engine)


def row_counts() -> dict[str, int]:
    """Rows in every table, plus each community's audit head: a write anywhere shows up."""
    from portal.communities.models import Community

    db.session.expire_all()
    counts = {t.name: db.session.execute(select(func.count()).select_from(t)).scalar_one()
              for t in db.metadata.sorted_tables}
    for cid, seq, head in db.session.execute(select(Community.id, Community.audit_seq, Community.audit_head)):
        counts[f"audit_head:{cid}"] = (seq, head)
    return counts


def client_as(app, role: str) -> Client:
    c = Client(app)
    if role != "visitor":
        c.login(role)
    return c


def login_redirect_target(response) -> str | None:
    """The `next` of a redirect to the login page, or None if it is not one."""
    if response.status_code != 303:
        return None
    parts = urlsplit(response.headers.get("Location", ""))
    if parts.path != "/login":
        return None
    return parse_qs(parts.query).get("next", [""])[0]


_MAIN_RE = re.compile(r'<main id="main"[^>]*>(.*)</main>', re.S)
_TAG_RE = re.compile(r"<[^>]+>")


def main_text(response) -> str:
    """Visible text of the page's <main>, whitespace collapsed."""
    html = response.get_data(as_text=True)
    m = _MAIN_RE.search(html)
    body = m.group(1) if m else html
    return " ".join(_TAG_RE.sub(" ", body).split())


def error_page_parts(response) -> tuple[str, str]:
    """(title, lead message) of the portal's error page."""
    html = response.get_data(as_text=True)
    h1 = re.search(r"<h1>(.*?)</h1>", html, re.S)
    lead = re.search(r'<p class="lead">(.*?)</p>', html, re.S)
    return ((h1.group(1).strip() if h1 else ""), (lead.group(1).strip() if lead else ""))


# --- Every POST route, with data valid for any of the portal's forms -------------------------

def _post_rules():
    from portal import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return sorted(r.rule for r in app.url_map.iter_rules() if "POST" in r.methods and r.endpoint != "static")


POST_RULES = _post_rules()

# Valid values for every field any form has (extra fields are ignored), so that the only
# thing wrong with each request is the missing token.
FORM = {
    "message": "hello", "reason": "unknown here", "username": "nobody", "role": "mediator",
    "slug": "dorf-c", "name": "Dorf C", "region": "R", "kind": "village", "default_locale": "zh_Hans",
    "toggle": "large", "next": "/", "login": "coma", "password": PASSWORD, "confirm": PASSWORD,
    "display_name": "Someone", "current": PASSWORD, "new": "another-pass-1", "locale": "en",
}


def post_url(rule: str, world) -> str:
    """A real URL for the rule in community A: the pending membership for member ids."""
    member_id = membership(world.a, world["penda"]).id
    # The pages of the units above live under /u/ (a street: jie-a); a community's under /c/.
    slug = "jie-a" if rule.startswith("/u/") else "dorf-a"
    url = rule.replace("<slug:slug>", slug).replace("<id:member_id>", str(member_id))
    return re.sub(r"<(?:[a-z]+:)?[a-z_]+>", "1", url)  # ids of future routes: any value will do
