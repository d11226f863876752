"""Pure predicates over a Ctx (user, community, membership). No queries here."""
from __future__ import annotations

from .scoping import Ctx


def can_view_community(ctx: Ctx) -> bool:
    return True


def can_request_join(ctx: Ctx) -> bool:
    return ctx.signed_in and ctx.status in (None, "rejected")


def can_view_audit(ctx: Ctx) -> bool:
    return ctx.verified


def can_see_private_audit(ctx: Ctx) -> bool:
    """Private events (a mediation case) in full: the committee only."""
    return ctx.has_role("committee")


def can_export_audit(ctx: Ctx) -> bool:
    return ctx.has_role("committee")


def can_manage_members(ctx: Ctx) -> bool:
    return ctx.has_role("committee")


def can_decide_membership(ctx: Ctx, target) -> bool:
    return can_manage_members(ctx) and target.status == "pending"


def can_change_roles(ctx: Ctx, target) -> bool:
    return can_manage_members(ctx) and target.status == "verified"


def can_administer_platform(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_platform_admin)
