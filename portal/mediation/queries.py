"""Read-only queries of the mediation pages: each a fixed number of statements."""
from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, or_, select

from ..auth.models import User
from ..communities.models import MemberRole, Membership
from ..db import utcnow
from ..extensions import db
from . import states
from .models import (CATEGORIES, Agreement, CaseSession, CorrectionRequest, FollowUp, MediationCase,
                     MediatorAssignment, Rating)

# Figures below this count are shown as "fewer than N": in a village, "1 family dispute"
# may be enough to tell who it was.
MIN_CELL = 3


def case_of(community, case_id: int) -> MediationCase | None:
    """The case of this community with this id (whoever may see it: permissions.can_view)."""
    if case_id >= 2**31:  # beyond the id column's range is no case (PostgreSQL would refuse to compare)
        return None
    return db.session.execute(select(MediationCase).where(
        MediationCase.id == case_id, MediationCase.community_id == community.id)).scalar_one_or_none()


def assignment_of(community, case, assignment_id: int) -> MediatorAssignment | None:
    """A mediator's assignment to this case of this community."""
    if assignment_id >= 2**31 or case.community_id != community.id:
        return None
    a = db.session.get(MediatorAssignment, assignment_id)
    return a if a is not None and a.case_id == case.id else None


def person(community, user_id) -> User | None:
    """The account with this id (the services check what it is in the community)."""
    return db.session.get(User, user_id) if isinstance(user_id, int) and 0 < user_id < 2**31 else None


def names(community, ids) -> dict[int, str]:
    """Display names of the people a page of this community's case names."""
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {u.id: u.display_name for u in db.session.execute(select(User).where(User.id.in_(ids))).scalars()}


def households(community, user_ids) -> dict[int, str]:
    """The household (户) the roster gives each of these people in this community: what a people's
    mediation agreement names a party by, besides the name (nothing more is read)."""
    from ..roster.models import Household, HouseholdMember

    ids = {i for i in user_ids if i}
    if not ids:
        return {}
    return dict(db.session.execute(
        select(Membership.user_id, Household.name).join(HouseholdMember, HouseholdMember.membership_id == Membership.id)
        .join(Household, Household.id == HouseholdMember.household_id)
        .where(Membership.community_id == community.id, Membership.user_id.in_(ids))).all())


def agreement_of(community, case) -> Agreement | None:
    return db.session.execute(select(Agreement).where(Agreement.case_id == case.id)).scalar_one_or_none()


@dataclass
class CaseRecord:
    """What the case page shows besides the case itself."""
    assignments: list  # every assignment, active or not, in order
    sessions: list
    agreement: Agreement | None
    follow_ups: list
    corrections: list  # only when asked for (the committee)


def case_record(community, case, *, corrections: bool) -> CaseRecord:
    """Everything the case page lists, a fixed number of statements."""
    assignments = assignments_of(case)
    sessions = db.session.execute(select(CaseSession).where(CaseSession.case_id == case.id)
                                  .order_by(CaseSession.held_on, CaseSession.id)).scalars().all()
    follow_ups = db.session.execute(select(FollowUp).where(FollowUp.case_id == case.id)
                                    .order_by(FollowUp.id)).scalars().all()
    asked = db.session.execute(select(CorrectionRequest).where(CorrectionRequest.case_id == case.id)
                               .order_by(CorrectionRequest.id)).scalars().all() if corrections else []
    return CaseRecord(assignments, sessions, agreement_of(community, case), follow_ups, asked)


def assignments_of(case) -> list[MediatorAssignment]:
    """Every assignment of the case, active or not, in order."""
    return db.session.execute(select(MediatorAssignment).where(MediatorAssignment.case_id == case.id)
                              .order_by(MediatorAssignment.id)).scalars().all()


def own_assignment(case, user) -> MediatorAssignment | None:
    """The acting person's active assignment to this case, if they mediate it."""
    if user is None:
        return None
    return db.session.execute(select(MediatorAssignment).where(
        MediatorAssignment.case_id == case.id, MediatorAssignment.mediator_id == user.id,
        MediatorAssignment.active.is_(True))).scalar_one_or_none()


def mediator_ids(case) -> frozenset[int]:
    return frozenset(db.session.execute(select(MediatorAssignment.mediator_id).where(
        MediatorAssignment.case_id == case.id, MediatorAssignment.active.is_(True))).scalars())


def my_cases(community, user, limit: int = 200) -> list[MediationCase]:
    """Cases where this person is a party or an active mediator."""
    mediating = select(MediatorAssignment.case_id).where(MediatorAssignment.mediator_id == user.id,
                                                         MediatorAssignment.active.is_(True))
    return db.session.execute(select(MediationCase).where(
        MediationCase.community_id == community.id,
        or_(MediationCase.requester_id == user.id, MediationCase.other_party_id == user.id,
            MediationCase.id.in_(mediating))).order_by(MediationCase.requested_at.desc()).limit(limit)).scalars().all()


def undeclared_case_ids(user) -> set[int]:
    """Cases this mediator is assigned to and has not yet declared no conflict on."""
    return set(db.session.execute(select(MediatorAssignment.case_id).where(
        MediatorAssignment.mediator_id == user.id, MediatorAssignment.active.is_(True),
        MediatorAssignment.no_conflict_declared.is_(False))).scalars())


@dataclass
class CaseRow:
    case: MediationCase
    overdue: str  # "", "triage" or "outcome"


def deadlines() -> tuple[int, int]:
    return (int(current_app.config.get("MEDIATION_TRIAGE_DAYS", 3)),
            int(current_app.config.get("MEDIATION_OUTCOME_DAYS", 30)))


def overdue_kind(case, now=None) -> str:
    now = now or utcnow()
    triage_days, outcome_days = deadlines()
    if case.state == "requested" and now - case.requested_at > timedelta(days=triage_days):
        return "triage"
    if case.state in ("accepted", "mediating") and case.assigned_at is not None and \
            now - case.assigned_at > timedelta(days=outcome_days):
        return "outcome"
    return ""


def committee_cases(community, state: str = "") -> list[CaseRow]:
    q = select(MediationCase).where(MediationCase.community_id == community.id)
    if state == "open":
        q = q.where(MediationCase.state.in_(states.OPEN))
    elif state in states.STATES:
        q = q.where(MediationCase.state == state)
    rows = db.session.execute(q.order_by(MediationCase.requested_at.desc()).limit(300)).scalars().all()
    now = utcnow()
    out = [CaseRow(c, overdue_kind(c, now)) for c in rows]
    out.sort(key=lambda r: (r.overdue == "", r.case.urgency != "urgent"))  # overdue and urgent first
    return out


def mediators_of(community) -> list[User]:
    return db.session.execute(select(User).join(Membership, Membership.user_id == User.id)
                              .join(MemberRole, MemberRole.membership_id == Membership.id)
                              .where(Membership.community_id == community.id, Membership.status == "verified",
                                     MemberRole.role == "mediator").order_by(User.display_name)).scalars().all()


@dataclass
class Figures:
    total: int
    by_category: list  # (key, count or None when suppressed)
    by_outcome: list
    median_days: float | None
    ratings: int
    mean_stars: float | None


def _cell(n: int):
    return n if n >= MIN_CELL else None


def figures(community) -> Figures:
    """Aggregate, anonymous figures: nothing here can name a case."""
    rows = db.session.execute(select(MediationCase.category, MediationCase.state, MediationCase.final_state, MediationCase.requested_at,
                                     MediationCase.triaged_at, MediationCase.outcome_at, MediationCase.closed_at)
                              .where(MediationCase.community_id == community.id)).all()
    by_cat = Counter(r.category for r in rows)
    outcome_of = {"agreement_written": "agreement", "agreement_oral": "agreement", "followed_up": "agreement",
                  "closed": "agreement", "failed": "failed", "declined": "declined", "withdrawn": "withdrawn",
                  "party_declined": "party_declined"}
    by_out = Counter(outcome_of.get(r.final_state if r.state == "anonymised" else r.state, "open") for r in rows)
    days = [((r.closed_at or r.outcome_at) - r.requested_at).total_seconds() / 86400 for r in rows
            if r.outcome_at is not None]
    stars = db.session.execute(select(func.count(Rating.id), func.avg(Rating.stars))
                               .join(MediationCase, MediationCase.id == Rating.case_id)
                               .where(MediationCase.community_id == community.id)).one()
    n_ratings = int(stars[0] or 0)
    return Figures(
        total=len(rows),
        by_category=[(k, _cell(by_cat[k])) for k in CATEGORIES],
        by_outcome=[(k, _cell(by_out[k])) for k in ("agreement", "failed", "declined", "withdrawn", "party_declined",
                                                                 "open")],
        median_days=round(statistics.median(days), 1) if len(days) >= MIN_CELL else None,
        ratings=n_ratings, mean_stars=round(float(stars[1]), 1) if n_ratings >= MIN_CELL else None)
