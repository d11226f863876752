"""The mediation blueprint and its loaders, shared by the view modules of mediation (views.py,
actions.py). Every case is loaded through load_case(): visitors are sent to sign in (the same
answer for every id), people without a need to know get 404."""
from __future__ import annotations

from flask import abort, current_app, g, request, url_for

from ..communities.scoping import community_blueprint
from ..web.permissions import found, require
from . import permissions as perm
from . import queries
from .labels import (CATEGORY_LABELS, KEPT_LABELS, OUTCOME_LABELS, OVERDUE_LABELS, REFERRAL_LABELS, STATE_LABELS,
                     STATE_TONES)

bp = community_blueprint("mediation", __name__, "/mediation")
UPLOAD_ENDPOINTS = {"mediation.new"}


@bp.url_value_preprocessor
def _allow_uploads(endpoint, values):
    # Runs before the CSRF check parses the body, so the request form with photos may be larger.
    if endpoint in UPLOAD_ENDPOINTS:
        request.max_content_length = current_app.config["UPLOAD_REQUEST_MAX"]


@bp.context_processor
def _labels():
    return {"category_labels": CATEGORY_LABELS, "case_states": STATE_LABELS, "referral_labels": REFERRAL_LABELS,
            "kept_labels": KEPT_LABELS, "outcome_labels": OUTCOME_LABELS, "overdue_labels": OVERDUE_LABELS,
            "case_tones": STATE_TONES}


def audit_role(rel) -> str:
    """The role a look or an action on the case is recorded with."""
    for role in ("committee", "mediator"):
        if role in rel:
            return role
    return "resident"


def load_case(case_id: int):
    """(case, relation) or 404 for anyone without a need to know; visitors sign in first."""
    require(g.ctx.signed_in)
    case = queries.case_of(g.community, case_id)
    if case is None:
        abort(404)
    rel = perm.relation(g.ctx, case, queries.mediator_ids(case))
    if not perm.can_view(rel):
        abort(404)
    return case, rel


def load_assignment(case, assignment_id: int):
    """A mediator's assignment to this case, else 404."""
    return found(queries.assignment_of(g.community, case, assignment_id))


def case_url(case, anchor: str = "") -> str:
    return url_for("mediation.case", case_id=case.id) + anchor
