"""Test helpers: a client that handles CSRF tokens, and a small world of people."""
from __future__ import annotations

import contextvars
import re
import secrets
from dataclasses import dataclass, field

from portal.extensions import db

PASSWORD = "correct-horse-9"
_TOKEN_RE = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


class _Http:
    """Runs each request in an empty contextvars.Context, so it gets its own app
    context (own g, own db session) exactly as in production, instead of reusing
    the test's app context. Afterwards the test's session is expired so that the
    test sees what the request committed."""

    def __init__(self, app):
        self._c = app.test_client()

    def _run(self, method, *a, **kw):
        resp = contextvars.Context().run(getattr(self._c, method), *a, **kw)
        try:
            db.session.expire_all()
        except RuntimeError:
            pass
        return resp

    def get(self, *a, **kw):
        return self._run("get", *a, **kw)

    def post(self, *a, **kw):
        return self._run("post", *a, **kw)

    def __getattr__(self, name):
        return getattr(self._c, name)


class Client:
    """Flask test client that reads the CSRF token from a page like a browser would."""

    def __init__(self, app):
        self.app = app
        self.http = _Http(app)
        self._login_token = None  # (session cookie, token read from /login with that cookie)

    def get(self, url, **kw):
        return self.http.get(url, **kw)

    def _session_cookie(self):
        cookie = self.http.get_cookie(self.app.config.get("SESSION_COOKIE_NAME", "session"))
        return cookie.value if cookie is not None else None

    def token(self, url="/login"):
        """The CSRF token on `url`'s form. The token belongs to the session, which lives in the
        session cookie: as long as the cookie is unchanged, /login would show a token for the
        same session, so the one read there last is reused (other pages are always read)."""
        if url == "/login" and self._login_token is not None and self._login_token[0] == self._session_cookie():
            return self._login_token[1]
        page = self.http.get(url).get_data(as_text=True)
        m = _TOKEN_RE.search(page) or re.search(r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"', page)
        assert m, f"no CSRF token on {url}"
        if url == "/login":
            cookie = self._session_cookie()
            self._login_token = (cookie, m.group(1)) if cookie is not None else None
        return m.group(1)

    def post(self, url, data=None, csrf=True, token_from="/login", once=True, **kw):
        """POST like a browser sending a rendered form: with the session's CSRF token and, as every
        rendered form that creates something carries one, a new one-time token (portal/web/once.py)
        unless the test gives its own (or once=False: a form without one)."""
        data = dict(data or {})
        if csrf and "csrf_token" not in data:
            data["csrf_token"] = self.token(token_from)
        if once and "submit_token" not in data and "reply-submit_token" not in data:
            data["submit_token"] = secrets.token_urlsafe(24)
        return self.http.post(url, data=data, **kw)

    def login(self, username, password=PASSWORD):
        r = self.post("/login", {"login": username, "password": password})
        assert r.status_code == 303, r.get_data(as_text=True)[:2000]
        return r

    def logout(self):
        return self.post("/logout", token_from="/")


def make_user(username, name=None, password=PASSWORD, admin=False):
    from portal.auth.services import register_user

    user = register_user(username, name or username.title(), password)
    user.is_platform_admin = admin
    db.session.commit()
    return user


@dataclass
class World:
    a: object
    b: object
    users: dict = field(default_factory=dict)
    units: dict = field(default_factory=dict)  # the tree above: slug -> Community

    def unit(self, slug):
        return self.units[slug]

    def __getitem__(self, key):
        return self.users[key]


WORLD_NAMES = ("root", "coma", "meda", "resa", "penda", "reja", "comb", "resb", "nobody",
               "grida", "stra", "disa", "depa", "depb")
# The tree (docs/architecture.md, "Levels"): district qu-a (staff disa) → street jie-a (staff stra)
# → dorf-a and dorf-b; department dept-a under jie-a (staff depa). Foreign: qu-b → jie-b, with
# department dept-b (staff depb). grida has no membership; add_grid() makes the grid and its worker.
UNIT_SLUGS = ("qu-a", "jie-a", "dept-a", "qu-b", "jie-b", "dept-b")


def build_world() -> World:
    """Community A (dorf-a) and B (dorf-b). In A: committee `coma`, mediator `meda`,
    verified resident `resa`, pending `penda`, rejected `reja`. In B: committee `comb`,
    resident `resb`. `nobody` has no membership; `root` is platform admin."""
    from portal.communities import services as cs

    from portal.levels import services as ls

    w = World(None, None)
    for name in WORLD_NAMES:
        w.users[name] = make_user(name, admin=(name == "root"))
    root = w["root"]
    qa = ls.create_unit(None, "district", "qu-a", "District A", actor=root)
    ja = ls.create_unit(qa, "street", "jie-a", "Street A", actor=root)
    da = ls.create_unit(ja, "department", "dept-a", "Water A", actor=root)
    qb = ls.create_unit(None, "district", "qu-b", "District B", actor=root)
    jb = ls.create_unit(qb, "street", "jie-b", "Street B", actor=root)
    dbb = ls.create_unit(jb, "department", "dept-b", "Water B", actor=root)
    w.units = {u.slug: u for u in (qa, ja, da, qb, jb, dbb)}
    for unit, name in ((qa, "disa"), (ja, "stra"), (da, "depa"), (dbb, "depb")):
        ls.appoint_staff(unit, w[name], actor=root)
    w.a = cs.create_community(root, "dorf-a", "Dorf A", "Region A", parent=ja)
    w.b = cs.create_community(root, "dorf-b", "Dorf B", "Region B", "urban", parent=ja)
    cs.appoint_committee(w.a, w["coma"], actor=root)
    cs.appoint_committee(w.b, w["comb"], actor=root)
    for n in ("meda", "resa"):
        cs.add_resident(w.a, w[n], actor=w["coma"])
    cs.grant_role(w.a, _m(w.a, w["meda"]), "mediator", actor=w["coma"])
    cs.request_join(w.a, "please", actor=w["penda"])
    m = cs.request_join(w.a, "", actor=w["reja"])
    cs.reject_member(w.a, m, "not known here", actor=w["coma"])
    cs.add_resident(w.b, w["resb"], actor=w["comb"])
    db.session.commit()
    return w


def add_grid(w):
    """Grid "Grid 1" in dorf-a, patrolled by grida (made a member with the role grid_worker). Not
    part of build_world: dorf-a's chain keeps the events older tests count."""
    from portal.communities import services as cs
    from portal.levels import services as ls

    gm = cs.add_resident(w.a, w["grida"], actor=w["coma"])
    cs.grant_role(w.a, gm, "grid_worker", actor=w["coma"])
    grid = ls.create_grid(w.a, "Grid 1", actor=w["coma"])
    ls.assign_grid_worker(w.a, grid, gm, actor=w["coma"])
    db.session.commit()
    return grid


def world_for(app) -> World:
    """build_world() for the test's app. On SQLite the world is built once per worker into a
    copy of the migrated template (conftest `world_file`); each test gets a copy of that file
    in place of its still untouched database, and the World's objects are loaded in the
    test's own session. The database then holds exactly what build_world() makes. If the
    test wrote to its database before asking for the world (or on PostgreSQL), the world is
    built in place as before."""
    import shutil

    world_file = app.config.get("TEST_WORLD_FILE")
    writes = app.extensions.get("yishi_test_writes")
    path = app.config.get("DB_FILE")
    if not (world_file and path and writes is not None) or writes["written"] or len(db.session.identity_map):
        return build_world()
    db.session.remove()
    db.engine.dispose()
    shutil.copyfile(world_file, path)
    writes["written"] = True  # one swap per test
    return load_world()


def load_world() -> World:
    """The World of build_world() from a database that holds it (the same objects, loaded
    in the current session and expired as after build_world's final commit)."""
    from sqlalchemy import select

    from portal.auth.models import User
    from portal.communities.models import Community

    slugs = {c.slug: c for c in db.session.execute(select(Community)).scalars()}
    w = World(slugs["dorf-a"], slugs["dorf-b"], units={s: slugs[s] for s in UNIT_SLUGS})
    users = {u.username: u for u in db.session.execute(select(User).order_by(User.id)).scalars()}
    assert tuple(users) == WORLD_NAMES, sorted(users)
    w.users = users
    db.session.commit()
    return w


def _m(community, user):
    from portal.communities.scoping import membership_of

    user.is_authenticated = True
    return membership_of(user, community)


def membership(community, user):
    return _m(community, user)


def run_threads(targets, timeout=60, together=False, what="a thread"):
    """Run each callable in its own thread and wait; fail on a hang or on any exception.
    together: all start at once behind a barrier (the concurrency tests on PostgreSQL)."""
    import threading

    errors = []
    barrier = threading.Barrier(len(targets)) if together else None

    def wrap(fn):
        def run():
            try:
                if barrier is not None:
                    barrier.wait()
                fn()
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
        return run

    threads = [threading.Thread(target=wrap(t), daemon=True) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    assert not any(t.is_alive() for t in threads), f"{what} hung (deadlock?)"
    assert not errors, errors
    return threads
