"""Pure predicates: role AND state. No queries."""
from __future__ import annotations

from ..communities.scoping import Ctx


def _is_author(ctx: Ctx, p) -> bool:
    return ctx.user is not None and p.author_id == ctx.user.id


def can_view(ctx: Ctx, p) -> bool:
    return p.is_public or _is_author(ctx, p)


def can_see_hidden_text(ctx: Ctx, p) -> bool:
    return ctx.has_role("committee")


def can_create(ctx: Ctx) -> bool:
    return ctx.verified


def can_edit(ctx: Ctx, p) -> bool:
    return ctx.verified and _is_author(ctx, p) and p.state == "draft"


can_publish = can_edit


def can_withdraw(ctx: Ctx, p) -> bool:
    return ctx.verified and _is_author(ctx, p) and p.state in ("draft", "published", "under_review")


def can_support_state(p) -> bool:
    """The proposal takes supports now (whoever gives them)."""
    return p.state in ("published", "under_review") and not p.is_hidden


def can_support(ctx: Ctx, p) -> bool:
    return ctx.verified and not _is_author(ctx, p) and can_support_state(p)


def can_unsupport(ctx: Ctx, p) -> bool:
    return ctx.verified and p.state == "published"


def can_answer(ctx: Ctx, p) -> bool:
    return ctx.has_role("committee") and p.state in ("published", "under_review")


def can_report_progress(ctx: Ctx, p) -> bool:
    return ctx.has_role("committee") and p.state in ("accepted", "planned")


def can_comment(ctx: Ctx, p) -> bool:
    return ctx.verified and p.state not in ("draft", "withdrawn") and not p.is_hidden


def can_manage_settings(ctx: Ctx) -> bool:
    return ctx.has_role("committee")
