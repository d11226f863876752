"""Pure predicates: role AND phase. No queries; `today` is the community's calendar day."""
from __future__ import annotations

from datetime import date

from ..communities.scoping import Ctx


def consultation_running(v, today: date) -> bool:
    return (v.status == "consultation" and v.consultation_start is not None
            and v.consultation_start <= today <= v.consultation_end)


def can_view_version(ctx: Ctx, v) -> bool:
    """Drafts are the committee's work in progress; every other version is public."""
    return v.status != "drafting" or ctx.has_role("committee")


def can_create_document(ctx: Ctx) -> bool:
    return ctx.has_role("committee")


def can_edit_draft(ctx: Ctx, v) -> bool:
    """Only a draft changes, and only by the committee: a version that left drafting is fixed."""
    return ctx.has_role("committee") and v.status == "drafting"


def can_open_consultation(ctx: Ctx, v) -> bool:
    return ctx.has_role("committee") and v.status == "drafting"


def can_start_revision(ctx: Ctx, v, today: date) -> bool:
    """After the last day of the consultation: its dates are fixed and kept."""
    return ctx.has_role("committee") and v.status == "consultation" and v.consultation_end < today


def can_decide(ctx: Ctx, v) -> bool:
    return ctx.has_role("committee") and v.status == "revision"


can_conclude_revision = can_decide


def can_start_adoption_vote(ctx: Ctx, v, from_revision: bool) -> bool:
    """A draft goes to the vote only when it is what a revision produced."""
    return ctx.has_role("committee") and v.status == "drafting" and from_revision


def can_redraft(ctx: Ctx, has_open_version: bool) -> bool:
    return ctx.has_role("committee") and not has_open_version


def can_file(ctx: Ctx, v) -> bool:
    return ctx.has_role("committee") and v.status == "adopted" and v.filed_on is None


def can_amend(ctx: Ctx, v, today: date) -> bool:
    return ctx.verified and consultation_running(v, today)


def can_comment(ctx: Ctx, v, today: date) -> bool:
    return ctx.verified and consultation_running(v, today)


def can_support(ctx: Ctx, v, a, today: date) -> bool:
    return (ctx.verified and consultation_running(v, today) and a.author_id != ctx.user.id
            and not a.is_hidden)


def can_record_support_with(ctx: Ctx, v, a, today: date) -> bool:
    """The committee records the support of a resident who came in person (portal/assisted),
    while the consultation runs; the resident's own rules are checked when it is recorded."""
    return ctx.has_role("committee") and consultation_running(v, today) and not a.is_hidden


def can_see_hidden(ctx: Ctx) -> bool:
    return ctx.has_role("committee")
