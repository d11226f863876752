"""The blueprint of what was recorded with residents, and its loader."""
from __future__ import annotations

from flask import abort, g

from ..communities.scoping import community_blueprint, get_or_404
from .models import AssistedAction

bp = community_blueprint("assisted", __name__, "/assisted")


def load_own(entry_id: int) -> AssistedAction:
    """What was recorded with the signed-in resident in this community, else 404 (someone
    else's: not shown, not confirmed)."""
    entry = get_or_404(AssistedAction, g.community, entry_id)
    if entry.resident_id != g.ctx.user.id:
        abort(404)
    return entry
