"""Pure predicates: role AND poll state. No queries."""
from __future__ import annotations

from ..communities.scoping import Ctx


def _committee(ctx: Ctx) -> bool:
    return ctx.has_role("committee")


def can_view(ctx: Ctx, poll) -> bool:
    """Drafts are the committee's; open and closed polls are public."""
    return poll.state != "draft" or _committee(ctx)


def can_create(ctx: Ctx) -> bool:
    return _committee(ctx)


def can_edit(ctx: Ctx, poll) -> bool:
    return _committee(ctx) and poll.state in ("draft", "open") and not poll.frozen


def can_open(ctx: Ctx, poll) -> bool:
    return _committee(ctx) and poll.state == "draft"


def can_close(ctx: Ctx, poll) -> bool:
    return _committee(ctx) and poll.state == "open"


def can_cast(ctx: Ctx, poll) -> bool:
    return ctx.verified and poll.state == "open"


def can_record(ctx: Ctx, poll) -> bool:
    """Assisted and paper participation: the committee, while the poll is open."""
    return _committee(ctx) and poll.state == "open"


def can_see_published(ctx: Ctx, poll) -> bool:
    return poll.state == "closed"


def can_see_roll(ctx: Ctx, poll) -> bool:
    """The roll names people: members of the community only."""
    return ctx.verified and poll.state == "closed"


def can_see_history(ctx: Ctx) -> bool:
    return ctx.verified
