"""Who may manage the roster: the committee of that community (pure predicates)."""
from __future__ import annotations

from ..communities.scoping import Ctx


def can_manage_roster(ctx: Ctx) -> bool:
    return ctx.has_role("committee")


def can_issue_card(ctx: Ctx, membership) -> bool:
    """Not for oneself: a committee member signs in with their own password."""
    return can_manage_roster(ctx) and membership.status == "verified" and membership.user_id != ctx.user.id
