"""The matters pages of the units above the community (street, district, department) under
/u/<slug>/matters, and their loader: a matter the unit may not see is a 404."""
from __future__ import annotations

from flask import abort, current_app, g, request
from flask_babel import lazy_gettext as _l

from ..communities.scoping import community_blueprint
from ..web.permissions import require
from . import unit_permissions as perm
from . import unit_queries

unit_bp = community_blueprint("unit_matters", __name__, "/matters", prefix="/u",
                              levels=("district", "street", "department"))
UPLOAD_ENDPOINTS = {"unit_matters.resolve"}

STATE_LABELS = {
    "triage": _l("Being sorted"), "more_info": _l("Waiting for the reporter"), "dispatched": _l("Sent, not accepted yet"),
    "handling": _l("Being handled"), "resolved": _l("Resolved, being checked"), "closed": _l("Closed"),
    "refused": _l("Refused"), "merged": _l("Merged into another"),
}
STATE_TONES = {"triage": "waiting", "more_info": "waiting", "dispatched": "waiting", "handling": "open",
               "resolved": "open", "closed": "done", "refused": "refused", "merged": "refused"}


@unit_bp.url_value_preprocessor
def _allow_uploads(endpoint, values):
    if endpoint in UPLOAD_ENDPOINTS:
        request.max_content_length = current_app.config["UPLOAD_REQUEST_MAX"]


@unit_bp.context_processor
def _labels():
    return {"matter_states": STATE_LABELS, "matter_tones": STATE_TONES}


def load_matter(matter_id: int):
    """The matter for the unit's staff, if the unit may see it; visitors sign in first."""
    require(perm.is_staff(g.ctx))
    matter = unit_queries.matter_for_unit(g.community, matter_id)
    if matter is None:
        abort(404)
    return matter
