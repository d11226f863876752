"""Pure predicates for flagging and moderating."""
from __future__ import annotations

from ..communities.scoping import Ctx


def can_flag(ctx: Ctx, obj) -> bool:
    """Anyone signed in may report content (not their own)."""
    return ctx.signed_in and getattr(obj, "author_id", None) != ctx.user.id


def can_moderate(ctx: Ctx) -> bool:
    return ctx.has_role("committee")
