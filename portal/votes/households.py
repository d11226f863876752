"""Households (户) in polls, for the villagers' meeting rule: "valid if more than half of
the eligible residents take part or, where households are recorded, two thirds of the
households".

When a poll opens, every electorate entry keeps the household its person belonged to at
that moment (portal.roster); a household is in the poll's electorate when at least one of
its members is. At close, a household took part when at least one of those members is on
the roll, whatever the origin (web, assisted, paper). Only the roll is read: who took
part, never what anyone chose.
"""
from __future__ import annotations

from sqlalchemy import and_, func, select

from ..extensions import db
from .models import ElectorateEntry, Poll, RollEntry


def electorate_households(poll: Poll) -> int | None:
    """Distinct households in the snapshot; None when nobody on the list has one (the
    community records no households, so only the head count applies)."""
    n = db.session.execute(select(func.count(func.distinct(ElectorateEntry.household_id))).where(
        ElectorateEntry.poll_id == poll.id, ElectorateEntry.household_id.is_not(None))).scalar_one()
    return n or None


def households_taking_part(poll: Poll) -> int | None:
    """Households of the snapshot with at least one member on the roll (None when the
    poll has no households)."""
    if not poll.households_count:
        return None
    return db.session.execute(
        select(func.count(func.distinct(ElectorateEntry.household_id)))
        .join(RollEntry, and_(RollEntry.poll_id == ElectorateEntry.poll_id,
                              RollEntry.user_id == ElectorateEntry.user_id))
        .where(ElectorateEntry.poll_id == poll.id, ElectorateEntry.household_id.is_not(None))).scalar_one()
