"""Supports under real concurrency (PostgreSQL only: SQLite has one writer at a time).

One person tapping "I support this" twenty times at once (a slow phone, a double tap,
several tabs) leaves exactly one support and a count of one; twenty people at once
leave twenty, and the committee's review starts exactly once when the threshold is
crossed. Every writer has its own app context, session and connection, exactly as
concurrent requests in gunicorn workers do; the HTTP variants go through the route
with separate test clients. Run with TEST_DATABASE_URL set.
"""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, insert, select
from werkzeug.security import generate_password_hash

from portal.audit import verify_community
from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.communities import services as cs
from portal.communities.models import Community
from portal.extensions import db
from portal.proposals import services as ps
from portal.proposals.models import Proposal, ProposalSupport

from .conftest import is_postgres
from .support.helpers import PASSWORD, Client, run_threads
from .support.proposals import make_proposal, set_threshold

pytestmark = [pytest.mark.usefixtures("fast_passwords"), pytest.mark.skipif(
    not is_postgres(), reason="PostgreSQL only: set TEST_DATABASE_URL=postgresql+psycopg://.../test")]

N = 20


def _run_threads(targets, timeout=60):
    return run_threads(targets, timeout, what="a request")


def _residents(world, n) -> list[User]:
    """n verified residents of A (bulk-inserted accounts with one shared fast hash)."""
    digest = generate_password_hash(PASSWORD, method="scrypt:128:8:1")
    ids = db.session.execute(insert(User).returning(User.id), [
        {"username": f"neighbour{i:02d}", "display_name": f"Neighbour {i}", "password_hash": digest}
        for i in range(n)]).scalars().all()
    users = db.session.execute(select(User).where(User.id.in_(ids)).order_by(User.id)).scalars().all()
    for u in users:
        cs.add_resident(world.a, u, actor=world["coma"])
    db.session.commit()
    return users


def _counts(pid):
    db.session.expire_all()
    rows = db.session.execute(select(func.count()).select_from(ProposalSupport)
                              .where(ProposalSupport.proposal_id == pid)).scalar_one()
    p = db.session.get(Proposal, pid)
    return rows, p.support_count, p.state


def _events(community, action):
    return db.session.execute(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.community_id == community.id, AuditEvent.action == action)).scalar_one()


def _service_supporter(app2, community_id, pid, user_id, barrier, results):
    def run():
        with app2.app_context():
            community = db.session.get(Community, community_id)
            user = db.session.get(User, user_id)
            p = db.session.get(Proposal, pid)
            barrier.wait()
            results.append(ps.support(community, p, actor=user))
            db.session.commit()
    return run


def _http_supporter(client, url, token, barrier, results):
    def run():
        barrier.wait()
        r = client.http.post(url + "/support", data={"csrf_token": token})
        results.append((r.status_code, r.headers.get("Location", "")))
    return run


def _signed_in_clients(app2, username, n, share_one_login):
    """n clients of `username`: either one login whose cookies every client carries (taps in
    tabs of one phone) or n separate logins (n devices)."""
    first = Client(app2)
    first.login(username)
    clients = [first]
    for _ in range(n - 1):
        c = Client(app2)
        if share_one_login:
            for cookie in first.http._c._cookies.values():
                c.http._c.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)
        else:
            c.login(username)
        clients.append(c)
    return clients


def _token(client, url):
    import re

    html = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)


@pytest.mark.parametrize("via", ["service", "http-one-login", "http-many-logins"])
def test_twenty_concurrent_supports_by_one_person_count_once(app, app2, world, via):
    set_threshold(world.a, 5)
    p = make_proposal(world)
    pid, meda_id, community_id = p.id, world["meda"].id, world.a.id
    barrier = threading.Barrier(N)
    results = []
    if via == "service":
        _run_threads([_service_supporter(app2, community_id, pid, meda_id, barrier, results) for _ in range(N)])
        assert sorted(results) == [False] * (N - 1) + [True]
    else:
        url = f"/c/dorf-a/proposals/{pid}"
        clients = _signed_in_clients(app2, "meda", N, share_one_login=(via == "http-one-login"))
        tokens = [_token(c, url) for c in clients]
        _run_threads([_http_supporter(c, url, t, barrier, results) for c, t in zip(clients, tokens)])
        assert [s for s, _loc in results] == [303] * N, results  # never a 500, never a 409
        assert all(loc.endswith(url) for _s, loc in results), results
    rows, count, state = _counts(pid)
    assert (rows, count, state) == (1, 1, "published")
    assert _events(world.a, "proposal.supported") == 1
    r = verify_community(world.a)
    assert r.ok, r


@pytest.mark.parametrize("via", ["service", "http"])
def test_twenty_people_at_once_start_the_review_exactly_once(app, app2, world, via):
    set_threshold(world.a, 10, days=15)
    people = _residents(world, N)
    p = make_proposal(world)
    pid, community_id = p.id, world.a.id
    barrier = threading.Barrier(N)
    results = []
    if via == "service":
        _run_threads([_service_supporter(app2, community_id, pid, u.id, barrier, results) for u in people])
        assert results == [True] * N
    else:
        url = f"/c/dorf-a/proposals/{pid}"
        clients = []
        for u in people:
            c = Client(app2)
            c.login(u.username)
            clients.append(c)
        tokens = [_token(c, url) for c in clients]
        _run_threads([_http_supporter(c, url, t, barrier, results) for c, t in zip(clients, tokens)])
        assert [s for s, _loc in results] == [303] * N, results
    rows, count, state = _counts(pid)
    assert (rows, count, state) == (N, N, "under_review")
    assert _events(world.a, "proposal.supported") == N
    assert _events(world.a, "proposal.review_started") == 1
    started = db.session.execute(select(AuditEvent).where(
        AuditEvent.community_id == world.a.id, AuditEvent.action == "proposal.review_started")).scalar_one()
    assert '"supports":10' in started.payload  # started by the tenth support, not later
    p = db.session.get(Proposal, pid)
    assert p.answer_due_at is not None and p.review_started_at is not None
    r = verify_community(world.a)
    assert r.ok and r.count == world.a.audit_seq, r


def test_concurrent_support_and_unsupport_keep_the_count_true(app, app2, world):
    """Half the people withdraw while the other half support: the count is the rows."""
    set_threshold(world.a, 1000)
    people = _residents(world, N)
    p = make_proposal(world)
    for u in people[: N // 2]:
        ps.support(world.a, p, actor=u)
    db.session.commit()
    pid, community_id = p.id, world.a.id
    barrier = threading.Barrier(N)

    def act(user_id, withdraw):
        def run():
            with app2.app_context():
                community = db.session.get(Community, community_id)
                user = db.session.get(User, user_id)
                prop = db.session.get(Proposal, pid)
                barrier.wait()
                (ps.unsupport if withdraw else ps.support)(community, prop, actor=user)
                db.session.commit()
        return run

    _run_threads([act(u.id, i < N // 2) for i, u in enumerate(people)])
    rows, count, state = _counts(pid)
    assert rows == count == N // 2 and state == "published"
    assert verify_community(world.a).ok
