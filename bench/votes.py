#!/usr/bin/env python3
"""Votes at scale (issue 5, last bullet): ballots/s through the service layer, and the
result page of a poll with 100,000 ballots.

    python bench/votes.py                 # N = 100,000 ballots, SQLite and PostgreSQL
    python bench/votes.py --n 5000        # a quick run
    python bench/votes.py --no-pg         # SQLite only

What it does, all on 127.0.0.1, in a temporary directory and (PostgreSQL) a fresh
database that is dropped at the end:
  1. seeds, in bulk (not audited; rows that only give the casts someone to be):
     N voters with one shared password hash, and verified memberships. Through the
     services: the communities (each its own audit chain), their polls, opened with
     `open_poll` (the electorate snapshot).
  2. "spread": N ballots in 100 communities (one poll each, N/100 voters), cast with
     `portal.votes.services.cast` by W worker processes, each its own connection,
     each with its own share of the communities — how a county's villages vote on
     the same day. Every cast is the real one: poll row lock and freeze, electorate
     check, roll entry (UNIQUE), ballot, audit event in the community's chain,
     commit. The voter is passed as an object with the voter's id only (the
     service reads nothing else of it).
  3. "single": N ballots in ONE poll of one community, by the same W workers: all
     casts meet at the poll row lock and the community's audit-chain lock.
  4. closes the single poll (`close_poll`: tally, hashes, audit) and times it; runs
     `flask votes recount`'s check; verifies both audit chains of the run.
  5. serves that database with `gunicorn -w 2` next to a bare Flask "hello", and
     runs `wrk -t1 -c8 -d6s --latency` on the result page of the N-ballot poll,
     its first and last pages of published ballots, and the find-my-ballot form; prints
     req/s, p50/p99 and the ratio to the bare baseline measured in the same run.

Targets (issue 5): >= 500 ballots/s on PostgreSQL spread over 100 communities, and a
result page p99 < 50 ms (the stored result is read, never recomputed).
SQLite has one writer at a time: it runs with one worker (more only wait for the lock).
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (DURATION, Server, baseline_lines, check_page, compile_catalogs, log,  # noqa: E402
                     machine_line, now_line, portal_on_path, preflight, start_hello,
                     start_portal, stop_on_sigterm, table, wrk_between_baselines)

portal_on_path()

PG_BASE = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
TARGET_BALLOTS = 500
TARGET_P99 = 50.0


def _app(db_url: str):
    from portal import create_app

    # A dict of settings gives TestConfig; SQLITE_WAL as the portal's Config has it (WAL,
    # synchronous=NORMAL: portal/db.py), ignored on PostgreSQL.
    return create_app({"SQLALCHEMY_DATABASE_URI": db_url, "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 2},
                       "SQLITE_WAL": True})


def migrate(db_url: str) -> None:
    from flask_migrate import upgrade

    from portal.extensions import db

    app = _app(db_url)
    with app.app_context():
        upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))
        db.engine.dispose()


def seed(db_url: str, n: int, communities: int) -> dict:
    """Voters, memberships, communities and open polls. Returns the casting plans."""
    from sqlalchemy import insert, select
    from werkzeug.security import generate_password_hash

    from portal.auth.models import User
    from portal.communities import services as cs
    from portal.communities.models import Membership
    from portal.db import utcnow
    from portal.extensions import db
    from portal.votes import services as vs

    t0 = time.monotonic()
    app = _app(db_url)
    with app.app_context():
        digest = generate_password_hash("bench-pass-2026", method="pbkdf2:sha256:1000")
        admin = User(username="benchadmin", display_name="Bench admin", password_hash=digest, is_platform_admin=True)
        db.session.add(admin)
        db.session.flush()
        rows = [{"username": f"v{i:06d}", "display_name": f"村民 {i}", "password_hash": digest} for i in range(n)]
        for i in range(0, n, 5000):
            db.session.execute(insert(User), rows[i:i + 5000])
        ids = db.session.execute(select(User.id).where(User.username.like("v%")).order_by(User.id)).scalars().all()
        per = max(1, n // communities)
        now = utcnow()
        window = dict(opens_at=now - timedelta(minutes=1), closes_at=now + timedelta(days=1))

        def community(slug, members):
            c = cs.create_community(admin, slug, f"村 {slug}", "bench")
            cs.appoint_committee(c, admin, actor=admin)
            for i in range(0, len(members), 5000):
                db.session.execute(insert(Membership), [
                    {"community_id": c.id, "user_id": u, "status": "verified", "message": "", "reason": "",
                     "requested_at": now} for u in members[i:i + 5000]])
            poll = vs.create_poll(c, question=f"{slug}: 修路吗？", description="", options=[],
                                  kind="yes_no_abstain", secret=True, preset="villagers_meeting", **window, actor=admin)
            vs.open_poll(c, poll, actor=admin)
            return c.id, poll.id

        spread = []
        for k in range(communities):
            members = ids[k * per:(k + 1) * per]
            cid, pid = community(f"spread-{k:03d}", members)
            spread.append((cid, pid, members))
        single = community("single", ids)
        db.session.commit()
        db.engine.dispose()
    return {"spread": spread, "single": (single[0], single[1], ids), "seconds": time.monotonic() - t0,
            "per": per}


def _worker(db_url: str, tasks: list[tuple[int, int, int]], queue) -> None:
    """Cast every (community, poll, voter) task through portal.votes.services.cast."""
    from portal.communities.models import Community
    from portal.extensions import db
    from portal.votes import casting
    from portal.votes.models import Poll
    from portal.web.errors import RuleViolation

    from sqlalchemy import event

    app = _app(db_url)
    done = refused = 0
    statements = [0]
    with app.app_context():
        cache = {}

        def count(*_args):
            statements[0] += 1

        event.listen(db.engine, "before_cursor_execute", count)
        t0, cpu0 = time.perf_counter(), time.process_time()
        for i, (cid, pid, uid) in enumerate(tasks):
            if (cid, pid) not in cache:
                cache[(cid, pid)] = (db.session.get(Community, cid), db.session.get(Poll, pid))
            community, poll = cache[(cid, pid)]
            try:
                casting.cast(community, poll, [1 + (uid * 7 + i // 5) % 3], actor=SimpleNamespace(id=uid))
                db.session.commit()
                done += 1
            except RuleViolation:
                db.session.rollback()
                refused += 1
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        db.engine.dispose()
    # statements include the first load of each community and poll (then kept; a commit
    # expires them, and the cast reads what it needs under the poll's row lock)
    queue.put((done, refused, elapsed, cpu, statements[0]))


def cast_all(db_url: str, plans: list[tuple[int, int, list[int]]], workers: int) -> dict:
    """Split the casts over `workers` processes; communities are dealt out round-robin
    so that each worker has its own villages (one poll: the voters are split instead)."""
    shares: list[list] = [[] for _ in range(workers)]
    if len(plans) == 1:
        cid, pid, voters = plans[0]
        for i, u in enumerate(voters):
            shares[i % workers].append((cid, pid, u))
    else:
        for k, (cid, pid, voters) in enumerate(plans):
            shares[k % workers].extend((cid, pid, u) for u in voters)
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(db_url, share, queue)) for share in shares if share]
    t0 = time.perf_counter()
    for p in procs:
        p.start()
    results = [queue.get(timeout=3600) for _ in procs]
    for p in procs:
        p.join(60)
    wall = time.perf_counter() - t0
    done = sum(r[0] for r in results)
    casts = max(1, done + sum(r[1] for r in results))
    return {"ballots": done, "refused": sum(r[1] for r in results), "seconds": wall,
            "rate": done / wall if wall else 0.0, "workers": len(procs),
            "cpu_ms": 1000 * sum(r[3] for r in results) / casts, "statements": sum(r[4] for r in results) / casts}


def top_up(db_url: str, cid: int, pid: int, total: int) -> int:
    """Bulk rows (NOT through the service; labelled as such in the report) so that the
    single poll has `total` ballots for the close and the result-page timing: more
    voters, their memberships, electorate and roll entries, and plaintext ballots with random
    trackers (as a poll open across the upgrade to sealed ballots has: the close rewrites them
    with the sealed ones). Returns how many were added."""
    import random

    from sqlalchemy import func, insert, select, update
    from werkzeug.security import generate_password_hash

    from portal.auth.models import User
    from portal.communities.models import Membership
    from portal.db import utcnow
    from portal.extensions import db
    from portal.votes.models import Ballot, ElectorateEntry, Poll, RollEntry
    from portal.votes.casting import new_tracker

    app = _app(db_url)
    with app.app_context():
        have = db.session.execute(select(func.count()).select_from(Ballot).where(Ballot.poll_id == pid)).scalar_one()
        extra = max(0, total - have)
        if extra:
            digest = generate_password_hash("bench-pass-2026", method="pbkdf2:sha256:1000")
            rng, now = random.Random(5), utcnow()
            for start in range(0, extra, 5000):
                chunk = range(start, min(extra, start + 5000))
                ids = db.session.execute(insert(User).returning(User.id), [
                    {"username": f"w{i:07d}", "display_name": f"村民 w{i}", "password_hash": digest}
                    for i in chunk]).scalars().all()
                db.session.execute(insert(Membership), [
                    {"community_id": cid, "user_id": u, "status": "verified", "message": "", "reason": "",
                     "requested_at": now} for u in ids])
                db.session.execute(insert(ElectorateEntry), [{"poll_id": pid, "user_id": u} for u in ids])
                db.session.execute(insert(RollEntry), [{"poll_id": pid, "user_id": u, "origin": "web"} for u in ids])
                db.session.execute(insert(Ballot), [{"poll_id": pid, "tracker": new_tracker(),
                                                     "choice": str(rng.choice((1, 1, 1, 2, 2, 3)))} for _ in ids])
            db.session.execute(update(Poll).where(Poll.id == pid)
                               .values(electorate_count=Poll.electorate_count + extra))
            db.session.commit()
        db.engine.dispose()
    return extra


def close_and_check(db_url: str, cid: int, pid: int) -> dict:
    from sqlalchemy import func, select

    from portal.audit import verify_community
    from portal.communities.models import Community
    from portal.extensions import db
    from portal.votes import closing
    from portal.votes.models import Ballot, Poll

    app = _app(db_url)
    with app.app_context():
        community, poll = db.session.get(Community, cid), db.session.get(Poll, pid)
        t0 = time.perf_counter()
        from portal.db import utcnow

        poll.closes_at = utcnow() - timedelta(seconds=1)
        db.session.flush()
        closing.close_poll(community, poll, automatic=True, actor=None)
        db.session.commit()
        close_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        ok, stored, counted, problems = closing.recount(poll)
        recount_s = time.perf_counter() - t0
        chains = [verify_community(c) for c in db.session.execute(select(Community)).scalars()]
        tracker = db.session.execute(select(Ballot.tracker).where(Ballot.poll_id == pid)
                                     .order_by(Ballot.tracker.desc()).limit(1)).scalar_one()
        deep = db.session.execute(select(Ballot.tracker).where(Ballot.poll_id == pid)
                                  .order_by(Ballot.tracker.desc()).offset(60).limit(1)).scalar_one_or_none() or ""
        ballots = db.session.execute(select(func.count()).select_from(Ballot)
                                     .where(Ballot.poll_id == pid)).scalar_one()
        out = {"close_s": close_s, "recount_s": recount_s, "recount_ok": ok, "totals": stored,
               "chains_ok": all(c.ok for c in chains), "chains": len(chains), "tracker": tracker,
               "ballots": ballots, "deep": deep}
        db.engine.dispose()
    return out


def pages(db_url: str, pid: int, tracker: str, n: int, tmp: Path, deep: str = "") -> tuple[list, list[str]]:
    servers: list[Server] = []
    try:
        hello = start_hello(tmp)
        servers.append(hello)
        portal = start_portal(db_url, tmp)
        servers.append(portal)
        hello.wait_ready()
        portal.wait_ready("/healthz")
        base = f"/c/single/votes/{pid}"
        cases = [(f"result page, {n:,} ballots", f"{base}?lang=en"),
                 ("published ballots, page 1", f"{base}/ballots?lang=en"),
                 ("published ballots, last pages (keyset)", f"{base}/ballots?after={deep}&lang=en"),
                 ("find my ballot form (lookup: POST)", f"{base}/find?lang=en")]
        page_info = {label: check_page(portal.base + path, None) for label, path in cases}
        hello_page = check_page(hello.base + "/", None)
        base1, results, base2 = wrk_between_baselines(hello.base, portal.base,
                                                      [(label, path, None) for label, path in cases])
    finally:
        for s in reversed(servers):
            s.stop()
    bare, base_lines = baseline_lines(base1, base2)
    rows = [("bare Flask hello (before)", base1, hello_page), ("bare Flask hello (after)", base2, hello_page)] + \
        [(label, r, page_info[label]) for label, r in results]
    lines = base_lines[:1] + [""] + table(rows, bare, width=38)
    ok = all(r["p99"] is not None and r["p99"] < TARGET_P99 for label, r in results if label.startswith("result"))
    lines.append(f"\nresult page p99 < {TARGET_P99:.0f} ms: {'met' if ok else 'MISSED'}")
    return rows, lines + base_lines[1:]


def run(kind: str, db_url: str, n: int, communities: int, workers: int, tmp: Path, with_pages: bool,
        page_ballots: int = 0) -> list[str]:
    log(f"[{kind}] migrating and seeding {n:,} voters …")
    migrate(db_url)
    facts = seed(db_url, n, communities)
    log(f"[{kind}]   seeded in {facts['seconds']:.0f}s; casting spread over {communities} communities …")
    spread = cast_all(db_url, facts["spread"], workers)
    log(f"[{kind}]   {spread['ballots']:,} ballots in {spread['seconds']:.1f}s; casting in one community …")
    single = cast_all(db_url, [facts["single"]], workers)
    added = 0
    if with_pages and page_ballots > single["ballots"]:
        log(f"[{kind}]   topping the single poll up to {page_ballots:,} ballots in bulk …")
        added = top_up(db_url, facts["single"][0], facts["single"][1], page_ballots)
    log(f"[{kind}]   {single['ballots']:,} ballots in {single['seconds']:.1f}s; closing …")
    check = close_and_check(db_url, facts["single"][0], facts["single"][1])
    lines = [f"### {kind}", "",
             f"- spread: {spread['ballots']:,} ballots in {communities} communities ({facts['per']:,} voters each), "
             f"{spread['workers']} worker process(es): **{spread['rate']:.0f} ballots/s** "
             f"({spread['seconds']:.1f} s; refused {spread['refused']}); per cast in the casting processes: "
             f"{spread['cpu_ms']:.2f} ms CPU, {spread['statements']:.2f} SQL statements (commit not counted)",
             f"- single community, one poll: {single['ballots']:,} ballots, {single['workers']} worker process(es): "
             f"**{single['rate']:.0f} ballots/s** ({single['seconds']:.1f} s; refused {single['refused']}); per cast: "
             f"{single['cpu_ms']:.2f} ms CPU, {single['statements']:.2f} statements",
             *([f"- the single poll was then topped up with {added:,} ballots (and their voters, roll and electorate "
                f"entries) written in bulk, NOT through the service, to time the close and the result page at "
                f"{check['ballots']:,} ballots"] if added else []),
             f"- close of the {check['ballots']:,}-ballot poll (tally, both sha256, audit): {check['close_s']:.2f} s; "
             f"recount from the published table: {check['recount_s']:.2f} s, "
             f"{'agrees' if check['recount_ok'] else 'DIFFERS'}; totals {check['totals']}",
             f"- {check['chains']} audit chains verified: {'ok' if check['chains_ok'] else 'BROKEN'}"]
    if kind.startswith("PostgreSQL"):
        verdict = "met" if spread["rate"] >= TARGET_BALLOTS else "MISSED"
        lines.append(f"- target >= {TARGET_BALLOTS} ballots/s spread over 100 communities: {verdict}")
    if with_pages:
        log(f"[{kind}] serving the result page (wrk -t1 -c8 -d{DURATION}s) …")
        _rows, page_lines = pages(db_url, facts["single"][1], check["tracker"], check["ballots"], tmp, check["deep"])
        lines += ["", "```", *page_lines, "```"]
    return lines


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=100_000, help="ballots per run (default 100,000)")
    ap.add_argument("--communities", type=int, default=100)
    ap.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1),
                    help="casting processes on PostgreSQL (default: two per core, so that one waits for its "
                         "COMMIT's WAL flush while the other computes; SQLite uses 1)")
    ap.add_argument("--no-pg", action="store_true", help="skip PostgreSQL")
    ap.add_argument("--no-sqlite", action="store_true", help="skip SQLite")
    ap.add_argument("--page-ballots", type=int, default=100_000,
                    help="ballots in the poll whose result page is timed; above --n the rest is written in bulk")
    ap.add_argument("--pages-on", choices=["sqlite", "pg", "none"], default="pg",
                    help="which database's N-ballot poll to serve for the result-page timing")
    args = ap.parse_args()
    if args.pages_on != "none" and (rc := preflight()):
        return rc
    stop_on_sigterm()
    compile_catalogs()
    t0 = time.monotonic()
    out = [now_line("Yishi votes benchmark"), machine_line(), ""]
    with tempfile.TemporaryDirectory(prefix="yishi-bench-votes-") as tmp:
        tmp = Path(tmp)
        if not args.no_sqlite:
            url = f"sqlite:///{tmp / 'votes.sqlite3'}"
            out += run("SQLite", url, args.n, args.communities, 1, tmp, args.pages_on == "sqlite",
                       args.page_ballots) + [""]
        if not args.no_pg:
            from sqlalchemy import create_engine, text
            from sqlalchemy.engine import make_url

            base = make_url(PG_BASE)
            name = f"yishi_bench_{uuid.uuid4().hex[:8]}"
            admin = create_engine(base, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            try:
                url = base.set(database=name).render_as_string(hide_password=False)
                out += run(f"PostgreSQL ({args.workers} workers)", url, args.n, args.communities, args.workers,
                           tmp, args.pages_on == "pg", args.page_ballots)
            finally:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()
    out += ["", machine_line(), f"(total {time.monotonic() - t0:.0f}s)"]
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
