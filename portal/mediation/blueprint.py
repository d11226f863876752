"""The mediation blueprint and its loaders, shared by the view modules of mediation (views.py,
actions.py). Every case is loaded through load_case(): visitors are sent to sign in (the same
answer for every id), people without a need to know get 404."""
from __future__ import annotations

from flask import abort, current_app, g, request, url_for
from flask_login import current_user

from ..communities.scoping import community_blueprint
from ..web import once
from ..web.permissions import require
from . import permissions as perm
from . import queries
from .labels import CATEGORY_LABELS, KEPT_LABELS, OUTCOME_LABELS, OVERDUE_LABELS, REFERRAL_LABELS, STATE_LABELS

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
            "kept_labels": KEPT_LABELS, "outcome_labels": OUTCOME_LABELS, "overdue_labels": OVERDUE_LABELS}


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
    a = queries.assignment_of(g.community, case, assignment_id)
    if a is None:
        abort(404)
    return a


def case_url(case, anchor: str = "") -> str:
    return url_for("mediation.case", case_id=case.id) + anchor


def require_or_sent(allowed: bool) -> None:
    """require(allowed) for a form that creates something where the right depends on the case's
    state (an outcome moves the case on, a rating is given once). The same rendered form sent a
    second time finds the right gone because the first send used it: it passes here, and the
    action wrapper lands it on what the first send made (portal/web/once.py). Any other send
    without the right is refused as before."""
    if not allowed and not _sent_before():
        require(False)


def _sent_before() -> bool:
    if request.method != "POST" or not current_user.is_authenticated:
        return False
    token = request.form.get(once.TOKEN_FIELD)
    if not once.valid(token):
        return False
    prior = once.find(token)
    return prior is not None and prior.user_id == current_user.id and prior.endpoint == request.endpoint \
        and bool(prior.target)
