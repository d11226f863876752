"""Every read of the work queue (docs/architecture.md, "For me to do"): one statement per group
shown, whatever the number of items, and one for the header's count.

The count and the page agree on what is waiting: `count_columns` is the count of the same groups
as `for_committee`, `for_mediator` and `for_resident`, written as correlated scalar subqueries so
that it can join the signed-in reader's one statement of a cache hit (portal/cache/readers.py)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import and_, bindparam, case, exists, func, or_, select
from sqlalchemy.orm import aliased

from ..auth.models import User
from ..communities.models import Community, MemberRole, Membership
from ..db import TZDateTime, utcnow
from ..extensions import db
from ..mediation import states as case_states
from ..mediation.models import MediationCase, MediatorAssignment
from ..moderation.models import Flag
from ..proposals.models import Proposal
from ..rules.models import Amendment, RuleVersion
from ..votes.models import ElectorateEntry, Poll, RollEntry

LIMIT = 50  # items shown per group; the group's heading gives the full count
NEAR_DAYS = 3  # a proposal under review is "near its deadline" this many days before it
ANSWERS_DAYS = 30  # the answers to one's proposals are shown this long

# The committee's cases waiting: a request to decide, an accepted case without a mediator at work.
CASES_WAITING = ("requested", "accepted")
# A mediator's cases: assigned to them and not yet at an outcome.
CASES_MEDIATED = ("accepted", "mediating")


@dataclass
class Row:
    obj: Any
    due: datetime | None = None  # the deadline or the date it waits from
    overdue: bool = False
    extra: Any = None


@dataclass
class Group:
    key: str
    rows: list[Row] = field(default_factory=list)
    total: int = 0

    @property
    def overdue(self) -> int:
        return sum(1 for r in self.rows if r.overdue)


def _days(name: str, default: int) -> int:
    return int(current_app.config.get(name, default))


# ---------------------------------------------------------------- the count (header, landing)

def count_expression(cid, uid, mid, now, near):
    """What waits for the person in the community, an integer SQL expression: scalar subqueries
    correlated to the community id, user id and membership id expressions given."""
    roll_n = select(func.count()).select_from(RollEntry).where(RollEntry.poll_id == Poll.id).scalar_subquery()
    first_flag = aliased(Flag)
    pm = Membership.__table__.alias("pm")
    committee = [
        select(func.count()).select_from(pm).where(pm.c.community_id == cid, pm.c.status == "pending")
        .scalar_subquery(),
        select(func.count()).select_from(MediationCase).where(
            MediationCase.community_id == cid, MediationCase.state.in_(CASES_WAITING)).scalar_subquery(),
        select(func.count()).select_from(Proposal).where(
            Proposal.community_id == cid, Proposal.state == "under_review",
            Proposal.answer_due_at < near).scalar_subquery(),
        select(func.count()).select_from(Flag).where(
            Flag.community_id == cid, Flag.resolved_at.is_(None),
            ~exists().where(first_flag.subject_type == Flag.subject_type, first_flag.subject_id == Flag.subject_id,
                            first_flag.resolved_at.is_(None), first_flag.id < Flag.id)).scalar_subquery(),
        select(func.count()).select_from(Amendment).join(RuleVersion, RuleVersion.id == Amendment.version_id).where(
            Amendment.community_id == cid, RuleVersion.status == "revision", Amendment.decision.is_(None),
            Amendment.hidden_at.is_(None)).scalar_subquery(),
        select(func.count()).select_from(Poll).where(
            Poll.community_id == cid, Poll.state == "open",
            or_(Poll.closes_at <= now, and_(Poll.electorate_count > 0, roll_n >= Poll.electorate_count)))
        .scalar_subquery(),
    ]
    mediator = select(func.count()).select_from(MediatorAssignment).join(
        MediationCase, MediationCase.id == MediatorAssignment.case_id).where(
        MediationCase.community_id == cid, MediatorAssignment.mediator_id == uid,
        MediatorAssignment.active.is_(True), MediationCase.state.in_(CASES_MEDIATED)).scalar_subquery()
    # correlate_except: two levels down, the reader's user id must come from the outer statement
    voted = select(RollEntry.poll_id).where(RollEntry.user_id == uid).correlate_except(RollEntry)
    resident = select(func.count()).select_from(Poll).join(ElectorateEntry, ElectorateEntry.poll_id == Poll.id).where(
        Poll.community_id == cid, Poll.state == "open", Poll.closes_at > now, ElectorateEntry.user_id == uid,
        Poll.id.not_in(voted)).scalar_subquery()
    is_committee = exists().where(MemberRole.membership_id == mid, MemberRole.role == "committee")
    return case((is_committee, sum(committee[1:], committee[0])), else_=0) + mediator + resident


def count_columns(t: dict) -> list:
    """The count as a labelled column of the signed-in reader's one statement (the tables `t`:
    community, user, membership; the time is the bind parameter `queue_now`)."""
    now, near = bindparam("queue_now", type_=TZDateTime()), bindparam("queue_near", type_=TZDateTime())
    m = t["membership"]
    n = count_expression(t["community"].c.id, t["user"].c.id, m.c.id, now, near)
    return [case((m.c.status == "verified", n), else_=0).label("queue_count")]


def count_params() -> dict:
    now = utcnow()
    return {"queue_now": now, "queue_near": now + timedelta(days=NEAR_DAYS)}


def my_communities(user) -> list:
    """The person's verified communities with what waits there: [(community, count)], one statement."""
    m, now = Membership.__table__, utcnow()
    n = count_expression(m.c.community_id, m.c.user_id, m.c.id, now, now + timedelta(days=NEAR_DAYS))
    rows = db.session.execute(select(Community, n).join(m, m.c.community_id == Community.id).where(
        m.c.user_id == user.id, m.c.status == "verified").order_by(m.c.id)).all()
    return [(c, int(k or 0)) for c, k in rows]


def counts_of(user, community_id: int | None = None) -> dict[int, int]:
    """{community id: count} over the person's verified memberships (or that one community's):
    one statement."""
    m, now = Membership.__table__, utcnow()
    q = select(m.c.community_id, count_expression(m.c.community_id, m.c.user_id, m.c.id, now,
                                                  now + timedelta(days=NEAR_DAYS))).where(
        m.c.user_id == user.id, m.c.status == "verified")
    if community_id is not None:
        q = q.where(m.c.community_id == community_id)
    return {cid: int(n or 0) for cid, n in db.session.execute(q.order_by(m.c.id))}


# ---------------------------------------------------------------- the page's groups

def _overdue_case(c: MediationCase, now: datetime) -> bool:
    triage, outcome = _days("MEDIATION_TRIAGE_DAYS", 3), _days("MEDIATION_OUTCOME_DAYS", 30)
    if c.state == "requested":
        return now - c.requested_at > timedelta(days=triage)
    return c.assigned_at is not None and now - c.assigned_at > timedelta(days=outcome)


def _case_due(c: MediationCase) -> datetime:
    if c.state == "requested":
        return c.requested_at + timedelta(days=_days("MEDIATION_TRIAGE_DAYS", 3))
    return (c.assigned_at or c.requested_at) + timedelta(days=_days("MEDIATION_OUTCOME_DAYS", 30))


def _sorted(group: Group) -> Group:
    """Overdue first, then the nearest deadline."""
    far = datetime.max.replace(tzinfo=utcnow().tzinfo)
    group.rows.sort(key=lambda r: (not r.overdue, r.due or far))
    return group


def for_committee(community, now: datetime | None = None) -> list[Group]:
    now = now or utcnow()
    near = now + timedelta(days=NEAR_DAYS)
    groups = []

    joins = db.session.execute(select(Membership.id, Membership.requested_at, User.display_name)
                               .join(User, User.id == Membership.user_id).where(
        Membership.community_id == community.id, Membership.status == "pending")
        .order_by(Membership.requested_at, Membership.id).limit(LIMIT)).all()
    groups.append(Group("joins", [Row(m, m.requested_at, False, m.display_name) for m in joins]))

    cases = db.session.execute(select(MediationCase).where(
        MediationCase.community_id == community.id, MediationCase.state.in_(CASES_WAITING))
        .order_by(MediationCase.requested_at, MediationCase.id).limit(LIMIT)).scalars().all()
    groups.append(Group("cases", [Row(c, _case_due(c), _overdue_case(c, now)) for c in cases]))

    proposals = db.session.execute(select(Proposal).where(
        Proposal.community_id == community.id, Proposal.state == "under_review", Proposal.answer_due_at < near)
        .order_by(Proposal.answer_due_at, Proposal.id).limit(LIMIT)).scalars().all()
    groups.append(Group("proposals", [Row(p, p.answer_due_at, p.answer_due_at < now) for p in proposals]))

    flags = db.session.execute(select(Flag.subject_type, Flag.subject_id, func.count(), func.min(Flag.created_at))
                               .where(Flag.community_id == community.id, Flag.resolved_at.is_(None))
                               .group_by(Flag.subject_type, Flag.subject_id)
                               .order_by(func.min(Flag.created_at)).limit(LIMIT)).all()
    # One row per reported item: its kind and how often it was reported. What it says is on the
    # reports page, where it is handled (reading each kind's items here would cost a statement each).
    groups.append(Group("reports", [Row((t, i), at, False, n) for t, i, n, at in flags]))

    amendments = db.session.execute(select(Amendment).join(RuleVersion, RuleVersion.id == Amendment.version_id).where(
        Amendment.community_id == community.id, RuleVersion.status == "revision", Amendment.decision.is_(None),
        Amendment.hidden_at.is_(None)).order_by(Amendment.created_at, Amendment.id).limit(LIMIT)).scalars().all()
    groups.append(Group("amendments", [Row(a, a.created_at) for a in amendments]))

    roll_n = select(func.count()).select_from(RollEntry).where(RollEntry.poll_id == Poll.id).scalar_subquery()
    polls = db.session.execute(select(Poll, roll_n).where(
        Poll.community_id == community.id, Poll.state == "open",
        or_(Poll.closes_at <= now, and_(Poll.electorate_count > 0, roll_n >= Poll.electorate_count)))
        .order_by(Poll.closes_at, Poll.id).limit(LIMIT)).all()
    groups.append(Group("polls", [Row(p, p.closes_at, p.closes_at <= now, n) for p, n in polls]))
    return groups


def for_mediator(community, user, now: datetime | None = None) -> Group:
    now = now or utcnow()
    cases = db.session.execute(select(MediationCase).join(
        MediatorAssignment, MediatorAssignment.case_id == MediationCase.id).where(
        MediationCase.community_id == community.id, MediatorAssignment.mediator_id == user.id,
        MediatorAssignment.active.is_(True), MediationCase.state.in_(CASES_MEDIATED))
        .order_by(MediationCase.assigned_at, MediationCase.id).limit(LIMIT)).scalars().all()
    return Group("assigned", [Row(c, _case_due(c), _overdue_case(c, now)) for c in cases])


def for_resident(community, user, now: datetime | None = None) -> list[Group]:
    """Votes waiting for them (counted), then what they may want to read: the answers to their
    proposals of the last 30 days and their open cases (not counted: nothing to do)."""
    now = now or utcnow()
    voted = select(RollEntry.poll_id).where(RollEntry.user_id == user.id)
    votes = db.session.execute(select(Poll).join(ElectorateEntry, ElectorateEntry.poll_id == Poll.id).where(
        Poll.community_id == community.id, Poll.state == "open", Poll.closes_at > now,
        ElectorateEntry.user_id == user.id, Poll.id.not_in(voted))
        .order_by(Poll.closes_at, Poll.id).limit(LIMIT)).scalars().all()
    answers = db.session.execute(select(Proposal).where(
        Proposal.community_id == community.id, Proposal.author_id == user.id, Proposal.answered_at.is_not(None),
        Proposal.answered_at > now - timedelta(days=ANSWERS_DAYS))
        .order_by(Proposal.answered_at.desc(), Proposal.id.desc()).limit(LIMIT)).scalars().all()
    cases = db.session.execute(select(MediationCase).where(
        MediationCase.community_id == community.id, MediationCase.state.in_(case_states.OPEN),
        or_(MediationCase.requester_id == user.id, MediationCase.other_party_id == user.id))
        .order_by(MediationCase.requested_at.desc(), MediationCase.id.desc()).limit(LIMIT)).scalars().all()
    return [Group("votes", [Row(p, p.closes_at, False) for p in votes]),
            Group("answers", [Row(p, p.answered_at) for p in answers]),
            Group("mycases", [Row(c, c.requested_at) for c in cases])]


COUNTED = ("joins", "cases", "proposals", "reports", "amendments", "polls", "assigned", "votes")


def page(ctx) -> list[Group]:
    """The groups the person sees, each sorted overdue first; committee groups only for the
    committee, the mediator's only for a mediator; groups with overdue items come first."""
    c, user = ctx.community, ctx.user
    now = utcnow()
    groups: list[Group] = []
    if ctx.has_role("committee"):
        groups += for_committee(c, now)
    if ctx.has_role("mediator"):
        groups.append(for_mediator(c, user, now))
    if ctx.verified:
        groups += for_resident(c, user, now)
    for g in groups:
        g.total = len(g.rows)
        _sorted(g)
    return sorted(groups, key=lambda g: (g.overdue == 0, g.key not in COUNTED))
