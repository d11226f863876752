"""Pure predicates over (who, which case, who mediates it): role AND state, no queries.

Need-to-know: a case exists only for its requester, the other party (with an
account), its active mediators and the committee of its community. For everyone
else the views answer 404, never 403.
"""
from __future__ import annotations

from ..communities.scoping import Ctx
from . import states

PARTY = frozenset({"requester", "other_party"})


def relation(ctx: Ctx, case, mediator_ids) -> frozenset[str]:
    """How the acting person stands to the case: requester, other_party, mediator, committee."""
    if ctx.user is None or case is None:
        return frozenset()
    uid = ctx.user.id
    found = set()
    if case.requester_id == uid:
        found.add("requester")
    if case.other_party_id == uid:
        found.add("other_party")
    if ctx.has_role("mediator") and uid in mediator_ids:
        found.add("mediator")
    if ctx.has_role("committee"):
        found.add("committee")
    return frozenset(found)


def can_file(ctx: Ctx) -> bool:
    return ctx.verified


def can_file_on_behalf(ctx: Ctx) -> bool:
    return ctx.has_role("committee")


def can_list_all(ctx: Ctx) -> bool:
    return ctx.has_role("committee")


def can_view(rel) -> bool:
    return bool(rel)


def is_party(rel) -> bool:
    return bool(rel & PARTY)


def can_see_notes(rel) -> bool:
    return bool(rel & {"mediator", "committee"})


def can_triage(rel, case) -> bool:
    return "committee" in rel and case.state == "requested"


def can_answer_for_other_party(rel, case) -> bool:
    """The committee records the other party's answer; the other party may give it
    themselves when they have an account."""
    return (bool(rel & {"committee", "other_party"}) and case.state == "accepted"
            and case.other_party_agreed is None)


def can_assign(rel, case) -> bool:
    return "committee" in rel and case.state in ("accepted", "mediating")


can_remove_mediator = can_assign


def can_declare_conflict(rel, case) -> bool:
    return "mediator" in rel and case.state in ("accepted", "mediating")


def can_declare_no_conflict(rel, case, declared: bool) -> bool:
    """Only the assigned mediator himself, once (his assignment's `declared`)."""
    return "mediator" in rel and case.state in ("accepted", "mediating") and not declared


def can_withdraw(rel, case) -> bool:
    """The person who asked, before the committee accepted (or declined) the request."""
    return "requester" in rel and case.state == "requested"


def can_ask_other_mediator(rel, case) -> bool:
    return is_party(rel) and case.state in ("accepted", "mediating")


def can_add_session(rel, case, declared: bool) -> bool:
    """A mediator of the case who declared no conflict (`declared`: his own assignment's)."""
    return "mediator" in rel and case.state == "mediating" and declared


def can_record_outcome(rel, case, declared: bool) -> bool:
    return "mediator" in rel and case.state == "mediating" and declared


def can_follow_up(rel, case) -> bool:
    return "committee" in rel and states.can(case.state, "follow_up")


def can_close(rel, case) -> bool:
    return "committee" in rel and states.can(case.state, "close")


def can_rate(rel, case, already_rated: bool) -> bool:
    return is_party(rel) and case.state in states.RATEABLE and not already_rated


def can_export_own(rel, case) -> bool:
    return is_party(rel) and case.state != "anonymised"


can_request_correction = can_export_own


def can_print_agreement(rel, case, has_agreement: bool) -> bool:
    return bool(rel) and has_agreement and case.state in states.WITH_AGREEMENT
