"""What the community's matter pages bring to the portal's shared mechanisms: the files of a matter
(the reporter's photos and voice, owner "matter") and of a step of its path (a unit's evidence
photos, owner "matter_step"), shown to exactly the people who may see the matter.
Called from the package's init_app, never at import."""
from __future__ import annotations

from . import permissions as perm
from . import queries
from .blueprint import relation


def _matter_visible(ctx, community, matter_id):
    if ctx.user is None:
        return False
    m = queries.matter_of(community, matter_id)
    return m is not None and perm.can_view(relation(m, ctx))


def _step_visible(ctx, community, step_id):
    step = queries.step_of(step_id)
    return step is not None and _matter_visible(ctx, community, step.matter_id)


def register() -> None:
    from ..uploads.views import register_owner

    register_owner("matter", _matter_visible)
    register_owner("matter_step", _step_visible)
