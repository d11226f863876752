"""Demo mediation cases in 东山村 (DEMO DATA ONLY): one waiting for the committee, one in
mediation, one with a written agreement, and closed ones with ratings for the figures.

Dates are relative to the seeding day: each step is moved back after the service wrote "now"
(asked → decided a day later → mediator the day after → sessions → outcome → closed). Only the
urgent request of 孙大爷 is late on purpose (waiting 5 days, the committee has 3)."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from ..db import utcnow
from ..extensions import db
from . import services as ms
from .models import MediatorAssignment


def seed(community, users) -> dict[str, int]:
    wang, zhao, zhang, liu, sun = (users[k] for k in ("wang", "zhao", "zhang", "liu", "13800000001"))
    now = utcnow()

    def request(who, category, story, wish, other, other_user=None, urgency="normal", days_ago=2):
        case = ms.file_request(community, category=category, what_happened=story, what_they_want=wish,
                               other_party_name=other, other_party_contact="", other_party=other_user,
                               contact_time="晚饭以后", urgency=urgency, consent=True, actor=who)
        case.requested_at = now - timedelta(days=days_ago)
        return case

    def steps(case, *, triaged=1, assigned=2, outcome=None, closed=None):
        """Days after the request for each step that happened."""
        def at(days):
            return case.requested_at + timedelta(days=days)

        case.triaged_at = at(triaged)
        case.assigned_at = at(assigned)
        for a in db.session.execute(select(MediatorAssignment).where(MediatorAssignment.case_id == case.id)).scalars():
            a.assigned_at = at(assigned)
        if outcome is not None:
            case.outcome_at = at(outcome)
        if closed is not None:
            case.closed_at = at(closed)

    waiting = request(sun, "land_housing", "邻居李家盖新房，墙砌到了我家的宅基地上，占了半米。",
                      "请村里来量一量，按原来的界线办。", "李家（李老三）", urgency="urgent", days_ago=5)

    busy = request(zhang, "noise_sanitation", "楼下刘家每天早上五点就开始剁猪草，声音很大，老人睡不好。",
                   "希望七点以后再干活。", "刘芳", liu, days_ago=12)
    ms.triage(community, busy, True, "属于邻里纠纷，可以调解。", actor=wang)
    ms.other_party_answer(community, busy, True, actor=wang)
    ms.declare_no_conflict(community, busy, ms.assign_mediator(community, busy, zhao, actor=wang), actor=zhao)
    ms.add_session(community, busy, date.today() - timedelta(days=3), "村委会调解室", "张桂兰、刘芳、赵德明",
                   "双方都愿意各让一步，下次带上作息时间再谈。", actor=zhao)
    steps(busy, triaged=1, assigned=3)

    done = request(liu, "neighbours", "张家的排水沟堵了，下雨天水流进我家院子，墙根泡坏了。",
                   "把水沟疏通，墙的修理费一起商量。", "张桂兰", zhang, days_ago=30)
    ms.triage(community, done, True, actor=wang)
    ms.other_party_answer(community, done, True, actor=wang)
    ms.declare_no_conflict(community, done, ms.assign_mediator(community, done, zhao, actor=wang), actor=zhao)
    for i, (place, note) in enumerate((("刘家院子", "看了现场，水沟确实堵了。"), ("村委会调解室", "双方同意分担修理费。"))):
        ms.add_session(community, done, date.today() - timedelta(days=20 - 7 * i), place, "刘芳、张桂兰、赵德明",
                       note, actor=zhao)
    ms.record_outcome(community, done, "written", facts="张家门前排水沟堵塞，雨水流入刘家院子，墙根受损。",
                      issues="谁负责疏通，修墙的费用怎么分担。",
                      terms=[("张桂兰疏通门前排水沟", "自己动手或请人，费用自理", date.today() + timedelta(days=10)),
                             ("修墙费用双方各出一半", "现金当面交付", date.today() + timedelta(days=30))], actor=zhao)
    steps(done, triaged=1, assigned=3, outcome=20)  # agreed 10 days ago, at the second session

    for i, (story, stars) in enumerate((("两家为借钱的事吵架。", 5), ("兄弟分家为老屋吵架。", 4), ("鸡跑到邻居菜地里。", 4))):
        c = request(zhang if i % 2 else sun, ("property_money", "family", "neighbours")[i], story, "好好商量。",
                    "邻居", days_ago=60 + i * 10)
        ms.triage(community, c, True, actor=wang)
        ms.other_party_answer(community, c, True, actor=wang)
        ms.declare_no_conflict(community, c, ms.assign_mediator(community, c, zhao, actor=wang), actor=zhao)
        ms.record_outcome(community, c, "oral", facts="双方当面说好，各退一步。", actor=zhao)
        ms.record_follow_up(community, c, "kept", "", actor=wang)
        ms.close_case(community, c, actor=wang)
        steps(c, outcome=7 + i * 3, closed=12 + i * 3)
        ms.rate(community, c, stars, "", actor=zhang if i % 2 else sun)
    return {"case_waiting": waiting.id, "case_busy": busy.id, "case_agreement": done.id}
