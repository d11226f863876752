"""Pure predicates for flagging and moderating."""
from __future__ import annotations

from ..communities.scoping import Ctx


def can_report(ctx: Ctx) -> bool:
    """Only members report the community's content: verified residents (the committee and
    mediators are verified residents too). Someone signed in without a verified membership here
    (a stranger, another village's resident, a pending or rejected applicant) may not: a report
    goes into this community's audit chain."""
    return ctx.verified


def can_flag(ctx: Ctx, obj) -> bool:
    """A member may report content of their community, not their own."""
    return can_report(ctx) and getattr(obj, "author_id", None) != ctx.user.id


def can_moderate(ctx: Ctx) -> bool:
    return ctx.has_role("committee")
