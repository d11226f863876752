#!/usr/bin/env python3
"""Levels and dispatch at the seed's scale (issue 15, "Benchmark at the seed's scale").

    python bench/levels.py                     # scale 1: 6.27 million matters (about 20 min to load here)
    python bench/levels.py --scale 0.05        # a quick run
    python bench/levels.py --reuse bench_levels  # measure a database loaded before (kept with --keep)

What it does, all on 127.0.0.1:
  1. a fresh PostgreSQL database, migrated; bench/levels_seed.py loads 16 districts, 276 streets,
     5,733 communities, about 30,000 grids, 60,000 people and 6.27 million matters (6.07 million
     closed) by COPY, with their path and counters; prints the time and the database size.
  2. transitions through the real services (portal/matters/services.py: row lock, state machine,
     path step, audit events — both chains for a hand-off —, counters, commit), by 2 worker
     processes over many communities: report → dispatch → accept → resolve → confirm. Prints
     transitions per second.
  3. serves the database with `gunicorn -w 2` next to a bare Flask "hello" and runs wrk on a
     community's ledger, a street's figures and ranking, a district's figures, a department's
     queue (its staff signed in), a matter's page and the district's overdue list, with the page
     caches off and on; prints req/s, p50/p99 and the ratio to the bare baseline of the same run.

Targets (issue 15): caches off, every page's p99 < 50 ms; caches on, at least 0.25 of bare Flask;
transitions at least 300 per second over many communities.
"""
from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    ROOT,
    Server,
    baseline_lines,
    check_page,
    compile_catalogs,
    log,
    machine_line,
    now_line,
    portal_on_path,
    preflight,
    server_env,
    sign_in,
    start_hello,
    stop_on_sigterm,
    table,
    wrk_between_baselines,
)

portal_on_path()

PG = os.environ.get("BENCH_PG_HOST", "postgresql+psycopg://postgres@127.0.0.1:5432")
TARGET_RATIO, TARGET_P99, TARGET_TPS = 0.25, 50.0, 300


def _app(db_url: str):
    from portal import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": db_url, "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 2}})


def _psql(sql: str) -> None:
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", sql], check=True, timeout=600)


def migrate(db_url: str) -> None:
    from flask_migrate import upgrade

    from portal.extensions import db

    app = _app(db_url)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        db.engine.dispose()


def _transitions(db_url: str, community_ids: list[int], queue) -> None:
    """One worker: for each community, a matter through its whole loop (5 transitions)."""
    from sqlalchemy import select

    from portal.auth.models import User
    from portal.communities.models import Community, MemberRole, Membership
    from portal.extensions import db
    from portal.matters import services as ms

    app = _app(db_url)
    done = 0
    with app.app_context():
        t0 = time.monotonic()
        for cid in community_ids:
            c = db.session.get(Community, cid)
            street = db.session.get(Community, c.parent_id)
            dept = ms.dispatch_targets(c)[1]
            staff_id = db.session.execute(select(Membership.user_id).join(MemberRole).where(
                Membership.community_id == dept.id, MemberRole.role == "staff")).scalar_one()
            resident_id = db.session.execute(select(Membership.user_id).where(
                Membership.community_id == cid).limit(1)).scalar_one()
            resident, staff = db.session.get(User, resident_id), db.session.get(User, staff_id)
            cat = ms.categories(street)[0].id
            m = ms.report(c, category_id=cat, title="水管漏水", description="门前水管破了", actor=resident)
            db.session.commit()
            ms.dispatch(c, m, dept, note="请处理", actor=resident)
            db.session.commit()
            ms.accept(dept, m, actor=staff)
            db.session.commit()
            ms.resolve(dept, m, "修好了", actor=staff)
            db.session.commit()
            ms.confirm(c, m, True, actor=resident)
            db.session.commit()
            done += 5
        queue.put((done, time.monotonic() - t0))
        db.engine.dispose()


def transitions(db_url: str, communities: list[int], workers: int = 2) -> dict:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    shares = [communities[k::workers] for k in range(workers)]
    t0 = time.monotonic()
    procs = [ctx.Process(target=_transitions, args=(db_url, share, queue)) for share in shares]
    for p in procs:
        p.start()
    results = [queue.get(timeout=1800) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    wall = time.monotonic() - t0
    total = sum(n for n, _ in results)
    busy = max(s for _, s in results)
    return {"transitions": total, "per_second": total / busy if busy else 0.0, "wall": wall}


def pages(db_url: str, seed: dict, cache_seconds: int, tmp: Path) -> list[str]:
    from sqlalchemy import select

    from portal.extensions import db
    from portal.matters.models import Matter

    app = _app(db_url)
    with app.app_context():
        units = seed["units"]
        community = units[seed["busiest"]]
        street = units[db.session.execute(select(Matter.street_id).where(
            Matter.community_id == seed["busiest"]).limit(1)).scalar_one()]
        district_id = db.session.execute(select(Matter.district_id).where(
            Matter.community_id == seed["busiest"]).limit(1)).scalar_one()
        district = units[district_id]
        open_id, _community, holder = seed["open_sample"][0]
        department = units[holder]
        staff_id = seed["staff"][holder]
        db.engine.dispose()
    hello = start_hello(tmp)
    env = server_env(DATABASE_URL=db_url, PORTAL_CONFIG="development", PAGE_CACHE_SECONDS=str(cache_seconds))
    portal = Server("portal", "wsgi:app", ROOT, env, tmp)
    try:
        hello.wait_ready()
        portal.wait_ready("/healthz")
        cookie = _staff_cookie(db_url, portal.base, staff_id)
        cases = [
            ("community ledger", f"/c/{community}/matters/", None),
            ("street figures and ranking", f"/u/{street}/matters/figures", None),
            ("district figures", f"/u/{district}/matters/figures", None),
            ("department queue (staff)", f"/u/{department}/matters/", cookie),
            ("matter page (department staff)", f"/u/{department}/matters/{open_id}", cookie),
            ("district overdue list", f"/u/{district}/matters/overdue", None),
        ]
        checked = {label: check_page(portal.base + path, c) for label, path, c in cases}
        base1, results, base2 = wrk_between_baselines(hello.base, portal.base, cases)
        bare, lines = baseline_lines(base1, base2)
        lines += table([(label, r, checked[label]) for label, r in results], bare, width=34)
        return lines
    finally:
        portal.stop()
        hello.stop()


def check_counters(db_url: str) -> str:
    """The loaded counters against a recount from the loaded matters and steps (what
    `flask matters recount --check` does)."""
    from portal.extensions import db
    from portal.matters import tally

    app = _app(db_url)
    with app.app_context():
        expected, expected_days = tally.recount()
        stored, stored_days = tally.stored()
        db.engine.dispose()
    if (expected, expected_days) != (stored, stored_days):
        wrong = sum(1 for k in expected.keys() | stored.keys() if expected.get(k) != stored.get(k))
        raise SystemExit(f"the loaded counters differ from a recount in {wrong} rows")
    return f"counters: {len(stored):,} rows and {len(stored_days):,} day rows equal a recount"


def _staff_cookie(db_url: str, base: str, user_id: int) -> str:
    """Give the department's staff member a real password and sign in like a browser."""
    from portal.auth.models import User
    from portal.auth.services import hash_password
    from portal.extensions import db

    app = _app(db_url)
    with app.app_context():
        user = db.session.get(User, user_id)
        user.password_hash = hash_password("bench-pass-2026")
        name = user.username
        db.session.commit()
        db.engine.dispose()
    return sign_in(base, name, "bench-pass-2026")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--reuse", help="an already loaded database (name); nothing is loaded")
    parser.add_argument("--keep", action="store_true", help="keep the database at the end")
    parser.add_argument("--transitions", type=int, default=200, help="communities walked through the loop")
    parser.add_argument("--check-counters", action="store_true",
                        help="after the load, compare the loaded counters with tally.recount() (small scales)")
    parser.add_argument("--load-only", action="store_true", help="load (and check), measure nothing")
    args = parser.parse_args()
    if preflight():
        return 2
    stop_on_sigterm()
    compile_catalogs()
    import levels_seed

    name = args.reuse or f"bench_levels_{uuid.uuid4().hex[:8]}"
    db_url = f"{PG}/{name}"
    out = [now_line(f"bench/levels.py, scale {args.scale}"), machine_line()]
    try:
        if not args.reuse:
            _psql(f"CREATE DATABASE {name}")
            migrate(db_url)
        conninfo = db_url.replace("+psycopg", "")
        seed = levels_seed.describe(conninfo) if args.reuse else levels_seed.load(conninfo, scale=args.scale, log=log)
        if not args.reuse:
            out.append(f"seed: {seed['districts']} districts, {seed['streets']} streets, {seed['communities']:,} "
                       f"communities, {seed['departments']:,} departments, {seed['grids']:,} grids, "
                       f"{seed['people']:,} people, {seed['matters']:,} matters ({seed['closed']:,} closed) in "
                       f"{seed['seconds']:.0f} s; database {seed['size_bytes'] / 2**30:.2f} GiB")
        if args.check_counters:
            out.append(check_counters(db_url))
        if args.load_only:
            print("\n".join(out))
            return 0
        with tempfile.TemporaryDirectory(prefix="yishi-bench-levels-") as tmp:
            for cache in (0, 30):
                out.append(f"pages, page caches {'off' if cache == 0 else 'on (30 s)'}:")
                out += pages(db_url, seed, cache, Path(tmp))
        comms = [cid for cid, slug in seed["units"].items() if slug.startswith("c")][:args.transitions]
        t = transitions(db_url, comms)
        verdict = "met" if t["per_second"] >= TARGET_TPS else "MISSED"
        out.append(f"transitions: {t['transitions']:,} over {len(comms)} communities, 2 workers: "
                   f"{t['per_second']:.0f}/s ({verdict}, target {TARGET_TPS}/s)")
    finally:
        if not args.keep and not args.reuse:
            _psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
