"""Read-side queries of the "my things" page (a constant number of statements)."""
from __future__ import annotations

from sqlalchemy import func, select

from ..assisted.models import AssistedAction
from ..extensions import db
from ..proposals.models import Proposal
from ..votes.models import ElectorateEntry, Poll, RollEntry

LIMIT = 20


def my_proposals(community, user) -> list[Proposal]:
    """The resident's own proposals, drafts included, newest first."""
    return db.session.execute(select(Proposal).where(
        Proposal.community_id == community.id, Proposal.author_id == user.id)
        .order_by(Proposal.created_at.desc(), Proposal.id.desc()).limit(LIMIT)).scalars().all()


def votes_waiting(community, user) -> list[Poll]:
    """Open polls whose electorate holds this resident and where they have not taken part yet."""
    voted = select(RollEntry.poll_id).where(RollEntry.user_id == user.id)
    return db.session.execute(select(Poll).join(ElectorateEntry, ElectorateEntry.poll_id == Poll.id).where(
        Poll.community_id == community.id, Poll.state == "open", ElectorateEntry.user_id == user.id,
        Poll.id.not_in(voted)).order_by(Poll.closes_at, Poll.id).limit(LIMIT)).scalars().all()


def recorded_count(community, user) -> int:
    """How many actions the committee recorded with this resident (all of them, not a page)."""
    return db.session.execute(select(func.count()).select_from(AssistedAction).where(
        AssistedAction.community_id == community.id, AssistedAction.resident_id == user.id)).scalar_one()
