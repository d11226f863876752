"""SQL statements per page are bounded by a constant (DESIGN.md §6: no N+1).

Each page is requested once with a small world and once more after the data has
grown (more members with roles, pending and rejected requests, hundreds of audit
events, dozens of communities). The number of statements must not change, and
must stay under CAP.
"""
from __future__ import annotations

import contextlib

import pytest
from sqlalchemy import event
from werkzeug.security import generate_password_hash

from portal import audit
from portal.auth.models import User
from portal.communities import services as cs
from portal.extensions import db

from .helpers import Client, build_world

CAP = 15


@contextlib.contextmanager
def counting():
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(" ".join(statement.split()))

    engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


def statements_for(client: Client, url: str) -> list[str]:
    client.get(url)  # warm up: anything done once per process is not the page's cost
    with counting() as statements:
        r = client.get(url)
    assert r.status_code == 200, (url, r.status_code)
    return list(statements)


def _people(prefix: str, n: int) -> list[User]:
    """Users nobody logs in as: one shared password hash keeps the setup fast."""
    digest = generate_password_hash("never-used-pw-1", method="pbkdf2:sha256:1000")
    users = [User(username=f"{prefix}{i:03d}", display_name=f"{prefix.title()} {i}", password_hash=digest)
             for i in range(n)]
    db.session.add_all(users)
    db.session.flush()
    return users


def grow(w) -> None:
    """Turn the small world into a large one."""
    coma, resa, root = w["coma"], w["resa"], w["root"]
    others = [cs.create_community(root, f"ort-{i:02d}", f"Ort {i:02d}", f"Region {i}") for i in range(30)]
    people = _people("bulk", 60)
    for i, u in enumerate(people[:40]):  # verified residents, some with roles
        m = cs.add_resident(coma, w.a, u)
        if i % 4 == 0:
            cs.grant_role(coma, w.a, m, "mediator")
        if i % 10 == 0:
            cs.grant_role(coma, w.a, m, "committee")
    for u in people[40:55]:  # waiting requests
        cs.request_join(u, w.a, "please let me in")
    for u in people[55:]:  # rejected requests
        cs.reject_member(coma, w.a, cs.request_join(u, w.a, ""), "unknown")
    # resa belongs to many communities, in every status, with roles in some
    for i, c in enumerate(others[:12]):
        m = cs.request_join(resa, c, "")
        if i % 3 == 0:
            cs.approve_member(root, c, m, actor_role="platform_admin")
            cs.grant_role(root, c, m, "mediator", actor_role="platform_admin")
        elif i % 3 == 1:
            cs.reject_member(root, c, m, "no")
    db.session.commit()
    # Hundreds of audit events by many different actors and of many kinds
    actors = people[:40] + [coma, resa, None]
    while w.a.audit_seq < 320:
        n = w.a.audit_seq
        audit.record(w.a, actors[n % len(actors)], f"test.kind{n % 7}", ("membership", n), {"n": n})
        if n % 100 == 0:
            db.session.commit()
    db.session.commit()


def _deep(w) -> str:
    return f"/c/dorf-a/audit/?before={max(2, w.a.audit_seq // 2)}"


# (page, who is signed in (None: visitor), url or url-from-world)
PAGES = [
    ("home (visitor)", None, "/"),
    ("home (signed in)", "resa", "/"),
    ("login", None, "/login"),
    ("community home (visitor)", None, "/c/dorf-a/"),
    ("community home (resident)", "resa", "/c/dorf-a/"),
    ("members (committee)", "coma", "/c/dorf-a/members"),
    ("audit (resident)", "resa", "/c/dorf-a/audit/"),
    ("audit deep keyset page (resident)", "resa", _deep),
    ("audit filtered (committee)", "coma", "/c/dorf-a/audit/?action=membership.added"),
    ("account (resident)", "resa", "/account"),
    ("admin (platform admin)", "root", "/admin/"),
]


@pytest.fixture
def fast_hashing(monkeypatch):
    """Password hashing is not what this test measures; scrypt would make it slow."""
    from portal.auth import services

    monkeypatch.setattr(services, "hash_password",
                        lambda pw: generate_password_hash(pw, method="pbkdf2:sha256:1000"))


def _measure(clients, w) -> dict[str, list[str]]:
    return {name: statements_for(clients[who], url(w) if callable(url) else url) for name, who, url in PAGES}


def test_statements_per_page_do_not_grow_with_data(app, fast_hashing):
    w = build_world()
    clients = {}
    for who in {p[1] for p in PAGES}:
        clients[who] = Client(app)
        if who:
            clients[who].login(who)
    small = _measure(clients, w)
    grow(w)
    assert w.a.audit_seq >= 300
    large = _measure(clients, w)
    report = "\n".join(f"{name:40} {len(small[name]):3} -> {len(large[name]):3}" for name, _, _ in PAGES)
    print("\nSQL statements per page (small data -> large data)\n" + report)
    grew = [name for name, _, _ in PAGES if len(large[name]) != len(small[name])]
    over = [name for name, _, _ in PAGES if len(large[name]) > CAP]
    detail = "\n\n".join(f"{name}:\n" + "\n".join(large[name]) for name in grew + over)
    assert not grew and not over, f"grew with data: {grew}; over the cap of {CAP}: {over}\n{report}\n\n{detail}"

    # Later pages of the member list cost what the first one does.
    pages = [len(statements_for(clients["coma"], f"/c/dorf-a/members?page={n}")) for n in (1, 2, 3)]
    assert pages[0] == pages[1] == pages[2], pages
