"""Query budgets: the SQL statements a page runs, counted, and the check that they stay constant as the data grows."""
from __future__ import annotations

import contextlib

from sqlalchemy import event
from werkzeug.security import generate_password_hash

from portal.auth.models import User
from portal.extensions import db

from .helpers import Client

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


def clients_for(app, pages) -> dict:
    """One client per person named in `pages` (name, who, url), signed in; None is a visitor."""
    clients = {}
    for who in {p[1] for p in pages}:
        clients[who] = Client(app)
        if who:
            clients[who].login(who)
    return clients


def measure(clients, pages) -> dict[str, list[str]]:
    """The SQL statements of every page, by its name."""
    return {name: statements_for(clients[who], url) for name, who, url in pages}


def assert_constant(pages, small, large, cap, title, width=55) -> None:
    """No page's statement count grew with the data, and none is over `cap`."""
    report = "\n".join(f"{name:{width}} {len(small[name]):3} -> {len(large[name]):3}" for name, _, _ in pages)
    print(f"\nSQL statements per {title}\n" + report)
    grew = [name for name, _, _ in pages if len(large[name]) != len(small[name])]
    over = [name for name, _, _ in pages if len(large[name]) > cap]
    detail = "\n\n".join(f"{name}:\n" + "\n".join(large[name]) for name in grew + over)
    assert not grew and not over, f"grew with data: {grew}; over the cap of {cap}: {over}\n{report}\n\n{detail}"


def make_people(prefix: str, n: int) -> list[User]:
    """Users nobody logs in as: one shared password hash keeps the setup fast."""
    digest = generate_password_hash("never-used-pw-1", method="pbkdf2:sha256:1000")
    users = [User(username=f"{prefix}{i:03d}", display_name=f"{prefix.title()} {i}", password_hash=digest)
             for i in range(n)]
    db.session.add_all(users)
    db.session.flush()
    return users



def statements_for(client: Client, url: str) -> list[str]:
    client.get(url)  # warm up: anything done once per process is not the page's cost
    with counting() as statements:
        r = client.get(url)
    assert r.status_code == 200, (url, r.status_code)
    return list(statements)
