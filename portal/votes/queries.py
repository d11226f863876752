"""Read-side queries of the votes pages (a constant number of statements per page)."""
from __future__ import annotations

import json

from sqlalchemy import func, select

from ..auth.models import User
from ..communities.models import Membership
from ..extensions import db
from .models import Ballot, ElectorateEntry, PaperTotals, Poll, PollOption, PollResult, RollCallVote, RollEntry

PAGE_SIZE = 50


def list_polls(community, include_drafts: bool) -> dict[str, list[Poll]]:
    q = select(Poll).where(Poll.community_id == community.id)
    if not include_drafts:
        q = q.where(Poll.state != "draft")
    polls = db.session.execute(q.order_by(Poll.closes_at.desc(), Poll.id.desc()).limit(200)).scalars().all()
    out = {"draft": [], "open": [], "closed": []}
    for p in polls:
        out[p.state].append(p)
    out["open"].sort(key=lambda p: p.closes_at)
    return out


def verified_count(community) -> int:
    """The verified residents now: who would be on the list of voters if a poll opened now."""
    return db.session.execute(select(func.count()).select_from(Membership).where(
        Membership.community_id == community.id, Membership.status == "verified")).scalar_one()


def options(poll) -> list[PollOption]:
    return db.session.execute(select(PollOption).where(PollOption.poll_id == poll.id)
                              .order_by(PollOption.position)).scalars().all()


def my_roll_entry(poll, user) -> RollEntry | None:
    if user is None:
        return None
    return db.session.execute(select(RollEntry).where(RollEntry.poll_id == poll.id,
                                                      RollEntry.user_id == user.id)).scalar_one_or_none()


def voted_in(poll_ids: list[int], user) -> set[int]:
    """Which of these polls the user has taken part in (one statement; none asked, none run)."""
    if not poll_ids or user is None:
        return set()
    return set(db.session.execute(select(RollEntry.poll_id).where(
        RollEntry.poll_id.in_(poll_ids), RollEntry.user_id == user.id)).scalars())


def in_electorate(poll, user) -> bool:
    if user is None:
        return False
    return db.session.execute(select(ElectorateEntry.user_id).where(
        ElectorateEntry.poll_id == poll.id, ElectorateEntry.user_id == user.id)).first() is not None


def result(poll) -> PollResult | None:
    return db.session.get(PollResult, poll.id)


def totals(r: PollResult | None) -> list[int]:
    return json.loads(r.totals) if r is not None else []


def participation(poll) -> int:
    return db.session.execute(select(func.count()).select_from(RollEntry)
                              .where(RollEntry.poll_id == poll.id)).scalar_one()


def rollcall(poll) -> list[tuple[str, str]]:
    """(display name, choice) of a closed roll-call poll, by name."""
    rows = db.session.execute(
        select(User.display_name, Ballot.choice)
        .join(RollCallVote, RollCallVote.user_id == User.id)
        .join(Ballot, (Ballot.poll_id == RollCallVote.poll_id) & (Ballot.tracker == RollCallVote.tracker))
        .where(RollCallVote.poll_id == poll.id).order_by(User.display_name, User.id)).all()
    return rows


def ballots_after(poll, after: str) -> list[tuple[str, str]]:
    """One page (plus one row, to know whether there is a next page) after a receipt code."""
    q = select(Ballot.tracker, Ballot.choice).where(Ballot.poll_id == poll.id)
    if after:
        q = q.where(Ballot.tracker > after)
    return db.session.execute(q.order_by(Ballot.tracker).limit(PAGE_SIZE + 1)).all()


def find_ballot(poll, candidates: list[str]) -> tuple[str, str] | None:
    """The ballot with one of these codes (casting.tracker_candidates: what a typed code can mean)."""
    if not candidates:
        return None
    return db.session.execute(select(Ballot.tracker, Ballot.choice).where(
        Ballot.poll_id == poll.id, Ballot.tracker.in_(candidates)).order_by(Ballot.tracker).limit(1)).first()


def ballots_around(poll, tracker: str, n: int = 5) -> list[tuple[str, str]]:
    """The published table's rows around one ballot: n before it, it, n after (by code)."""
    before = db.session.execute(select(Ballot.tracker, Ballot.choice).where(
        Ballot.poll_id == poll.id, Ballot.tracker < tracker).order_by(Ballot.tracker.desc()).limit(n)).all()
    after = db.session.execute(select(Ballot.tracker, Ballot.choice).where(
        Ballot.poll_id == poll.id, Ballot.tracker >= tracker).order_by(Ballot.tracker).limit(n + 1)).all()
    return list(reversed(before)) + list(after)


def waiting_voters(poll, exclude_user_id: int | None) -> list[User]:
    """Electorate members who have not taken part yet (for assisted and paper entry)."""
    taken = select(RollEntry.user_id).where(RollEntry.poll_id == poll.id)
    q = (select(User).join(ElectorateEntry, ElectorateEntry.user_id == User.id)
         .where(ElectorateEntry.poll_id == poll.id, User.id.not_in(taken)))
    if exclude_user_id is not None:
        q = q.where(User.id != exclude_user_id)
    return db.session.execute(q.order_by(User.display_name, User.id)).scalars().all()


def paper_totals(poll) -> PaperTotals | None:
    return db.session.get(PaperTotals, poll.id)


def history(community, user, limit: int = 200) -> list[tuple[Poll, RollEntry, str | None]]:
    """The polls this user took part in, newest first, with who recorded it."""
    recorder = User.__table__.alias("recorder")
    rows = db.session.execute(
        select(Poll, RollEntry, recorder.c.display_name)
        .join(RollEntry, RollEntry.poll_id == Poll.id)
        .outerjoin(recorder, recorder.c.id == RollEntry.recorded_by_id)
        .where(Poll.community_id == community.id, RollEntry.user_id == user.id)
        .order_by(Poll.closes_at.desc(), Poll.id.desc()).limit(limit)).all()
    return rows


def polls_linked_to(community, kind: str, obj_id: int) -> list[Poll]:
    return db.session.execute(select(Poll).where(
        Poll.community_id == community.id, Poll.link_kind == kind, Poll.link_id == obj_id,
        Poll.state != "draft").order_by(Poll.id)).scalars().all()


def paper_people(pt: PaperTotals | None) -> dict[int, str]:
    """The display names of who entered and who confirmed the paper totals, by user id."""
    ids = [i for i in (pt.entered_by_id, pt.confirmed_by_id) if i] if pt is not None else []
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all())
