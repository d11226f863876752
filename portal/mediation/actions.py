"""The POST actions on a case: parse, check permission, call one service, commit.
A form with errors shows the case page again (400) with the errors at the form."""
from __future__ import annotations

from flask import abort, flash, g, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from ..web.errors import PortalError
from ..extensions import db
from ..web.permissions import require
from . import permissions as perm
from . import services
from .forms import CorrectionForm, FollowUpForm, OtherPartyForm, OutcomeForm, RatingForm, SessionForm, TriageForm
from .models import MediatorAssignment
from .views import _assign_form, _change_form, _names, _record_view, bp, case_page, load_case, to_case


def _fail(case, rel, key, form, exc=None):
    db.session.rollback()
    if exc is not None:
        first = next(iter(form), None)
        for f in form:
            if f.type not in ("CSRFTokenField", "HiddenField"):
                first = f
                break
        first.errors = list(first.errors) + [exc.message]
    return case_page(case, rel, {key: form}, 400, record=False)


def _done(case, message, anchor=""):
    db.session.commit()
    flash(message, "success")
    return to_case(case, anchor)


@bp.post("/<id:case_id>/triage")
def triage(case_id):
    case, rel = load_case(case_id)
    require(perm.can_triage(rel, case))
    form = TriageForm()
    if not form.validate_on_submit():
        return _fail(case, rel, "triage", form)
    try:
        services.triage(current_user, g.community, case, form.decision.data == "accept", form.reason.data,
                        form.referral.data or "")
    except PortalError as exc:
        return _fail(case, rel, "triage", form, exc)
    return _done(case, _("The decision is recorded and shown to the person who asked."))


@bp.post("/<id:case_id>/other-party")
def other_party(case_id):
    case, rel = load_case(case_id)
    require(perm.can_answer_for_other_party(rel, case))
    form = OtherPartyForm()
    if not form.validate_on_submit():
        return _fail(case, rel, "other_party", form)
    services.other_party_answer(current_user, g.community, case, form.agrees.data == "yes",
                                "committee" if "committee" in rel else "resident")
    return _done(case, _("The other party's answer is recorded."))


@bp.post("/<id:case_id>/mediators")
def assign(case_id):
    case, rel = load_case(case_id)
    require(perm.can_assign(rel, case))
    form = _assign_form(case, request.form)
    if not form.validate_on_submit():
        return _fail(case, rel, "assign", form)
    from ..auth.models import User

    mediator = db.session.get(User, form.mediator.data)
    try:
        services.assign_mediator(current_user, g.community, case, mediator, bool(form.no_conflict.data))
    except PortalError as exc:
        return _fail(case, rel, "assign", form, exc)
    return _done(case, _("The mediator is assigned."), "#mediators")


def _assignment(case, assignment_id):
    a = db.session.get(MediatorAssignment, assignment_id) if assignment_id < 2**31 else None
    if a is None or a.case_id != case.id:
        abort(404)
    return a


@bp.post("/<id:case_id>/mediators/<id:assignment_id>/remove")
def remove_mediator(case_id, assignment_id):
    case, rel = load_case(case_id)
    require(perm.can_remove_mediator(rel, case))
    a = _assignment(case, assignment_id)
    services.remove_mediator(current_user, g.community, case, a)
    return _done(case, _("The mediator is no longer on this case."), "#mediators")


@bp.post("/<id:case_id>/conflict")
def conflict(case_id):
    case, rel = load_case(case_id)
    require(perm.can_declare_conflict(rel, case))
    mine = next((a for a in services.active_assignments(case) if a.mediator_id == current_user.id), None)
    if mine is None:
        abort(403)
    services.declare_conflict(current_user, g.community, case, mine)
    db.session.commit()
    flash(_("You have stepped aside from this case. The committee will assign someone else."), "success")
    from flask import redirect, url_for

    return redirect(url_for("mediation.index"), code=303)


@bp.post("/<id:case_id>/other-mediator")
def other_mediator(case_id):
    case, rel = load_case(case_id)
    active = services.active_assignments(case)
    require(perm.can_ask_other_mediator(rel, case) and bool(active))
    form = _change_form(active, _names([a.mediator_id for a in active]), request.form)
    if not form.validate_on_submit():
        return _fail(case, rel, "ask_other", form)
    a = _assignment(case, form.assignment.data)
    services.request_other_mediator(current_user, g.community, case, a, form.reason.data or "")
    return _done(case, _("Your request is sent to the committee."), "#mediators")


@bp.post("/<id:case_id>/sessions")
def add_session(case_id):
    case, rel = load_case(case_id)
    require(perm.can_add_session(rel, case))
    form = SessionForm()
    if not form.validate_on_submit():
        return _fail(case, rel, "session", form)
    try:
        services.add_session(current_user, g.community, case, form.held_on.data, form.place.data,
                             form.attendees.data or "", form.notes.data or "")
    except PortalError as exc:
        return _fail(case, rel, "session", form, exc)
    return _done(case, _("The session is recorded."), "#sessions")


@bp.route("/<id:case_id>/outcome", methods=["GET", "POST"])
def outcome(case_id):
    case, rel = load_case(case_id)
    require(perm.can_record_outcome(rel, case))
    form = OutcomeForm()
    status = 400 if request.method == "POST" else 200
    if form.validate_on_submit():
        try:
            services.record_outcome(current_user, g.community, case, form.kind.data, facts=form.facts.data or "",
                                    issues=form.issues.data or "", terms=form.terms(), note=form.note.data or "",
                                    referral=form.referral.data or "")
            return _done(case, _("The outcome is recorded."))
        except PortalError as exc:
            db.session.rollback()
            form.kind.errors = list(form.kind.errors) + [exc.message]
    html = render_template("mediation/outcome.html", case=case, form=form)
    if request.method == "GET":
        _record_view(case, "outcome form", rel)
    return html, status


@bp.post("/<id:case_id>/follow-up")
def follow_up(case_id):
    case, rel = load_case(case_id)
    require(perm.can_follow_up(rel, case))
    form = FollowUpForm()
    if not form.validate_on_submit():
        return _fail(case, rel, "follow_up", form)
    services.record_follow_up(current_user, g.community, case, form.kept.data, form.note.data or "")
    return _done(case, _("The follow-up is recorded."))


@bp.post("/<id:case_id>/close")
def close(case_id):
    case, rel = load_case(case_id)
    require(perm.can_close(rel, case))
    services.close_case(current_user, g.community, case)
    return _done(case, _("The case is closed."))


@bp.post("/<id:case_id>/rating")
def rate(case_id):
    case, rel = load_case(case_id)
    require(perm.can_rate(rel, case, services.has_rated(case, current_user)))
    form = RatingForm()
    if not form.validate_on_submit():
        return _fail(case, rel, "rate", form)
    services.rate(current_user, g.community, case, form.stars.data, form.comment.data or "")
    return _done(case, _("Thank you. Ratings are only shown added up, never by name."))


@bp.post("/<id:case_id>/correction")
def correction(case_id):
    case, rel = load_case(case_id)
    require(perm.can_request_correction(rel, case))
    form = CorrectionForm()
    if not form.validate_on_submit():
        return _fail(case, rel, "correct", form)
    services.request_correction(current_user, g.community, case, form.body.data)
    return _done(case, _("Your request for a correction is sent to the committee."))


