"""Pure predicates over (who, which matter, how they stand to it): role AND state, no queries.

A matter's page is for the people of its community (verified members), its reporter, the staff
of its street and district (read only) and the staff of a department it was sent to (read only).
Everyone else gets 404. The public ledger (电子台账) is for everyone and never names the reporter."""
from __future__ import annotations

from ..communities.scoping import Ctx

READERS = frozenset({"member", "reporter", "committee", "grid_worker", "staff", "department"})


def relation(ctx: Ctx, matter, grid_worker_ids=(), staff_unit_ids=(), path_unit_ids=()) -> frozenset[str]:
    """How the acting person stands to the matter: reporter, committee, grid_worker (of its grid),
    member (a verified member of its community), staff (of its street or district), department
    (staff of a unit on its path, below or beside the community)."""
    if ctx.user is None or matter is None:
        return frozenset()
    uid = ctx.user.id
    found = set()
    if matter.reporter_id == uid:
        found.add("reporter")
    if ctx.verified:
        found.add("member")
    if ctx.has_role("committee"):
        found.add("committee")
    if ctx.has_role("grid_worker") and uid in grid_worker_ids:
        found.add("grid_worker")
    staff = set(staff_unit_ids)
    if staff & {matter.street_id, matter.district_id} - {None}:
        found.add("staff")
    if staff & set(path_unit_ids):
        found.add("department")
    return frozenset(found)


def can_report(ctx: Ctx) -> bool:
    return ctx.verified


def can_report_for(ctx: Ctx) -> bool:
    return ctx.has_role("committee")


def can_view(rel) -> bool:
    return bool(rel & READERS)


def sees_reporter(rel, matter) -> bool:
    """The reporter's name: to the committee, and to the reporter themselves unless anonymous."""
    return "committee" in rel or ("reporter" in rel and not matter.anonymous)


def sees_files(rel) -> bool:
    return can_view(rel)


def _triage(rel, matter, community_id) -> bool:
    return "committee" in rel and matter.holder_id == community_id


def can_handle(rel, matter, community_id) -> bool:
    return _triage(rel, matter, community_id) and matter.state == "triage"


def can_merge(rel, matter, community_id) -> bool:
    return _triage(rel, matter, community_id) and matter.state == "triage"


def can_ask(rel, matter, community_id) -> bool:
    return _triage(rel, matter, community_id) and matter.state == "triage"


def can_refuse(rel, matter, community_id) -> bool:
    return _triage(rel, matter, community_id) and matter.state in ("triage", "more_info")


def can_dispatch(rel, matter, community_id) -> bool:
    return _triage(rel, matter, community_id) and matter.state in ("triage", "handling")


def can_resolve(rel, matter, community_id) -> bool:
    return _triage(rel, matter, community_id) and matter.state == "handling"


def can_answer(rel, matter) -> bool:
    return "reporter" in rel and matter.state == "more_info"


def can_confirm(rel, matter, verifier: bool) -> bool:
    """`verifier`: services.can_verify (the reporter, or the grid's worker for an anonymous report
    or one by a grid worker)."""
    return verifier and matter.state == "resolved"


def can_rate(rel, matter) -> bool:
    return "reporter" in rel and not matter.anonymous and matter.state == "closed" and matter.rating is None


def can_reopen(rel, matter) -> bool:
    return ("reporter" in rel and matter.state == "closed" and matter.rating == "unsatisfied"
            and not matter.reopened)
