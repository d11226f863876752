"""The moderation blueprint and its loader."""
from __future__ import annotations

from flask import abort, g

from ..communities.scoping import community_blueprint
from . import queries, registry

bp = community_blueprint("moderation", __name__, "/moderation")


def load_subject(subject_type: str, subject_id: int):
    """(registry entry, object) of this community that may be reported or moderated, else 404."""
    entry = registry.get(subject_type)
    if entry is None:
        abort(404)
    obj = queries.subject(g.community, entry, subject_id)
    # Content that was never public (a draft, a withdrawn draft) cannot be reported or moderated.
    if obj is None or not getattr(obj, "is_public", True):
        abort(404)
    return entry, obj
