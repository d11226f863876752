#!/usr/bin/env python3
"""Throughput of the proposal list and detail pages at village scale (issue 3, last bullet).

    python bench/proposals.py

What it does, all on 127.0.0.1 and inside a temporary directory:
  1. migrates a fresh SQLite database. Through the real services (so the audit
     chain is real and verified at the end): one community, its committee member,
     proposal settings (threshold 30 supports), 2,000 verified residents
     (memberships added with add_resident), one resident who signs in, and one
     "busy" proposal written, supported, commented (500 comments, a third of them
     replies, a few hidden by the committee) and answered through the services.
     In bulk (SQLAlchemy Core executemany, not audited; these rows only exist to
     give the pages realistic volume): 9,999 more published proposals with
     Chinese titles and bodies over two years, in every public state, with
     200,000 supports in all from the 2,000 residents (heavy-tailed: most
     proposals have a handful, a few have hundreds) and Proposal.support_count
     equal to the rows; official answers for the answered ones; ~15,000 comments
     spread over the other proposals so the list page's comment counts are real.
  2. starts a bare Flask "hello" and the portal, each under `gunicorn -w 2`
     (PORTAL_CONFIG=development, DATABASE_URL = the temp file);
  3. signs in BENCH_READERS verified residents (default 40: the one who signs in
     and bulk residents spread over r0001…r1999, among them commenters and
     supporters of the busy proposal) and checks every page answers 200, for
     each of them on the signed-in pages;
     follows the list page's "More proposals" (rel=next, keyset cursor) link
     BENCH_DEEP pages deep to get a deep page's URL;
  4. runs `wrk -t1 -c8 -d6s --latency` per page, the signed-in pages with a Lua
     script that hands the readers' session cookies out in turn (one reader's
     cookie would flatter a page cache shared between readers of the same kind);
     prints req/s, p50/p99, the
     ratio to the bare baseline (mean of before and after) and the HTML size,
     and whether each list/detail page meets the issue's target (>= 25 % of the
     bare req/s and p99 < 50 ms);
     then the read-under-writes cases: the visitor list and the signed-in list and
     500-comment pages again, while a resident who is not among the readers
     ("benchwriter", added last by the seed) supports and then withdraws support on
     a published proposal (#WRITTEN: the newest with room below the threshold),
     alternately, every BENCH_WRITE_EVERY seconds, through HTTP like a browser (GET
     the page, the form's csrf_token, POST, 303, follow it). Each of these writes is
     audited and moves the community's audit_seq, so the page caches (visitors',
     readers' shared pages) start over: reads alone flatter them. Writes done and
     failures are reported per case; a failure or no write at all fails the run;
  5. when a target is missed, profiles the pages in-process (Flask test client on
     the same database, same config): per-request CPU time split into SQL (count
     and ms), template rendering and the rest, then cProfile's top functions for
     the first list page and the slowest list and detail pages.

Servers are stopped on every exit path; every wait and loop is bounded.
Environment: BENCH_DURATION (seconds per wrk run, default 6), BENCH_DEEP (pages
to follow for the deep keyset page, default 10), BENCH_READERS (residents signed
in for the signed-in pages, default 40; each sign-in costs a real password hash),
BENCH_PROFILE=0 to skip step 5 (which signs in one resident only), BENCH_WRITE_EVERY
(seconds between the background writer's writes in the read-under-writes cases,
default 1.0).

In-process only (no wrk, no gunicorn; for a busy machine, where wrk's numbers mean
nothing): BENCH_WRK=0 runs step 1, then step 5 for every page whatever the targets,
with a bare Flask "hello" measured the same way for scale. BENCH_ROUNDS (default 3) rounds per
page, the best kept. BENCH_DB=/path/file.sqlite3
keeps the seeded database there and reuses it on the next run (it is seeded once;
delete the file to seed again), so a before/after comparison runs on the same rows.
"""
from __future__ import annotations

import contextlib
import cProfile
import io
import os
import pstats
import random
import sys
import tempfile
import threading
import time
import urllib.parse
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (DURATION, ROOT, USER_AGENT, Browser, Server, baseline_lines, check_page,  # noqa: E402
                     compile_catalogs, form_token, log, machine_line, next_link, now_line, portal_on_path,
                     preflight, wrk_between_baselines, sign_in, start_hello, start_portal, stop_on_sigterm,
                     table)

PROPOSALS = 10_000
SUPPORTS = 200_000
RESIDENTS = 2_000
BUSY_COMMENTS = 500
BUSY_SUPPORTERS = 40          # through services.support(); the bulk supplies the rest of the 200,000
OTHER_COMMENTS = 15_000       # spread over the bulk proposals (list page comment counts)
THRESHOLD = 30
DEEP_PAGES = int(os.environ.get("BENCH_DEEP", "10"))
PROFILE = os.environ.get("BENCH_PROFILE", "1") != "0"
WITH_WRK = os.environ.get("BENCH_WRK", "1") != "0"
KEEP_DB = os.environ.get("BENCH_DB", "")
READERS = int(os.environ.get("BENCH_READERS", "40"))  # residents the signed-in wrk cases rotate over
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))  # in-process: rounds of n requests per page, best one kept
WRITE_EVERY = float(os.environ.get("BENCH_WRITE_EVERY", "1.0"))  # read-under-writes cases: s between writes
TARGET_RATIO, TARGET_P99 = 0.25, 50.0
PASSWORD = "bench-pass-2026"
SLUG = "bench-p"
COMMITTEE = "benchcom"
RESIDENT = "benchres"
WRITER = "benchwriter"        # writes during the read-under-writes cases; never among the readers
SEARCH_COMMON = "路灯"         # in a few hundred titles and bodies
SEARCH_NONE = "无人机"          # in none: the whole community is scanned
NOW = datetime.now(timezone.utc).replace(microsecond=0)

# --------------------------------------------------------------------------- text

PLACES = ["村口", "小学门口", "3 号楼", "5 组", "菜市场", "健身广场", "东门", "老年活动中心", "河边步道",
          "停车场", "村委会旁", "卫生室门前", "北山脚下", "幼儿园", "公交站", "文化礼堂", "二号桥", "垃圾中转站",
          "7 号楼后面", "祠堂前", "水库边", "新村安置小区", "西街", "篮球场"]
TITLES = {
    "roads": ["修补{p}的坑洼路面", "{p}加装路灯", "{p}增设减速带", "拓宽{p}的道路", "规范{p}的停车",
              "{p}路口增设红绿灯", "硬化{p}到主路的土路", "{p}人行道被占用,请清理"],
    "sanitation": ["{p}垃圾分类点清运不及时", "{p}污水井盖有异味", "整治{p}的乱堆乱放", "{p}增设公共厕所",
                   "清理{p}附近河道的漂浮物", "{p}的路灯旁垃圾桶太少", "{p}下水道经常堵塞"],
    "safety": ["{p}安装监控摄像头", "{p}消防通道被占用", "{p}电动车楼道充电隐患大", "{p}护栏损坏需要修理",
               "{p}夜间照明不足,请加路灯", "{p}的水塘边缺少防护栏", "{p}流浪狗伤人,请处理"],
    "funds": ["公开{y}年集体资金收支明细", "{p}修缮费用使用情况请说明", "集体土地租金分配方案征求意见",
              "公开{p}工程的招标结果", "{y}年村级公益事业经费怎么用", "{p}征地补偿款发放进度"],
    "other": ["{p}组织老年人文娱活动", "在{p}增加快递柜", "{p}开设暑期儿童托管班", "改善{p}的手机信号",
              "{p}开通到镇上的公交车", "{p}建一个便民图书角"],
}
OPENINGS = ["我住在{p}附近,", "最近好几位邻居都反映,", "这个问题已经存在两年多了,", "上个月开会时大家提过,",
            "作为在{p}住了二十年的老住户,", "家里老人孩子每天都要经过{p},"]
PROBLEMS = ["下雨天路上全是积水,孩子上学要蹚水走。", "晚上没有灯,老人摔倒过好几次。",
            "垃圾堆了好几天没人清运,夏天味道很大。", "电动车停得到处都是,消防车根本开不进来。",
            "账目一直没有公开,大家心里有疑问。", "快递只能放在门口,经常丢件。",
            "车开得太快,去年出过一次事故。", "附近没有路灯,年轻人下夜班回来很不安全。"]
ASKS = ["希望村委会能尽快安排人来看一看。", "建议在年底前解决,费用可以从公益金里出。",
        "请在村务公开栏里把结果贴出来。", "如果需要出工,我们组可以出两个人帮忙。",
        "希望能给大家一个明确的答复和时间表。", "请委员会调查一下,给大家一个说法。"]
COMMENTS = ["同意,我家门口也是这样。", "支持!早就该修了。", "我觉得可以先找施工队报个价。",
            "上次下大雨我家老人就在这里摔了一跤。", "这个钱应该从哪里出?请委员会说明一下。",
            "附议,希望尽快解决。", "可以考虑装太阳能路灯,省电费。", "我们组愿意出工出力。",
            "去年已经反映过一次,没有下文。", "建议先开个会,听听大家的意见。",
            "别光说不做,什么时候动工?", "谢谢提出这个建议,说出了大家的心声。"]
REPLIES = ["同意你的看法。", "我问过了,施工队说要两周。", "这个情况我也遇到过。", "补充一点:晚上更严重。",
           "@楼上 说得对。", "委员会上周已经派人看过了。"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = ["秀英", "建国", "桂兰", "志强", "芳", "德明", "丽华", "伟", "敏", "军", "霞", "海燕", "国庆", "春梅",
         "大爷", "阿姨", "小红", "明", "静", "强"]


def title_for(rng: random.Random, cat: str) -> str:
    return rng.choice(TITLES[cat]).format(p=rng.choice(PLACES), y=rng.choice((2024, 2025, 2026)))[:120]


def body_for(rng: random.Random) -> str:
    p = rng.choice(PLACES)
    paras = [rng.choice(OPENINGS).format(p=p) + rng.choice(PROBLEMS)]
    paras += [rng.choice(PROBLEMS) for _ in range(rng.randint(0, 2))]
    paras.append(rng.choice(ASKS))
    return "\n".join(paras)


def support_counts(rng: random.Random, n: int, total: int, cap: int) -> list[int]:
    """n heavy-tailed counts (log-normal) that add up to exactly `total`, each <= cap."""
    weights = [rng.lognormvariate(0.0, 1.3) for _ in range(n)]
    scale = total / sum(weights)
    counts = [min(cap, int(w * scale)) for w in weights]
    for _ in range(20):  # bounded: hand out the rounding rest to proposals below the cap
        rest = total - sum(counts)
        if rest == 0:
            break
        open_ = [i for i, c in enumerate(counts) if c < cap]
        for i in rng.sample(open_, min(rest, len(open_))):
            counts[i] += 1
    if sum(counts) != total:
        raise RuntimeError("could not distribute the supports")
    return counts


# --------------------------------------------------------------------------- seeding

def seed(db_url: str) -> dict:
    """Migrate and fill the database; returns what the benchmark needs to know."""
    portal_on_path()
    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from portal import audit, create_app
    from portal.auth import services as accounts
    from portal.auth.models import User
    from portal.comments import services as comments
    from portal.comments.models import Comment
    from portal.communities import services as cs
    from portal.extensions import db
    from portal.moderation import services as moderation
    from portal.proposals import services as ps
    from portal.proposals.models import OfficialAnswer, Proposal, ProposalSupport

    rng = random.Random(2026)
    app = create_app({"SQLALCHEMY_DATABASE_URI": db_url})
    started = time.monotonic()
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        # -- through the services: community, committee, settings, residents (audited)
        com = accounts.register_user(COMMITTEE, "王秀英 (村委会)", PASSWORD)
        res = accounts.register_user(RESIDENT, "张桂兰", PASSWORD)
        c = cs.create_community(None, SLUG, "东山村 (bench)", "浙江省 安吉县", "village")
        cs.appoint_committee(c, com, actor=None)
        ps.update_settings(c, THRESHOLD, None, 15, actor=com)
        cats = {cat.key: cat.id for cat in ps.categories(c)}
        digest = accounts.hash_password(PASSWORD)  # one real hash shared by the bulk residents
        users = [User(username=f"r{i:04d}", display_name=rng.choice(SURNAMES) + rng.choice(GIVEN),
                      password_hash=digest) for i in range(1, RESIDENTS)]
        db.session.add_all(users)
        db.session.flush()
        for i, u in enumerate([res] + users):
            cs.add_resident(c, u, actor=com)
            if i % 500 == 499:
                db.session.commit()
        db.session.commit()
        resident_ids = [res.id] + [u.id for u in users]
        log(f"  community, committee, {len(resident_ids)} verified residents (audited): "
            f"{time.monotonic() - started:.1f}s")

        # -- in bulk: 9,999 proposals, answers, supports, comments (Core executemany)
        conn = db.session.connection()
        conn.exec_driver_sql("PRAGMA synchronous=OFF")  # this connection only; the file is as usual
        n_bulk = PROPOSALS - 1
        keys = list(cats)
        span = 730 * 86400
        published = sorted(NOW - timedelta(seconds=rng.randint(3 * 86400, span)) for _ in range(n_bulk))
        counts = support_counts(rng, n_bulk, SUPPORTS - BUSY_SUPPORTERS, RESIDENTS - 1)
        proposals, answers, supports = [], [], []
        for i in range(n_bulk):
            pid, pub, n = i + 1, published[i], counts[i]
            author = rng.choice(resident_ids)
            cat = rng.choice(keys)
            row = dict(id=pid, community_id=c.id, author_id=author, category_id=cats[cat],
                       title=title_for(rng, cat), body=body_for(rng), state="published", origin="web",
                       support_count=n, created_at=pub - timedelta(minutes=rng.randint(5, 3000)),
                       published_at=pub, review_started_at=None, answer_due_at=None, answered_at=None,
                       implemented_at=None, withdrawn_at=None, hidden_at=None, hidden_reason="",
                       hidden_by_id=None)
            if n >= THRESHOLD:
                started_at = pub + timedelta(days=rng.randint(1, 20))
                row.update(review_started_at=started_at, answer_due_at=started_at + timedelta(days=15))
                row["state"] = rng.choices(("under_review", "accepted", "rejected", "planned", "implemented"),
                                           (25, 30, 15, 15, 15))[0]
                if row["state"] != "under_review":
                    answered = started_at + timedelta(days=rng.randint(1, 25))
                    decision = "accepted" if row["state"] == "implemented" else row["state"]
                    row["answered_at"] = answered
                    answers.append(dict(proposal_id=pid, author_id=com.id, decision=decision,
                                        body="经委员会讨论," + rng.choice(ASKS), created_at=answered))
                    if row["state"] == "implemented":
                        row["implemented_at"] = answered + timedelta(days=rng.randint(5, 60))
            elif rng.random() < 0.08:
                row.update(state="withdrawn", withdrawn_at=pub + timedelta(days=rng.randint(1, 30)))
            if rng.random() < 0.005:
                row.update(hidden_at=pub + timedelta(days=1), hidden_reason="含有个人电话号码",
                           hidden_by_id=com.id)
            proposals.append(row)
            backers = [u for u in rng.sample(resident_ids, min(n + 1, len(resident_ids))) if u != author][:n]
            for u in backers:
                supports.append(dict(proposal_id=pid, user_id=u, origin="web",
                                     created_at=pub + timedelta(minutes=rng.randint(1, 20000))))
        conn.execute(Proposal.__table__.insert(), proposals)
        conn.execute(OfficialAnswer.__table__.insert(), answers)
        t_sup = time.monotonic()
        for k in range(0, len(supports), 50_000):
            conn.execute(ProposalSupport.__table__.insert(), supports[k:k + 50_000])
        log(f"  {n_bulk} proposals, {len(answers)} answers, {len(supports)} supports in bulk "
            f"(supports {time.monotonic() - t_sup:.1f}s): {time.monotonic() - started:.1f}s")

        rows, next_id = [], 1
        commented = rng.sample(range(1, n_bulk + 1), 6000)
        left = OTHER_COMMENTS
        for pid in commented:  # bounded by len(commented)
            if left <= 0:
                break
            k = min(left, 1 + int(rng.expovariate(1 / 3)))
            tops: list[int] = []
            for _ in range(k):
                parent = rng.choice(tops) if tops and rng.random() < 0.3 else None
                rows.append(dict(id=next_id, community_id=c.id, subject_type="proposal", subject_id=pid,
                                 parent_id=parent, author_id=rng.choice(resident_ids),
                                 body=rng.choice(REPLIES if parent else COMMENTS), origin="web",
                                 created_at=published[pid - 1] + timedelta(hours=rng.randint(1, 500)),
                                 hidden_at=None, hidden_reason="", hidden_by_id=None))
                if parent is None:
                    tops.append(next_id)
                next_id += 1
            left -= k
        conn.execute(Comment.__table__.insert(), rows)
        db.session.commit()
        ordinary = next(pid for pid in commented[:200]
                        if proposals[pid - 1]["state"] == "published" and 5 <= counts[pid - 1] < THRESHOLD
                        and proposals[pid - 1]["hidden_at"] is None)
        log(f"  {len(rows)} comments on {len(commented)} proposals in bulk: {time.monotonic() - started:.1f}s")

        # -- through the services: the busy proposal (audited)
        author = db.session.get(User, resident_ids[7])
        busy = ps.create_proposal(c, "关于修建村口到小学那段路和加装路灯的建议",
                                  "下雨天路上全是积水,孩子们上学要蹚水走。\n晚上没有灯,老人摔倒过好几次。\n"
                                  "希望村里能把这段路垫高,修一条排水沟,再装几盏太阳能路灯。\n"
                                  "费用可以从今年的公益事业经费里出,我们 5 组愿意出工。",
                                  cats["roads"], publish=True, actor=author)
        # users[i] is r{i+1:04d}. The busy proposal's supporters are RESIDENT and users[100:…]
        # (r0101…), its commenters users[200:1200] (r0201…r1200), its author users[6] (r0007):
        # reader_names() spreads the signed-in readers over r0001…r1999, so they include
        # commenters and supporters, readers whose page differs from other residents' (their own
        # comments, their support), which a cache shared between readers of a kind must not hide.
        supporters = [res] + [u for u in users[100:100 + BUSY_SUPPORTERS] if u.id != author.id][:BUSY_SUPPORTERS - 1]
        for u in supporters:
            ps.support(c, busy, actor=u)
        db.session.commit()
        pool = users[200:1200]
        tops = []
        for i in range(BUSY_COMMENTS):
            u = pool[i % len(pool)]
            parent = rng.choice(tops[-30:]) if tops and i % 3 == 2 else None
            cm = comments.add_comment(c, busy, rng.choice(REPLIES if parent else COMMENTS), parent, actor=u)
            if parent is None:
                tops.append(cm)
            if i % 97 == 50:
                moderation.hide(c, cm, "人身攻击", actor=com)
            if i % 100 == 99:
                db.session.commit()
        ps.answer(c, busy, "accepted", "村委会已经开会讨论,同意修路并加装 6 盏太阳能路灯。\n"
                                            "工程预计下月开工,费用从公益事业经费中列支。", actor=com)
        db.session.commit()
        log(f"  busy proposal #{busy.id}: {len(supporters)} supports, {BUSY_COMMENTS} comments "
            f"({len(tops)} threads), answered (audited): {time.monotonic() - started:.1f}s")

        # -- through the services, last (so every row above is as before): the resident who writes
        # in the read-under-writes cases. Not a reader (reader_names() are RESIDENT and r####),
        # author and supporter of nothing. The proposal it supports and unsupports: the newest
        # published, visible bulk one other than `ordinary` with room below the threshold (a
        # support must not start the review: unsupport is only allowed while published).
        writer = accounts.register_user(WRITER, "周海燕", PASSWORD)
        cs.add_resident(c, writer, actor=com)
        db.session.commit()
        written = max(pid for pid, row in enumerate(proposals, start=1)
                      if row["state"] == "published" and row["hidden_at"] is None and pid != ordinary
                      and row["support_count"] <= THRESHOLD - 2)

        # -- checks: counts agree with the rows, the chain verifies
        mismatched = db.session.execute(
            select(func.count()).select_from(Proposal).where(
                Proposal.support_count != select(func.count()).select_from(ProposalSupport)
                .where(ProposalSupport.proposal_id == Proposal.id).scalar_subquery())).scalar_one()
        facts = {
            "proposals": db.session.execute(select(func.count()).select_from(Proposal)).scalar_one(),
            "supports": db.session.execute(select(func.count()).select_from(ProposalSupport)).scalar_one(),
            "comments": db.session.execute(select(func.count()).select_from(Comment)).scalar_one(),
            "states": dict(db.session.execute(select(Proposal.state, func.count()).group_by(Proposal.state)).all()),
            "busy": busy.id, "ordinary": ordinary, "events": c.audit_seq,
            "writer": WRITER, "written": written,
            "busy_comments": db.session.execute(select(func.count()).select_from(Comment).where(
                Comment.subject_type == "proposal", Comment.subject_id == busy.id)).scalar_one(),
        }
        ok = audit.verify_community(c).ok
        db.session.remove()
        db.engine.dispose()
    facts["seconds"] = time.monotonic() - started
    if mismatched:
        raise SystemExit(f"seeding left {mismatched} proposals whose support_count differs from their rows")
    if facts["supports"] != SUPPORTS or facts["proposals"] != PROPOSALS:
        raise SystemExit(f"seeding made {facts['proposals']} proposals and {facts['supports']} supports")
    if not ok:
        raise SystemExit("seeding produced a broken audit chain")
    return facts


# --------------------------------------------------------------------------- profiling

def profile(db_url: str, cases: list[tuple[str, str, object]], n: int = 30, with_hello: bool = False) -> list[str]:
    """In-process split of each page's time (same database, same config class as the server), then
    cProfile of the first list page and of the slowest list and detail pages. Cases with a cookie (one
    or a list) all run as ONE signed-in resident, RESIDENT (signed in again through the test client),
    not the many readers wrk rotates over: this splits one request's time, it does not measure a
    cache shared between readers. Times are this process's CPU
    time (time.process_time), which other load on a shared machine disturbs less than the wall clock.
    Returns report lines."""
    portal_on_path()
    import re

    from flask import before_render_template, template_rendered
    from sqlalchemy import event

    from config import DevelopmentConfig
    from portal import create_app
    from portal.extensions import db

    cfg = type("BenchConfig", (DevelopmentConfig,), {"SQLALCHEMY_DATABASE_URI": db_url})
    app = create_app(cfg)
    acc = {"sql": 0.0, "stmts": 0, "render": 0.0}
    clock: dict[str, float | None] = {"sql": None, "render": None}

    def before_sql(*_a):
        clock["sql"] = time.process_time()

    def after_sql(*_a):
        if clock["sql"] is not None:
            acc["sql"] += time.process_time() - clock["sql"]
            clock["sql"] = None
        acc["stmts"] += 1

    def on_before(sender, template, context, **kw):
        if clock["render"] is None:
            clock["render"] = time.process_time()

    def on_rendered(sender, template, context, **kw):
        if clock["render"] is not None:
            acc["render"] += time.process_time() - clock["render"]
            clock["render"] = None

    headers = {"User-Agent": USER_AGENT}
    w = max(46, *(len(label) for label, _, _ in cases))
    lines = ["", "In-process split (Flask test client, same database and config, no HTTP, no gunicorn; "
             f"CPU ms per request, mean of {n} after warm-up, best of {ROUNDS} rounds; SQL = statement execution and fetch, render = "
             "render_template, other = the rest: routing, session, forms, ORM objects, queries' Python side; "
             f"signed-in pages as one resident, {RESIDENT}):",
             "",
             f"| {'page':<{w}} | {'total ms':>8} | {'SQL ms':>6} | {'stmts':>5} | {'render ms':>9} | {'other ms':>8} |",
             f"|{'-' * (w + 2)}|{'-' * 10}|{'-' * 8}|{'-' * 7}|{'-' * 11}|{'-' * 10}|"]
    slowest: dict[str, tuple[float, str, str, bool]] = {}
    first_list: tuple[str, str, bool] | None = None
    # No app context is held around the requests: Flask would reuse it, and with it `g` and the
    # signed-in user of the first request, for every following one.
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before_sql)
    event.listen(engine, "after_cursor_execute", after_sql)
    before_render_template.connect(on_before, app)
    template_rendered.connect(on_rendered, app)
    try:
        anon, resident = app.test_client(), app.test_client()
        page = resident.get("/login", headers=headers).get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        r = resident.post("/login", headers=headers, data={"csrf_token": token, "login": RESIDENT,
                                                            "password": PASSWORD, "next": ""})
        if r.status_code not in (302, 303):
            raise RuntimeError(f"profile: sign-in answered {r.status_code}")
        if with_hello:  # the same loop around a bare Flask "hello": the framework's own floor
            from flask import Flask

            hello = Flask("hello")
            hello.get("/")(lambda: "Hello, World!")
            hc = hello.test_client()
            for _ in range(3):
                hc.get("/", headers=headers)
            took = []
            for _ in range(ROUNDS):
                t = time.process_time()
                for _ in range(n):
                    hc.get("/", headers=headers)
                took.append(time.process_time() - t)
            total = min(took) / n * 1000
            lines.append(f"| {'bare Flask hello (same test client loop)':<{w}} | {total:>8.1f} | {0:>6.1f} | "
                         f"{0:>5} | {0:>9.1f} | {total:>8.1f} |")
        for label, path, ck in cases:
            client = resident if ck else anon
            for _ in range(3):  # warm-up: template compilation, catalog loading
                client.get(path, headers=headers)
            best = None
            for _ in range(ROUNDS):  # the best round: other processes on a shared machine only add time
                acc.update(sql=0.0, stmts=0, render=0.0)
                t = time.process_time()
                for _ in range(n):
                    r = client.get(path, headers=headers)
                    if r.status_code != 200:
                        raise RuntimeError(f"profile: {path} answered {r.status_code}")
                took = time.process_time() - t
                if best is None or took < best[0]:
                    best = (took, dict(acc))
            total = best[0] / n * 1000
            sql, render = best[1]["sql"] / n * 1000, best[1]["render"] / n * 1000
            acc.update(best[1])
            lines.append(f"| {label:<{w}} | {total:>8.1f} | {sql:>6.1f} | {acc['stmts'] / n:>5.0f} | "
                         f"{render:>9.1f} | {total - sql - render:>8.1f} |")
            kind = "list" if label.startswith("list") else "detail" if label.startswith("detail") else ""
            if kind and (kind not in slowest or total > slowest[kind][0]):
                slowest[kind] = (total, label, path, bool(ck))
            if kind == "list" and first_list is None:
                first_list = (label, path, bool(ck))
        targets = [("first list", *first_list)] if first_list else []
        targets += [(f"slowest {kind}", label, path, signed_in)
                    for kind, (_t, label, path, signed_in) in sorted(slowest.items())
                    if (label, path, signed_in) != first_list]
        for which, label, path, signed_in in targets:
            client = resident if signed_in else anon
            prof = cProfile.Profile()
            prof.enable()
            for _ in range(10):
                client.get(path, headers=headers)
            prof.disable()
            for order, restrict, what in (("tottime", 12, "top functions by own time"),
                                          ("cumulative", ROOT.name + r"/(portal|templates)", "project code by "
                                           "cumulative time")):
                out = io.StringIO()
                st = pstats.Stats(prof, stream=out)
                st.sort_stats(order).print_stats(restrict, 16) if isinstance(restrict, str) \
                    else st.sort_stats(order).print_stats(restrict)
                text = out.getvalue().replace(str(ROOT) + "/", "").replace(
                    str(Path(pstats.__file__).parent) + "/site-packages/", "")
                body = text[text.find("   ncalls"):] if "   ncalls" in text else text
                lines += ["", f"cProfile, {which} page: {label}, 10 requests, {what} (seconds):",
                          "```", body.rstrip(), "```"]
    finally:
        event.remove(engine, "before_cursor_execute", before_sql)
        event.remove(engine, "after_cursor_execute", after_sql)
        before_render_template.disconnect(on_before, app)
        template_rendered.disconnect(on_rendered, app)
        engine.dispose()
    return lines


# --------------------------------------------------------------------------- writes while reading

class SupportWriter:
    """A resident who supports, then withdraws support on, one published proposal, alternately,
    every WRITE_EVERY seconds while a wrk run reads (see `during`). Through HTTP like a browser: the
    proposal page's support (or unsupport) form gives the csrf_token, the POST must answer 303 and
    its target (followed, as a browser does) must then show the opposite form: the write took.
    Writes are paced from the start of the run (one now, then every WRITE_EVERY s); a slow write
    delays the next one, never bunches them."""

    def __init__(self, base: str, username: str, password: str, proposal_id: int, every: float = WRITE_EVERY):
        self.browser = Browser(base)
        self.browser.sign_in(username, password)  # once: a real password hash
        self.username, self.every = username, every
        self.path = f"/c/{SLUG}/proposals/{proposal_id}"
        self.page: bytes | None = None  # the last proposal page seen: its form gives the next write
        self.runs: dict[str, dict] = {}  # per case label: {"support": n, "unsupport": n, "failures": [...]}

    def _write(self, run: dict) -> None:
        if self.page is None:
            status, _, page = self.browser.request(self.path)
            if status != 200:
                raise RuntimeError(f"GET {self.path} answered {status}")
            self.page = page
        for action in ("support", "unsupport"):
            token = form_token(self.page, f"{self.path}/{action}")
            if token:
                break
        else:
            raise RuntimeError(f"no support or unsupport form on {self.path}")
        self.page = None  # whatever happens next, the following write starts from a fresh GET
        status, location, _ = self.browser.request(f"{self.path}/{action}", {"csrf_token": token})
        if status != 303 or not location:
            raise RuntimeError(f"POST {self.path}/{action} answered {status}, not 303")
        status, _, page = self.browser.request(location)
        if status != 200:
            raise RuntimeError(f"after {action}, {location} answered {status}")
        other = "unsupport" if action == "support" else "support"
        if not form_token(page, f"{self.path}/{other}"):
            raise RuntimeError(f"after {action} (303), the page shows no {other} form: the write did not take")
        self.page = page
        run[action] += 1

    def _loop(self, run: dict, stop: threading.Event) -> None:
        next_at = time.monotonic()
        while not stop.is_set():  # bounded by the wrk run that `during` is held around
            try:
                self._write(run)
            except Exception as e:  # counted and reported; the run goes on
                run["failures"].append(f"{type(e).__name__}: {e}")
            next_at = max(next_at + self.every, time.monotonic())
            stop.wait(next_at - time.monotonic())

    @contextlib.contextmanager
    def during(self, label: str):
        """Writes in a background thread while the `with` body (one wrk run) runs."""
        run = self.runs[label] = {"support": 0, "unsupport": 0, "failures": []}
        stop = threading.Event()
        thread = threading.Thread(target=self._loop, args=(run, stop), name="bench-writer", daemon=True)
        thread.start()
        try:
            yield run
        finally:
            stop.set()
            thread.join(timeout=30)  # a write in progress finishes (its requests time out at 10-20 s)
            if thread.is_alive():
                run["failures"].append("the writer did not stop within 30 s")


def write_cases(facts: dict, cookies: list[str]) -> list[tuple[str, str, object]]:
    """The read-under-writes cases: (label, path, cookie or None), read while SupportWriter writes."""
    base = f"/c/{SLUG}/proposals"
    signed_in = f"signed in, {len(cookies)} resident{'s' if len(cookies) != 1 else ''}"
    every = f"a write every {WRITE_EVERY:g} s"
    return [
        (f"list, newest (first page, {every})", f"{base}/", None),
        (f"list, newest ({signed_in}, {every})", f"{base}/", cookies),
        (f"detail, {BUSY_COMMENTS} comments ({signed_in}, {every})", f"{base}/{facts['busy']}", cookies),
    ]


# --------------------------------------------------------------------------- main

FLOOR = [("portal /healthz (floor: no page, no template)", "/healthz", None)]


def reader_names(n: int = READERS) -> list[str]:
    """The `n` residents the signed-in wrk cases rotate over: RESIDENT and n-1 bulk residents spread
    evenly over r0001…r1999 (for 40: r0001, r0052, …, r1939). The spread takes in supporters and
    commenters of the busy proposal (see seed()), whose pages differ from other residents'."""
    n = max(1, min(n, RESIDENTS))
    step = (RESIDENTS - 1) // (n - 1) if n > 1 else 1
    return [RESIDENT] + [f"r{1 + k * step:04d}" for k in range(n - 1)]


def page_cases(facts: dict, deep: str, cookie) -> list[tuple[str, str, object]]:
    """(label, path, cookie or None) of every timed page; `cookie` marks the signed-in cases. A list
    of cookies (one per reader, handed out in turn by run_wrk) is passed through, and the labels say
    how many residents: "(signed in, 40 residents)"."""
    base = f"/c/{SLUG}/proposals"
    many = isinstance(cookie, list)
    signed_in = f"signed in, {len(cookie)} resident{'s' if len(cookie) != 1 else ''}" if many else "signed in"
    busy, ordinary = f"{base}/{facts['busy']}", f"{base}/{facts['ordinary']}"
    q_common = urllib.parse.quote(SEARCH_COMMON)
    q_none = urllib.parse.quote(SEARCH_NONE)
    return [
        ("list, newest (first page)", f"{base}/", None),
        ("list, most supported", f"{base}/?sort=supported", None),
        (f"list, newest, {DEEP_PAGES} pages deep (keyset)", deep, None),
        ("list, search, common word (many hits)", f"{base}/?q={q_common}", None),
        ("list, search, absent word (no hit)", f"{base}/?q={q_none}", None),
        (f"list, newest ({signed_in})", f"{base}/", cookie),
        (f"list, search, common word ({signed_in})", f"{base}/?q={q_common}", cookie),
        (f"detail, {BUSY_COMMENTS} comments", busy, None),
        ("detail, ordinary", ordinary, None),
        (f"detail, {BUSY_COMMENTS} comments ({signed_in})", busy, cookie),
        (f"detail, ordinary ({signed_in})", ordinary, cookie),
    ]


def seeded(db_path: Path) -> dict:
    """Seed `db_path`, or reuse it when BENCH_DB names a database this script seeded before."""
    import json

    facts_path = db_path.with_name(db_path.name + ".json")
    if KEEP_DB and db_path.exists() and facts_path.exists():
        facts = json.loads(facts_path.read_text())
        log(f"reusing the database seeded before in {db_path}")
        return facts
    if db_path.exists():
        db_path.unlink()
    log("seeding a SQLite database …")
    facts = seed(f"sqlite:///{db_path}")
    log(f"  seeded in {facts['seconds']:.1f}s")
    if KEEP_DB:
        facts_path.write_text(json.dumps(facts))
    return facts


def deep_path_in_process(db_url: str) -> str:
    """The list page BENCH_DEEP "More proposals" links deep, followed with the test client."""
    from config import DevelopmentConfig
    from portal import create_app

    app = create_app(type("BenchConfig", (DevelopmentConfig,), {"SQLALCHEMY_DATABASE_URI": db_url}))
    client, base = app.test_client(), f"/c/{SLUG}/proposals/"
    deep = base
    for _ in range(DEEP_PAGES):  # bounded: follow the keyset cursor
        r = client.get(deep, headers={"User-Agent": USER_AGENT})
        link = next_link(r.get_data()) if r.status_code == 200 else None
        if not link:
            break
        deep = urllib.parse.urljoin(base, link)
    return deep


def in_process() -> int:
    """BENCH_WRK=0: seed (or reuse BENCH_DB), then the in-process split of every page."""
    portal_on_path()
    t0 = time.monotonic()
    load_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="yishi-bench-") as tmp:
        db_path = Path(KEEP_DB).resolve() if KEEP_DB else Path(tmp) / "bench.sqlite3"
        compile_catalogs()
        facts = seeded(db_path)
        db_url = f"sqlite:///{db_path}"
        cases = page_cases(facts, deep_path_in_process(db_url), True)
        lines = [now_line("Yishi proposals benchmark, in-process only (BENCH_WRK=0)"),
                 machine_line() + f" (at start {load_start:.2f})",
                 f"data: {facts['proposals']} proposals, {facts['supports']} supports, {facts['comments']} "
                 f"comments ({facts['busy_comments']} on #{facts['busy']}); SQLite; DevelopmentConfig "
                 "(visitor pages after the first request are page-cache hits)"]
        lines += profile(db_url, FLOOR + cases, with_hello=True)
    lines.append(f"\n(total {time.monotonic() - t0:.0f}s)")
    print("\n".join(lines))
    return 0


def main() -> int:
    if not WITH_WRK:
        return in_process()
    if rc := preflight():
        return rc
    stop_on_sigterm()
    t0 = time.monotonic()
    load_start = os.getloadavg()[0]
    servers: list[Server] = []
    with tempfile.TemporaryDirectory(prefix="yishi-bench-") as tmp:
        tmp = Path(tmp)
        db_url = f"sqlite:///{tmp / 'bench.sqlite3'}"
        try:
            compile_catalogs()
            log("seeding a temporary SQLite database …")
            facts = seed(db_url)
            log(f"  seeded in {facts['seconds']:.1f}s")

            hello = start_hello(tmp)
            servers.append(hello)
            portal = start_portal(db_url, tmp)
            servers.append(portal)
            hello.wait_ready()
            portal.wait_ready("/healthz")
            readers, t_in = reader_names(), time.monotonic()
            cookies = [sign_in(portal.base, name, PASSWORD) for name in readers]  # bounded by READERS
            if len(set(cookies)) != len(cookies):
                raise RuntimeError("two readers were given the same session cookie")
            log(f"  signed in {len(readers)} residents ({', '.join(readers[:4])}"
                f"{', …, ' + readers[-1] if len(readers) > 4 else ''}) in {time.monotonic() - t_in:.1f}s "
                "(a real password hash each)")

            base = f"/c/{SLUG}/proposals"
            deep, page = f"{base}/", check_page(portal.base + f"{base}/", None)
            for _ in range(DEEP_PAGES):  # bounded: follow the keyset cursor
                link = next_link(page["body"])
                if not link:
                    break
                deep = urllib.parse.urljoin(f"{base}/", link)
                page = check_page(portal.base + deep, None)
            cases = page_cases(facts, deep, cookies)
            writes = write_cases(facts, cookies)
            floor = FLOOR
            pages = {label: check_page(portal.base + path, ck) for label, path, ck in floor + cases + writes}
            hello_page = check_page(hello.base + "/", None)
            writer = SupportWriter(portal.base, facts["writer"], PASSWORD, facts["written"])

            log(f"wrk -t1 -c8 -d{DURATION}s, {len(cases) + len(writes) + 3} runs, the last {len(writes)} while "
                f"{facts['writer']} supports/unsupports #{facts['written']} every {WRITE_EVERY:g} s …")
            base1, results, base2 = wrk_between_baselines(
                hello.base, portal.base, floor + cases + writes,
                during={label: (lambda label=label: writer.during(label)) for label, _, _ in writes})
            load_end = os.getloadavg()[0]
        finally:
            for s in reversed(servers):
                s.stop()

        bare, base_lines = baseline_lines(base1, base2)
        targeted = {label for label, _, _ in cases + writes}
        missed = [label for label, r in results if label in targeted and
                  (r["rps"] / bare < TARGET_RATIO or r["p99"] is None or r["p99"] >= TARGET_P99)]
        prof_lines = []
        if PROFILE and missed:
            log("a target is missed: profiling in-process …")
            prof_lines = profile(db_url, floor + cases)

    rows = [("bare Flask hello (before)", base1, hello_page), ("bare Flask hello (after)", base2, hello_page)] + \
        [(label, r, pages[label]) for label, r in results]
    st = facts["states"]
    lines = [
        now_line("Yishi proposals benchmark"),
        machine_line() + f" (at start {load_start:.2f}, after wrk {load_end:.2f})",
        f"data: {facts['proposals']} proposals in {SLUG} ("
        + ", ".join(f"{k} {v}" for k, v in sorted(st.items(), key=lambda kv: -kv[1])) + f"), "
        f"{facts['supports']} supports from {RESIDENTS} residents, {facts['comments']} comments "
        f"({facts['busy_comments']} on #{facts['busy']}), {facts['events']} audit events; seeded in "
        f"{facts['seconds']:.0f}s",
        f"SQLite; gunicorn -w 2; wrk -t1 -c8 -d{DURATION}s, signed-in pages rotating over {len(cookies)} "
        f"residents' sessions; target per list/detail page: >= "
        f"{TARGET_RATIO:.0%} of bare req/s and p99 < {TARGET_P99:.0f} ms",
        f"the last {len(writes)} cases (\"a write every {WRITE_EVERY:g} s\") are read-under-writes: while wrk "
        f"read, {facts['writer']} (not a reader) supported and withdrew support on #{facts['written']} in "
        "turn over HTTP; every write moves the community's audit_seq, so every cached page starts over "
        "(writes per case below the table); they count for the target like the others",
        base_lines[0],
        "",
        *table(rows, bare, width=max(46, *(len(label) for label, _, _ in rows)),
               targets=(TARGET_RATIO, TARGET_P99), target_labels=targeted),
    ]
    lines.append("")
    for label, _, _ in writes:
        run = writer.runs.get(label, {"support": 0, "unsupport": 0, "failures": ["not run"]})
        n = run["support"] + run["unsupport"]
        lines.append(f"writes during \"{label}\": {n} (support {run['support']}, unsupport "
                     f"{run['unsupport']}), {len(run['failures'])} failed"
                     + (": " + "; ".join(dict.fromkeys(run["failures"])) if run["failures"] else ""))
    if len(base_lines) > 1:
        lines.append("\n" + base_lines[1])
    lines.append(f"\ntargets met on {len(targeted) - len(missed)} of {len(targeted)} list/detail pages")
    lines += prof_lines
    lines.append(f"\n(total {time.monotonic() - t0:.0f}s)")
    print("\n".join(lines))
    bad = [label for label, r in results if r["non2xx"] or r["errors"]]
    bad += [label for label, run in writer.runs.items()
            if run["failures"] or not run["support"] + run["unsupport"]]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
