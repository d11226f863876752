"""Who may do what on the matters pages of a unit above the community (street, district,
department): pure predicates on the acting Ctx and the matter (docs/architecture.md, "Matters")."""
from __future__ import annotations


def is_staff(ctx) -> bool:
    """The unit's own staff: they see its queue and act for it."""
    return ctx.has_role("staff")


def is_holder(ctx, matter) -> bool:
    return is_staff(ctx) and matter.holder_id == ctx.community.id


def can_accept(ctx, matter) -> bool:
    return is_holder(ctx, matter) and matter.state == "dispatched"


def can_return(ctx, matter) -> bool:
    return is_holder(ctx, matter) and matter.state == "dispatched" and matter.sender_id is not None


def can_work(ctx, matter) -> bool:
    """Progress notes and resolving: the holder, once it handles the matter."""
    return is_holder(ctx, matter) and matter.state == "handling"


def can_ask_extension(ctx, matter) -> bool:
    return can_work(ctx, matter) and matter.sender_id is not None and not matter.extension_asked


def can_dispatch(ctx, matter, has_targets: bool) -> bool:
    return is_holder(ctx, matter) and matter.state in ("triage", "handling") and has_targets


def can_recall(ctx, matter) -> bool:
    return is_staff(ctx) and matter.state == "dispatched" and matter.sender_id == ctx.community.id


def can_decide_extension(ctx, matter) -> bool:
    return (is_staff(ctx) and matter.sender_id == ctx.community.id and bool(matter.extension_asked)
            and not matter.extension_decided and matter.state == "handling")


def can_urge(ctx, matter, above_holder: bool) -> bool:
    """督办: staff of a unit above the one holding the open matter."""
    return is_staff(ctx) and matter.is_open and matter.holder_id != ctx.community.id and above_holder


def has_ledger(unit) -> bool:
    """A street or district keeps the ledger and the overdue list of its area."""
    return unit.level in ("street", "district")
