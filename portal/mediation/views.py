"""Mediation pages: intake, my cases, the committee's list and export, the case page,
the agreement print view and the public figures. The POST actions on a case are in
actions.py. Every case page is loaded through load_case(): visitors are sent to sign
in (the same answer for every id), people without a need to know get 404."""
from __future__ import annotations

import json

from flask import Response, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..auth.services import find_user
from ..communities.scoping import community_blueprint, get_or_404
from ..web.errors import PortalError
from ..extensions import db
from ..web.permissions import require
from ..web.reads import commit_read
from ..web.steps import Steps
from ..uploads import services as uploads
from . import permissions as perm
from . import queries, services
from .forms import (MAX_PHOTOS, AssignForm, CaseFilterForm, ChangeMediatorForm, CorrectionForm, FollowUpForm,
                    IntakeForm, OtherPartyForm, RatingForm, SessionForm, TriageForm)
from .labels import (CATEGORY_LABELS, KEPT_LABELS, OUTCOME_LABELS, OVERDUE_LABELS, REFERRAL_LABELS,
                     STATE_LABELS, status_sentence)
from .models import Agreement, CaseSession, CorrectionRequest, FollowUp, MediationCase, MediatorAssignment

bp = community_blueprint("mediation", __name__, "/mediation")
UPLOAD_ENDPOINTS = {"mediation.new"}


@bp.url_value_preprocessor
def _allow_uploads(endpoint, values):
    if endpoint in UPLOAD_ENDPOINTS:
        request.max_content_length = current_app.config["UPLOAD_REQUEST_MAX"]


@bp.context_processor
def _labels():
    return {"category_labels": CATEGORY_LABELS, "case_states": STATE_LABELS, "referral_labels": REFERRAL_LABELS,
            "kept_labels": KEPT_LABELS, "outcome_labels": OUTCOME_LABELS, "overdue_labels": OVERDUE_LABELS}


def audit_role(rel) -> str:
    for role in ("committee", "mediator"):
        if role in rel:
            return role
    return "resident"


def load_case(case_id: int):
    """(case, relation) or 404 for anyone without a need to know; visitors sign in first."""
    require(g.ctx.signed_in)
    case = get_or_404(MediationCase, g.community, case_id)
    rel = perm.relation(g.ctx, case, queries.mediator_ids(case))
    if not perm.can_view(rel):
        abort(404)
    return case, rel


def to_case(case, anchor=""):
    return redirect(url_for("mediation.case", case_id=case.id) + anchor, code=303)


# -- lists -----------------------------------------------------------------------

@bp.get("/")
def index():
    require(g.ctx.verified)
    cases = queries.my_cases(g.community, current_user)
    return render_template("mediation/index.html", cases=cases, can_list_all=perm.can_list_all(g.ctx))


@bp.get("/committee")
def committee():
    require(perm.can_list_all(g.ctx))
    form = CaseFilterForm(request.args)
    form.state.choices = [("", _("All")), ("open", _("Open"))] + [(k, v) for k, v in STATE_LABELS.items()]
    if not form.validate():
        abort(400)
    return render_template("mediation/committee.html", rows=queries.committee_cases(g.community, form.state.data or ""),
                           form=form, deadlines=queries.deadlines())


@bp.get("/committee/export.json")
def export_all():
    require(perm.can_list_all(g.ctx))
    data = services.committee_export(current_user, g.community)
    commit_read("trace")
    return _json_download(data, f"mediation-{g.community.slug}.json")


def _json_download(data, name: str) -> Response:
    body = json.dumps(data, ensure_ascii=False, indent=1)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


@bp.get("/figures")
def figures():
    return render_template("mediation/figures.html", f=queries.figures(g.community), min_cell=queries.MIN_CELL)


# -- intake ---------------------------------------------------------------------------

@bp.route("/new", methods=["GET", "POST"])
def new():
    require(perm.can_file(g.ctx))
    form = IntakeForm()
    committee = perm.can_file_on_behalf(g.ctx)
    steps = Steps(form, _intake_steps(committee))
    if steps.ready():
        on_behalf_name = (form.on_behalf_username.data or "").strip() if committee else ""
        if on_behalf_name and not (form.present.data and form.agreed.data):
            form.present.errors.append(_("Confirm that the resident is here in person and agrees."))
            return _intake(form, committee, 400, steps)
        try:
            on_behalf = _user_or_error(form.on_behalf_username, "resident") if on_behalf_name else None
            other = _user_or_error(form.other_party_username, "other") if \
                (form.other_party_username.data or "").strip() else None
            fields = dict(category=form.category.data, what_happened=form.what_happened.data,
                          what_they_want=form.what_they_want.data, other_party_name=form.other_party_name.data,
                          other_party_contact=form.other_party_contact.data or "", other_party=other,
                          contact_time=form.contact_time.data or "", urgency=form.urgency.data,
                          consent=bool(form.consent.data))
            if on_behalf is not None:
                case = services.file_request_with(current_user, g.community, on_behalf, present=form.present.data,
                                                  agreed=form.agreed.data, **fields)
            else:
                case = services.file_request(current_user, g.community, **fields)
            _save_files(form, case)
            db.session.commit()
        except PortalError as exc:
            db.session.rollback()
            form.what_happened.errors.append(exc.message)
            return _intake(form, committee, 400, steps)
        if on_behalf is not None:
            flash(_("The request is filed in the name of %(name)s, marked as recorded by you. They see it in their "
                    "history and can object within 7 days.", name=on_behalf.display_name), "success")
        else:
            flash(_("Your request is sent. The committee will contact you; only the people handling it can see "
                    "it."), "success")
        return to_case(case)
    return _intake(form, committee, steps.status(), steps)


def _intake_steps(committee):
    """Easy reading mode asks one section per screen; the files and the consent come last."""
    reaching = ["contact_time", "urgency"] + (["on_behalf_username", "present", "agreed"] if committee else [])
    return [["category"], ["what_happened"], ["what_they_want"],
            ["other_party_name", "other_party_contact", "other_party_username"], reaching,
            ["voice", "photos", "consent"]]


def _intake(form, committee, status, steps):
    steps.goto_errors()
    return render_template("mediation/new.html", form=form, committee=committee, steps=steps,
                           consent_text=services.consent_text(), consent_version=services.CONSENT_VERSION), status


def _user_or_error(field, which):
    user = find_user((field.data or "").strip())
    if user is None or services.verified_member(g.community, user) is None:
        raise PortalError(_("There is no verified resident with the user name %(name)s.", name=field.data.strip()))
    return user


def _save_files(form, case):
    photos = [f for f in (form.photos.data or []) if f and f.filename]
    if len(photos) > MAX_PHOTOS:
        raise PortalError(_("At most %(num)d photos.", num=MAX_PHOTOS))
    for f in photos:
        uploads.save_image(g.community, current_user, f, "mediation_case", case.id)
    voice = form.voice.data if form.voice.data and getattr(form.voice.data, "filename", "") else None
    if voice is not None:
        uploads.save_audio(g.community, current_user, voice, "mediation_case", case.id)


# -- the case page ------------------------------------------------------------------------

def case_page(case, rel, forms=None, status=200, record=True):
    """The case page; `record` False when a refused form shows it again (the look at the
    case was recorded when the page was opened; a refused request writes nothing)."""
    ctx = g.ctx
    forms = forms or {}
    assignments = db.session.execute(select(MediatorAssignment).where(MediatorAssignment.case_id == case.id)
                                     .order_by(MediatorAssignment.id)).scalars().all()
    active = [a for a in assignments if a.active]
    people = _names([case.requester_id, case.other_party_id, case.recorded_by_id] +
                    [a.mediator_id for a in assignments])
    sessions = db.session.execute(select(CaseSession).where(CaseSession.case_id == case.id)
                                  .order_by(CaseSession.held_on, CaseSession.id)).scalars().all()
    agreement = db.session.execute(select(Agreement).where(Agreement.case_id == case.id)).scalar_one_or_none()
    follow_ups = db.session.execute(select(FollowUp).where(FollowUp.case_id == case.id)
                                    .order_by(FollowUp.id)).scalars().all()
    files = uploads.attachments_for(g.community, "mediation_case", [case.id])[case.id]
    corrections = db.session.execute(select(CorrectionRequest).where(CorrectionRequest.case_id == case.id)
                                     .order_by(CorrectionRequest.id)).scalars().all() if "committee" in rel else []
    rated = services.has_rated(case, ctx.user) if perm.is_party(rel) else True
    mine = next((a for a in active if a.mediator_id == ctx.user.id), None)
    can = dict(
        notes=perm.can_see_notes(rel), triage=perm.can_triage(rel, case),
        other_party=perm.can_answer_for_other_party(rel, case), assign=perm.can_assign(rel, case),
        remove=perm.can_remove_mediator(rel, case), conflict=perm.can_declare_conflict(rel, case) and mine,
        ask_other=perm.can_ask_other_mediator(rel, case) and bool(active),
        session=perm.can_add_session(rel, case), outcome=perm.can_record_outcome(rel, case),
        follow_up=perm.can_follow_up(rel, case), close=perm.can_close(rel, case),
        rate=perm.can_rate(rel, case, rated), export=perm.can_export_own(rel, case),
        correct=perm.can_request_correction(rel, case),
        print=perm.can_print_agreement(rel, case, agreement is not None and agreement.kind == "written"),
        committee="committee" in rel)
    if can["assign"] and "assign" not in forms:
        forms["assign"] = _assign_form(case)
    if can["ask_other"] and "ask_other" not in forms:
        forms["ask_other"] = _change_form(active, people)
    defaults = {"triage": TriageForm, "other_party": OtherPartyForm, "session": SessionForm,
                "follow_up": FollowUpForm, "rate": RatingForm, "correct": CorrectionForm}
    for key, cls in defaults.items():
        if can[key] and key not in forms:
            forms[key] = cls(formdata=None)
    html = render_template("mediation/case.html", case=case, rel=rel, can=can, forms=forms, people=people,
                           assignments=assignments, sessions=sessions, agreement=agreement,
                           follow_ups=follow_ups, files=files, mine=mine, corrections=corrections,
                           status_text=status_sentence(case))
    if record:  # after rendering, so that nothing the page shows is loaded again after the commit
        _record_view(case, "case", rel)
    return html, status


def _record_view(case, what, rel):
    services.record_view(g.ctx.user, g.community, case, what, audit_role(rel))
    commit_read("trace")


def _names(ids) -> dict:
    from ..auth.models import User

    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {u.id: u.display_name for u in db.session.execute(select(User).where(User.id.in_(ids))).scalars()}


def _assign_form(case, formdata=None):
    form = AssignForm(formdata=formdata) if formdata is not None else AssignForm(formdata=None)
    form.mediator.choices = [(u.id, u.display_name) for u in queries.mediators_of(g.community)
                             if u.id not in (case.requester_id, case.other_party_id)]
    return form


def _change_form(active, people, formdata=None):
    form = ChangeMediatorForm(formdata=formdata) if formdata is not None else ChangeMediatorForm(formdata=None)
    form.assignment.choices = [(a.id, people.get(a.mediator_id, "")) for a in active]
    return form


@bp.get("/<id:case_id>")
def case(case_id):
    c, rel = load_case(case_id)
    return case_page(c, rel)


@bp.get("/<id:case_id>/agreement")
def agreement(case_id):
    c, rel = load_case(case_id)
    a = db.session.execute(select(Agreement).where(Agreement.case_id == c.id)).scalar_one_or_none()
    require(perm.can_print_agreement(rel, c, a is not None and a.kind == "written"))
    mediators = queries.mediator_ids(c)
    people = _names([c.requester_id, c.other_party_id] + list(mediators))
    html = render_template("mediation/agreement.html", case=c, a=a, people=people,
                           mediators=[people[i] for i in sorted(mediators) if i in people])
    _record_view(c, "agreement", rel)
    return html


@bp.get("/<id:case_id>/export.json")
def export_own(case_id):
    c, rel = load_case(case_id)
    require(perm.can_export_own(rel, c))
    data = services.export_party_data(current_user, g.community, c)
    commit_read("trace")
    return _json_download(data, f"mediation-case-{c.id}.json")


# -- files: served by the files blueprint, privately ------------------------------------------

def _files_visible(ctx, community, case_id):
    if ctx.user is None:
        return False
    c = db.session.execute(select(MediationCase).where(MediationCase.id == case_id,
                                                       MediationCase.community_id == community.id)).scalar_one_or_none()
    return c is not None and perm.can_view(perm.relation(ctx, c, queries.mediator_ids(c)))


def _file_served(ctx, community, attachment):
    c = db.session.get(MediationCase, attachment.owner_id)
    rel = perm.relation(ctx, c, queries.mediator_ids(c))
    services.record_view(ctx.user, community, c, "file", audit_role(rel))
    commit_read("trace")


def _register_files():
    from ..uploads.views import register_owner

    register_owner("mediation_case", _files_visible, private=True, on_serve=_file_served)


_register_files()

from . import actions  # noqa: E402,F401  (the POST routes on this blueprint)
from . import readaloud  # noqa: E402,F401  (registers the case status that can be read aloud)
