#!/usr/bin/env python3
"""Page throughput of the portal against a bare Flask baseline (docs/architecture.md, "Performance").

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

import os
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (DURATION, ROOT, Server, baseline_lines, check_page, compile_catalogs,  # noqa: E402
                     log, machine_line, now_line, portal_on_path, preflight, wrk_between_baselines, sign_in,
                     start_hello, start_portal, stop_on_sigterm, table)

TARGET_EVENTS = int(os.environ.get("BENCH_EVENTS", "20000"))
SEED_SECONDS = float(os.environ.get("BENCH_SEED_SECONDS", "40"))
USERS = 2000
PASSWORD = "bench-pass-2026"
SLUG_A, SLUG_B = "bench-a", "bench-b"
COMMITTEE = "benchcom"


# --------------------------------------------------------------------------- seeding

def seed(db_url: str) -> dict:
    """Migrate and fill the database; returns what the benchmark needs to know."""
    portal_on_path()
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
        cs.appoint_committee(a, com, actor=None)
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
            m = cs.add_resident(a, u, actor=com)
            members_a.append((m.id, u.id))
            if i % 15 == 0:
                cs.grant_role(a, m, "mediator", actor=com)
            batch(i)
            if time.monotonic() > deadline:
                break
        for i, u in enumerate(users[1500:1560]):  # A: 60 waiting requests
            cs.request_join(a, "我家在东山村 5 组", actor=u)
            batch(i)
        for i, u in enumerate(users[1560:1580]):  # A: 20 rejected
            cs.reject_member(a, cs.request_join(a, "", actor=u), "不认识", actor=com)
            batch(i)
        for i, u in enumerate(users[1580:]):  # B: 420 verified
            cs.add_resident(b, u, actor_role="system", actor=None)
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
            audit.record(a, kind, ("membership", member_id), data, actor_role=role, actor=actor)
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


# --------------------------------------------------------------------------- main

def main() -> int:
    if rc := preflight():
        return rc
    stop_on_sigterm()
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

            hello = start_hello(tmp)
            servers.append(hello)
            portal = start_portal(db_url, tmp)
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
            base1, results, base2 = wrk_between_baselines(hello.base, portal.base, cases)
        finally:
            for s in reversed(servers):
                s.stop()

    bare, base_lines = baseline_lines(base1, base2)
    rows = [("bare Flask hello (before)", base1, hello_page), ("bare Flask hello (after)", base2, hello_page)] + \
        [(label, r, pages[label]) for label, r in results]
    lines = [
        now_line("Yishi page benchmark"),
        machine_line(),
        f"data: {facts['users']} users, {facts['memberships']} memberships, {facts['events_a']} audit events in "
        f"{SLUG_A}; SQLite; gunicorn -w 2; wrk -t1 -c8 -d{DURATION}s",
        *([f"      (seeding stopped at its {SEED_SECONDS:.0f}s limit short of {TARGET_EVENTS} events; "
           f"BENCH_SEED_SECONDS=120 waits longer)"] if facts["events_a"] < TARGET_EVENTS else []),
        base_lines[0],
        "",
        *table(rows, bare),
    ]
    anon = [label for label, _, page in rows[2:] if page["sets_session"]]
    if anon:
        lines.append("\nanonymous pages that set a session cookie on each visit: " + ", ".join(anon))
    if len(base_lines) > 1:
        lines.append("\n" + base_lines[1])
    lines.append(f"\n(total {time.monotonic() - t0:.0f}s)")
    print("\n".join(lines))
    bad = [label for label, r in results if r["non2xx"] or r["errors"]]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
