"""Pure predicates over a Ctx for the pages of the tree (docs/architecture.md, "Levels"). The Ctx's
community is the unit of the URL; no queries here."""
from __future__ import annotations

from ..communities.scoping import Ctx

# What the staff of a unit may appoint staff for, below them.
STAFF_OF_CHILDREN = {"street": ("department",), "district": ("street", "department")}


def can_manage_unit(ctx: Ctx) -> bool:
    """The unit's own staff, or the platform admin."""
    return ctx.has_role("staff") or ctx.is_admin


def can_create_department(ctx: Ctx) -> bool:
    return can_manage_unit(ctx) and ctx.community.level in ("street", "district")


def can_create_community(ctx: Ctx) -> bool:
    return can_manage_unit(ctx) and ctx.community.level == "street"


def can_manage_categories(ctx: Ctx) -> bool:
    return can_manage_unit(ctx) and ctx.community.level == "street"


def can_appoint_staff(ctx: Ctx) -> bool:
    """Whether the unit has children whose staff its own staff appoint."""
    return can_manage_unit(ctx) and ctx.community.level in STAFF_OF_CHILDREN


def can_manage_child(ctx: Ctx, child) -> bool:
    """The staff of `child`'s parent (ctx's unit) appoint its staff: a street its departments, a
    district its streets and departments."""
    return (can_appoint_staff(ctx) and child.parent_id == ctx.community.id
            and child.level in STAFF_OF_CHILDREN[ctx.community.level])


def can_manage_grids(ctx: Ctx) -> bool:
    """Grids, their workers and the households in them: the community's committee."""
    return ctx.has_role("committee")


def actor_role(ctx: Ctx) -> str:
    """The role written into the audit events of the tree's pages."""
    return "staff" if ctx.has_role("staff") else "platform_admin"
