"""Bulk load of the levels benchmark (bench/levels.py): the seed's scale, by COPY into PostgreSQL.

At --scale 1: 16 districts, 276 streets, 5,733 communities, 5 departments per street and 3 per
district, about 30,000 grids, 60,000 people, 6.27 million matters (6.07 million closed) over five
years with realistic skew (a few busy communities, a busy grid in each, sanitation and roads the
common categories), three or four steps of path each, and the counters (matter_tally, matter_close_days)
computed from the very rows loaded, so that `tally.recount()` would agree.

What is not loaded: audit events of the past (the chains start empty; the benchmark's own
transitions write real ones), attachments. Secondary indexes are dropped for the load and made
again after it, as a real import would.
"""
from __future__ import annotations

import io
import multiprocessing as mp
import random
import sys
import time
from array import array
from collections import Counter
from datetime import UTC, datetime, timedelta
from itertools import islice
from zoneinfo import ZoneInfo

DISTRICTS, STREETS, COMMUNITIES, GRIDS, PEOPLE = 16, 276, 5733, 30_000, 60_000
MATTERS, CLOSED = 6_270_000, 6_070_000
DEPTS_PER_STREET, DEPTS_PER_DISTRICT = 5, 3
CATEGORIES = (("sanitation", "环境卫生", 72, 30), ("roads", "道路设施", 72, 25), ("water", "供水排水", 24, 15),
              ("safety", "安全隐患", 24, 10), ("building", "违章搭建", 360, 8), ("other", "其他", 72, 12))
ZONE = ZoneInfo("Asia/Shanghai")
GENESIS = "0" * 64
TABLES = ("matter_step", "matter", "matter_tally", "matter_close_days", "matter_category", "grid_assignment",
          "grid", "member_role", "membership", "user_account", "community")


def _ts(t: datetime) -> str:
    return t.isoformat(" ")  # UTC: "2026-12-03 10:00:00+00:00"


def _copy(cur, table: str, columns: tuple[str, ...], rows) -> int:
    """COPY rows (tuples, None for NULL) into table; returns the count."""
    n = 0
    with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        buf = io.StringIO()
        for row in rows:
            buf.write("\t".join("\\N" if v is None else str(v) for v in row))
            buf.write("\n")
            n += 1
            if n % 20000 == 0:
                copy.write(buf.getvalue())
                buf = io.StringIO()
        copy.write(buf.getvalue())
    return n


def _month(t: datetime) -> int:
    local = t.astimezone(ZONE)
    return local.year * 100 + local.month


def load(conninfo: str, scale: float = 1.0, seed: int = 15, log=print) -> dict:
    """Load everything; returns counts, seconds and the ids the benchmark needs."""
    import psycopg

    rnd = random.Random(seed)
    t0 = time.monotonic()
    n_districts = max(1, round(DISTRICTS * min(1.0, scale * 4)))
    n_streets = max(n_districts, round(STREETS * scale))
    n_comms = max(n_streets, round(COMMUNITIES * scale))
    n_grids = max(n_comms, round(GRIDS * scale))
    n_people = max(n_comms * 2, round(PEOPLE * scale))
    n_matters = max(100, round(MATTERS * scale))
    n_closed = round(n_matters * CLOSED / MATTERS)
    now = datetime.now(UTC).replace(microsecond=0)
    start = now - timedelta(days=5 * 365)
    out: dict = {}
    with psycopg.connect(conninfo, autocommit=False) as conn, conn.cursor() as cur:
        cur.execute("SET synchronous_commit = off")
        # -- units
        units = []  # (id, slug, name, level, parent)
        uid = 0

        def unit(slug, name, level, parent):
            nonlocal uid
            uid += 1
            units.append((uid, slug, name, level, parent))
            return uid

        districts = [unit(f"d{i:02d}", f"第{i + 1}区", "district", None) for i in range(n_districts)]
        streets = [unit(f"s{i:03d}", f"第{i + 1}街道", "street", districts[i % n_districts]) for i in range(n_streets)]
        depts_of: dict[int, list[int]] = {}
        for s in streets:
            depts_of[s] = [unit(f"s{s}-dep{k}", f"街道部门{k}", "department", s) for k in range(DEPTS_PER_STREET)]
        for d in districts:
            depts_of[d] = [unit(f"d{d}-dep{k}", f"区部门{k}", "department", d) for k in range(DEPTS_PER_DISTRICT)]
        comms = [unit(f"c{i:05d}", f"第{i + 1}村", "community", streets[i % n_streets]) for i in range(n_comms)]
        parent = {u[0]: u[4] for u in units}
        _copy(cur, "community", ("id", "slug", "name", "region", "kind", "default_locale", "created_at", "audit_seq",
                                 "audit_head", "content_seq", "level", "parent_id"),
              ((i, slug, name, "", "village" if lv == "community" else "urban", "zh_Hans", _ts(start), 0, GENESIS, 0,
                lv, p) for i, slug, name, lv, p in units))
        # -- grids: every community one, the rest spread with skew
        grids_of: dict[int, list[int]] = {c: [] for c in comms}
        grid_rows = []
        for gid, k in enumerate(range(n_grids), 1):
            c = comms[k] if k < n_comms else comms[int(rnd.paretovariate(1.2) * 7) % n_comms]
            grids_of[c].append(gid)
            grid_rows.append((gid, c, f"网格{len(grids_of[c])}", _ts(start)))
        _copy(cur, "grid", ("id", "community_id", "name", "created_at"), grid_rows)
        # -- people: one shared password hash, a verified membership each; staff in every unit above
        digest = "pbkdf2:sha256:1000$bench$" + "0" * 64
        _copy(cur, "user_account", ("id", "username", "display_name", "password_hash", "display_large",
                                    "display_contrast", "display_easy", "is_platform_admin", "created_at",
                                    "password_changed_at"),
              ((i, f"u{i:06d}", f"居民{i}", digest, "f", "f", "f", "f", _ts(start), _ts(start))
               for i in range(1, n_people + 1)))
        home = {i: comms[(i * 7919) % n_comms] for i in range(1, n_people + 1)}
        above = [u[0] for u in units if u[3] != "community"]
        staff = {u: n_people - k for k, u in enumerate(above)}  # the last people are staff above
        rows = [(i, home[i] if i not in staff.values() else None) for i in range(1, n_people + 1)]
        memberships = []
        mid = 0
        for i, c in rows:
            if c is not None:
                mid += 1
                memberships.append((mid, c, i, "verified", "", "", _ts(start), _ts(start)))
        staff_m = []
        for u, person in staff.items():
            mid += 1
            memberships.append((mid, u, person, "verified", "", "", _ts(start), _ts(start)))
            staff_m.append(mid)
        _copy(cur, "membership", ("id", "community_id", "user_id", "status", "message", "reason", "requested_at",
                                  "decided_at"), memberships)
        _copy(cur, "member_role", ("id", "membership_id", "role", "granted_at"),
              ((k + 1, m, "staff", _ts(start)) for k, m in enumerate(staff_m)))
        # -- categories per street
        cat_rows, cats_of = [], {}
        cid = 0
        for s in streets:
            cats_of[s] = []
            for pos, (key, name, hours, weight) in enumerate(CATEGORIES):
                cid += 1
                cat_rows.append((cid, s, key, name, key, hours, pos, "t"))
                cats_of[s].append((cid, hours, weight))
        _copy(cur, "matter_category", ("id", "street_id", "key", "name", "name_en", "deadline_hours", "position",
                                       "active"), cat_rows)
        conn.commit()
        log(f"units, grids, people, categories: {time.monotonic() - t0:.0f} s")
        # -- matters: drop the secondary indexes, load in WORKERS processes, make them again
        cur.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ('matter', 'matter_step') "
                    "AND indexname NOT LIKE 'pk_%' AND indexname NOT LIKE 'uq_%'")
        indexes = cur.fetchall()
        for name, _ in indexes:
            cur.execute(f"DROP INDEX {name}")
        # the unique (community, serial) and (matter, seq) constraints stay: they are what the data must satisfy
        cur.execute("CREATE UNLOGGED TABLE bench_stage_tally (unit_id int, grid_id int, category_id int, month int, "
                    "reported int, closed int, on_time int, satisfied int, fair int, unsatisfied int)")
        cur.execute("CREATE UNLOGGED TABLE bench_stage_days (unit_id int, grid_id int, days int, n int)")
        conn.commit()
        activity = [rnd.lognormvariate(0, 1.0) for _ in comms]
        total = sum(activity)
        cum, acc = [], 0.0
        for a in activity:
            acc += a / total
            cum.append(acc)
        # which community each matter is in (the skew), and its serial there, drawn here once so that
        # the workers can take ranges of matter ids and still number each community's matters 1, 2, …
        which = array("H", rnd.choices(range(n_comms), cum_weights=cum, k=n_matters))
        serial = array("I", bytes(4 * n_matters))
        seen = [0] * n_comms
        for k, c in enumerate(which):
            seen[c] += 1
            serial[k] = seen[c]
        _SHARED.update(comms=comms, parent=parent, grids_of=grids_of, cats_of=cats_of, depts_of=depts_of,
                       which=which, serial=serial, n_closed=n_closed, n_people=n_people, now=now, start=start,
                       conninfo=conninfo, seed=seed)
        log(f"matters drawn: {time.monotonic() - t0:.0f} s")
        ctx = mp.get_context("fork")  # the workers share the drawn arrays copy-on-write
        results = ctx.Queue()
        bounds = [round(n_matters * k / WORKERS) for k in range(WORKERS + 1)]
        procs = [ctx.Process(target=_worker, args=(k, bounds[k] + 1, bounds[k + 1] + 1, results))
                 for k in range(WORKERS)]
        for proc in procs:
            proc.start()
        got = [results.get(timeout=7200) for _ in procs]
        for proc in procs:
            proc.join(timeout=60)
            if proc.exitcode != 0:
                raise RuntimeError(f"a loading worker failed (exit code {proc.exitcode})")
        sample_open = [row for _, rows in sorted(got) for row in rows][:2000]
        log(f"matters loaded: {time.monotonic() - t0:.0f} s")
        t_idx = time.monotonic()
        for _, definition in indexes:
            cur.execute(definition)
        conn.commit()
        log(f"indexes again: {time.monotonic() - t_idx:.0f} s")
        cur.execute("INSERT INTO matter_tally (unit_id, grid_id, category_id, month, reported, closed, on_time, "
                    "satisfied, fair, unsatisfied) SELECT unit_id, grid_id, category_id, month, sum(reported), "
                    "sum(closed), sum(on_time), sum(satisfied), sum(fair), sum(unsatisfied) FROM bench_stage_tally "
                    "GROUP BY unit_id, grid_id, category_id, month")
        cur.execute("INSERT INTO matter_close_days (unit_id, grid_id, days, n) SELECT unit_id, grid_id, days, sum(n) "
                    "FROM bench_stage_days GROUP BY unit_id, grid_id, days")
        cur.execute("DROP TABLE bench_stage_tally")
        cur.execute("DROP TABLE bench_stage_days")
        conn.commit()
        serials = Counter({comms[c]: n for c, n in enumerate(seen)})
        for table, column in (("community", "id"), ("grid", "id"), ("user_account", "id"), ("membership", "id"),
                              ("member_role", "id"), ("matter_category", "id"), ("matter", "id"),
                              ("matter_step", "id"), ("matter_tally", "id"), ("matter_close_days", "id")):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
                        f"(SELECT coalesce(max({column}), 1) FROM {table}))")
        conn.commit()
        cur.execute("ANALYZE")
        conn.commit()
        cur.execute("SELECT pg_database_size(current_database())")
        size = cur.fetchone()[0]
    out.update(seconds=time.monotonic() - t0, size_bytes=size, districts=n_districts, streets=n_streets,
               communities=n_comms, grids=n_grids, people=n_people, matters=n_matters, closed=n_closed,
               departments=len(above) - n_districts - n_streets, district=districts[0], street=streets[0],
               community=comms[0], department=depts_of[streets[0]][0], open_sample=sample_open,
               busiest=max(serials, key=serials.get), staff=staff, units={u[0]: u[1] for u in units})
    return out


WORKERS = 2  # processes generating and copying rows (the machine's cores)
_SHARED: dict = {}  # what load() drew, inherited by the forked workers
RATINGS = ("satisfied", "satisfied", "satisfied", "fair", "unsatisfied")
MATTER_COLS = ("id", "community_id", "street_id", "district_id", "serial", "category_id", "grid_id", "reporter_id",
               "reporter_role", "recorded_by_id", "anonymous", "title", "description", "place", "latitude",
               "longitude", "state", "holder_id", "held_since", "deadline", "sender_id", "resolved_by_id", "due_at",
               "extension_asked", "extension_hours", "extension_reason", "extension_decided", "merged_into_id",
               "public_reason", "outcome", "reported_at", "resolved_at", "closed_at", "closed_on_time", "rating",
               "rated_at", "reopened", "urged", "steps")
STEP_COLS = ("id", "matter_id", "seq", "at", "action", "unit_id", "to_unit_id", "actor_id", "actor_role", "state",
             "note", "deadline")
MAX_STEPS = 4  # a matter's step ids are (id - 1) * MAX_STEPS + seq: unique without sharing a counter


def _worker(k: int, lo: int, hi: int, results) -> None:
    """Matters lo … hi - 1: generate, COPY with their steps, and COPY this worker's share of the counters
    into the staging tables; puts (k, open matters held by a department) on results."""
    import psycopg

    g = _SHARED
    rnd = random.Random(g["seed"] * 7919 + k)
    comms, parent, grids_of, cats_of, depts_of = g["comms"], g["parent"], g["grids_of"], g["cats_of"], g["depts_of"]
    which, serial, n_closed, n_people, now, start = (g["which"], g["serial"], g["n_closed"], g["n_people"],
                                                     g["now"], g["start"])
    weights = [c[3] for c in CATEGORIES]
    span = (now - start).total_seconds()
    open_span = 60 * 86400
    tallies: dict = {}
    days_hist: Counter = Counter()
    sample_open: list = []
    steps_rows: list = []

    def matters():
        for mid_ in range(lo, hi):
            closed = mid_ <= n_closed
            c = comms[which[mid_ - 1]]
            s = parent[c]
            d = parent[s]
            gl = grids_of[c]
            grid = gl[0] if rnd.random() < 0.5 else rnd.choice(gl)
            cat, hours, _w = rnd.choices(cats_of[s], weights=weights)[0]
            if closed:
                rep = start + timedelta(seconds=span * rnd.random() ** 0.8)
            else:
                rep = now - timedelta(seconds=open_span * rnd.random())
            rep = rep.replace(microsecond=0)  # as stored
            m_rep = _month(rep)
            due = rep + timedelta(hours=hours)
            depts = depts_of[s]
            area = ((c, 0), (c, grid), (s, 0), (d, 0))
            for key in area:
                _add_reported(tallies, (key, cat, m_rep))
            if closed:
                dept = rnd.choice(depts) if rnd.random() < 0.6 else None
                took = timedelta(hours=hours * rnd.uniform(0.2, 1.4))
                resolved = min(rep + took, now).replace(microsecond=0)
                closed_at = min(resolved + timedelta(hours=rnd.uniform(1, 48)), now).replace(microsecond=0)
                on_time = resolved <= due
                rating = rnd.choice(RATINGS) if rnd.random() < 0.8 else None
                state, holder, sender, resolved_by = "closed", dept or c, c if dept else None, dept or c
                m_close = _month(closed_at)
                close_days = max(0, int((closed_at - rep).total_seconds() // 86400))
                for key in area + (((dept, 0),) if dept else ()):
                    _add(tallies, (key, cat, m_close), 1, on_time, rating)
                    days_hist[(key, close_days)] += 1
                if dept:
                    _add_reported(tallies, ((dept, 0), cat, _month(rep + timedelta(hours=1))))
                    path = (("report", c, None, "triage", rep),
                            ("dispatch", c, dept, "dispatched", rep + timedelta(minutes=30)),
                            ("accept", dept, None, "handling", rep + timedelta(hours=1)),
                            ("confirm", None, None, "closed", closed_at))
                else:
                    path = (("report", c, None, "triage", rep),
                            ("handle", c, None, "handling", rep + timedelta(hours=1)),
                            ("confirm", None, None, "closed", closed_at))
            else:
                where = rnd.random()
                if where < 0.2:
                    state, holder, sender = "triage", c, None
                elif where < 0.8:
                    state, holder, sender = rnd.choice(("dispatched", "handling")), rnd.choice(depts), c
                else:
                    state, holder, sender = "dispatched", s, c
                resolved = closed_at = on_time = rating = resolved_by = None
                path = (("report", c, None, "triage", rep),) + (
                    (("dispatch", c, holder, "dispatched", rep + timedelta(minutes=30)),) if sender else ())
                if state == "handling":
                    path += (("accept", holder, None, "handling", rep + timedelta(hours=1)),)
                    _add_reported(tallies, ((holder, 0), cat, _month(rep + timedelta(hours=1))))
                if len(sample_open) < 1000 and 0.2 <= where < 0.8:  # held by a department
                    sample_open.append((mid_, c, holder))
            base = (mid_ - 1) * MAX_STEPS
            for seq, (action, u, to, st, at) in enumerate(path, 1):
                steps_rows.append((base + seq, mid_, seq, _ts(at), action, u, to, None, "", st, "", None))
            yield (mid_, c, s, d, serial[mid_ - 1], cat, grid, 1 + (mid_ % n_people), "resident", None, "f",
                   f"事项{mid_}", "", "", None, None, state, holder, _ts(rep), _ts(due), sender, resolved_by,
                   _ts(due), "f", None, "", None, None, "", "已处理" if closed else "", _ts(rep),
                   _ts(resolved) if resolved else None, _ts(closed_at) if closed_at else None,
                   None if on_time is None else ("t" if on_time else "f"), rating, None, "f", 0, len(path))

    with psycopg.connect(g["conninfo"], autocommit=False) as conn, conn.cursor() as cur:
        cur.execute("SET synchronous_commit = off")
        gen = matters()
        loaded = 0
        while True:
            chunk = list(islice(gen, 100_000))
            if not chunk:
                break
            loaded += _copy(cur, "matter", MATTER_COLS, chunk)
            _copy(cur, "matter_step", STEP_COLS, steps_rows)
            steps_rows.clear()
            conn.commit()
            if k == 0 and loaded % 500_000 < 100_000:
                print(f"matters: worker 0 has {loaded:,} of {hi - lo:,}", file=sys.stderr, flush=True)
        _copy(cur, "bench_stage_tally", ("unit_id", "grid_id", "category_id", "month", "reported", "closed",
                                         "on_time", "satisfied", "fair", "unsatisfied"),
              ((u, gr, cat, month, *v) for ((u, gr), cat, month), v in tallies.items()))
        _copy(cur, "bench_stage_days", ("unit_id", "grid_id", "days", "n"),
              ((u, gr, days, n) for ((u, gr), days), n in days_hist.items()))
        conn.commit()
    results.put((k, sample_open))


def _add(tallies: dict, key, closed: int, on_time=None, rating=None) -> None:
    row = tallies.setdefault(key, [0, 0, 0, 0, 0, 0])
    if closed:
        row[1] += 1
        if on_time:
            row[2] += 1
        if rating:
            row[{"satisfied": 3, "fair": 4, "unsatisfied": 5}[rating]] += 1


def _add_reported(tallies: dict, key) -> None:
    tallies.setdefault(key, [0, 0, 0, 0, 0, 0])[0] += 1


def describe(conninfo: str) -> dict:
    """What load() returns about a database it loaded before (bench/levels.py --reuse)."""
    import psycopg

    with psycopg.connect(conninfo) as conn, conn.cursor() as cur:
        cur.execute("SELECT id, slug FROM community")
        units = dict(cur.fetchall())
        cur.execute("SELECT community_id FROM matter GROUP BY community_id ORDER BY count(*) DESC LIMIT 1")
        busiest = cur.fetchone()[0]
        cur.execute("SELECT m.community_id, m.user_id FROM membership m JOIN member_role r ON r.membership_id = m.id "
                    "WHERE r.role = 'staff'")
        staff = dict(cur.fetchall())
        cur.execute("SELECT m.id, m.community_id, m.holder_id FROM matter m JOIN community u ON u.id = m.holder_id "
                    "WHERE m.state IN ('dispatched', 'handling') AND u.level = 'department' LIMIT 2000")
        sample = cur.fetchall()
    return {"units": units, "busiest": busiest, "staff": staff, "open_sample": sample}
