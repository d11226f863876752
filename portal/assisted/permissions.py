"""Assisted actions: only the committee of that community records them, never for oneself."""
from __future__ import annotations

from ..communities.scoping import Ctx


def can_record(ctx: Ctx) -> bool:
    return ctx.has_role("committee")


def can_see_own(ctx: Ctx) -> bool:
    return ctx.verified


def can_review_disputes(ctx: Ctx) -> bool:
    return ctx.has_role("committee")
