"""Every read the roster pages need."""
from __future__ import annotations

from sqlalchemy import func, select

from ..communities.models import Membership
from ..extensions import db
from .models import Household, HouseholdMember, LoginCard


def household_count(community) -> int:
    return db.session.execute(select(func.count()).select_from(Household)
                              .where(Household.community_id == community.id)).scalar_one()


def households_page(community, offset: int, limit: int) -> list[Household]:
    return list(db.session.execute(
        select(Household).where(Household.community_id == community.id).order_by(Household.name)
        .limit(limit).offset(offset)).scalars().all())


def members_by_household(community, households: list[Household]) -> dict[int, list[Membership]]:
    """The memberships of each of these households (of this community), oldest first."""
    rows = db.session.execute(
        select(HouseholdMember.household_id, Membership).join(Membership, Membership.id == HouseholdMember.membership_id)
        .where(HouseholdMember.household_id.in_([h.id for h in households]),
               Membership.community_id == community.id).order_by(Membership.id)).all()
    by_household: dict[int, list[Membership]] = {}
    for hid, m in rows:
        by_household.setdefault(hid, []).append(m)
    return by_household


def login_card(community, card_id: int) -> LoginCard | None:
    return db.session.execute(select(LoginCard).where(LoginCard.id == card_id,
                                                      LoginCard.community_id == community.id)).scalar_one_or_none()
