"""The community's matter pages (事件/诉求): the blueprint and its loader. Every matter is loaded
through load_matter(): another community's matter, or one the person may not see, is 404."""
from __future__ import annotations

from flask import abort, current_app, g, request, url_for

from ..communities.scoping import community_blueprint
from ..levels import queries as levels
from ..web.permissions import require
from . import permissions as perm
from . import queries

bp = community_blueprint("matters", __name__, "/matters")
UPLOAD_ENDPOINTS = {"matters.new"}


@bp.url_value_preprocessor
def _allow_uploads(endpoint, values):
    # Runs before the CSRF check parses the body, so the report form with photos may be larger.
    if endpoint in UPLOAD_ENDPOINTS:
        request.max_content_length = current_app.config["UPLOAD_REQUEST_MAX"]


def relation(matter, ctx=None):
    """How the signed-in person stands to `matter` (permissions.relation with what it needs read)."""
    ctx = ctx if ctx is not None else g.ctx
    user = ctx.user
    if user is None:
        return frozenset()
    workers = levels.grid_worker_ids(matter.grid_id) if matter.grid_id is not None else set()
    staff = queries.staff_unit_ids(user)
    on_path = queries.path_unit_ids(matter) if staff else set()
    return perm.relation(ctx, matter, workers, staff, on_path)


def load_matter(matter_id: int):
    """(matter, relation): this community's matter, else 404; 404 too for whoever may not see it.
    Visitors sign in first (the same answer for every id)."""
    require(g.ctx.signed_in)
    matter = queries.matter_of(g.community, matter_id)
    if matter is None:
        abort(404)
    rel = relation(matter)
    if not perm.can_view(rel):
        abort(404)
    return matter, rel


def matter_url(matter, anchor: str = "") -> str:
    return url_for("matters.matter", matter_id=matter.id) + anchor
