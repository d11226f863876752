"""Demo polls for 东山村 (called from portal.demo.seed): an open vote linked to a
proposal with web and assisted ballots, a closed choice poll with its published
result, a closed roll-call vote, and a draft.

Dates are relative to the seeding day: the open vote started two days ago and runs five more,
the closed ones ran last week and the one before, the draft starts in three days."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from ..db import utcnow
from ..extensions import db
from . import casting, closing
from . import services as vs
from .models import PollResult


def _ran(poll, opened_days_ago: float, closed_days_ago: float | None = None) -> None:
    """Move a seeded poll's dates back (the services wrote "now")."""
    now = utcnow()
    poll.created_at = now - timedelta(days=opened_days_ago + 1)
    poll.opens_at = poll.opened_at = now - timedelta(days=opened_days_ago)
    if closed_days_ago is not None:
        poll.closes_at = poll.closed_at = now - timedelta(days=closed_days_ago)
        result = db.session.get(PollResult, poll.id)
        if result is not None:
            result.computed_at = poll.closed_at


def seed(community, users) -> None:
    from ..proposals.models import Proposal

    wang, zhang, zhao, sun, liu = (users[k] for k in ("wang", "zhang", "zhao", "13800000001", "liu"))
    now = utcnow()
    week = dict(opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=7))
    lights = db.session.execute(select(Proposal.id).where(Proposal.community_id == community.id,
                                                          Proposal.title == "村口装几盏路灯")).scalar_one_or_none()
    open_poll = vs.create_poll(
        community, question="同意从集体资金中拿出 1.2 万元，在村口装 6 盏太阳能路灯吗？",
        description="路灯由村委会统一采购，今年秋收前装好。\n不同意的话，今年就不装了，明年再议。",
        options=[], kind="yes_no_abstain", secret=True, preset="villagers_meeting",
        link_kind="proposal" if lights else None, link_id=lights, **week, actor=wang)
    vs.open_poll(community, open_poll, actor=wang)
    casting.cast(community, open_poll, [1], actor=zhang)
    casting.cast_assisted(community, open_poll, sun, [1], present=True, agreed=True, actor=wang)
    _ran(open_poll, 2)
    open_poll.closes_at = now + timedelta(days=5)

    square = vs.create_poll(
        community, question="村文化广场晚上的活动几点结束？", description="大家商量一个时间，写进村规民约。",
        options=["晚上 8 点半", "晚上 9 点", "晚上 9 点半"], kind="single", secret=True,
        preset="simple_majority", **week, actor=wang)
    vs.open_poll(community, square, actor=wang)
    for person, choice in ((zhang, 2), (zhao, 2), (liu, 1), (wang, 2)):
        casting.cast(community, square, [choice], actor=person)
    casting.cast_assisted(community, square, sun, [3], present=True, agreed=True, actor=wang)
    square.closes_at = utcnow() - timedelta(minutes=5)
    db.session.flush()
    closing.close_if_due(community, square)
    _ran(square, 14, 7)

    budget = vs.create_poll(
        community, question="通过 2026 年村级财务公开表吗？（记名表决）", description="",
        options=[], kind="yes_no_abstain", secret=False, preset="two_thirds", **week, actor=wang)
    vs.open_poll(community, budget, actor=wang)
    for person, choice in ((zhang, 1), (zhao, 1), (liu, 3)):
        casting.cast(community, budget, [choice], actor=person)
    budget.closes_at = utcnow() - timedelta(minutes=5)
    db.session.flush()
    closing.close_if_due(community, budget)
    _ran(budget, 21, 14)

    vs.create_poll(community, question="村里的健身器材放在哪里？", description="（草稿）选项还要再商量。",
                   options=["村委会门口", "小学旁边的空地", "文化广场"], kind="up_to_k", k=2, secret=True,
                   preset="simple_majority", opens_at=now + timedelta(days=3), closes_at=now + timedelta(days=10), actor=wang)
    db.session.flush()
