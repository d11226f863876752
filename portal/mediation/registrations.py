"""What mediation brings to the portal's shared mechanisms: its private events in the audit trail,
its private files (each download a read trace) and the case status read aloud. Called from the package's init_app, never at import."""
from __future__ import annotations

from ..audit.chain import keep_private
from ..web.reads import commit_read
from . import permissions as perm
from . import queries, readaloud, services
from .blueprint import audit_role


def _files_visible(ctx, community, case_id):
    if ctx.user is None:
        return False
    c = queries.case_of(community, case_id)
    return c is not None and perm.can_view(perm.relation(ctx, c, queries.mediator_ids(c)))


def _file_served(ctx, community, attachment):
    c = queries.case_of(community, attachment.owner_id)
    rel = perm.relation(ctx, c, queries.mediator_ids(c))
    services.record_view(community, c, "file", audit_role(rel), actor=ctx.user)
    commit_read("trace")


def register() -> None:
    from ..uploads.views import register_owner

    # Who is in a case is need-to-know: its events, and every event naming it, are private in the trail.
    keep_private(subject_type="mediation_case", action_prefix="mediation.")
    register_owner("mediation_case", _files_visible, private=True, on_serve=_file_served)
    readaloud.register()
