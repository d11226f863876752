"""Mediation pages: intake, my cases, the committee's list and export, the case page,
the agreement print view and the public figures. The POST actions on a case are in
actions.py; both load through blueprint.py, and every form goes through the action
wrapper (portal/web/actions.py), which owns the transaction. A look at a case is
recorded (pages.record_view, a read trace)."""
from __future__ import annotations

import json

from flask import Response, abort, g, render_template, request
from flask_babel import gettext as _
from flask_babel import pgettext
from flask_login import current_user

from ..auth.services import find_user
from ..uploads import services as uploads
from ..web.actions import Done, act
from ..web.errors import PortalError
from ..web.permissions import require
from ..web.reads import commit_read
from ..web.steps import Steps
from . import permissions as perm
from . import queries, retention, services
from .blueprint import bp, case_url, load_case
from .forms import MAX_PHOTOS, CaseFilterForm, IntakeForm
from .labels import STATE_LABELS
from .pages import case_page, record_view

# -- lists -----------------------------------------------------------------------


@bp.get("/")
def index():
    require(g.ctx.verified)
    cases = queries.my_cases(g.community, current_user)
    to_declare = queries.undeclared_case_ids(current_user) if g.ctx.has_role("mediator") else set()
    return render_template("mediation/index.html", cases=cases, can_list_all=perm.can_list_all(g.ctx),
                           to_declare=to_declare)


@bp.get("/committee")
def committee():
    require(perm.can_list_all(g.ctx))
    form = CaseFilterForm(request.args)
    form.state.choices = [("", _("All")), ("open", _("Open"))] + [(k, v) for k, v in STATE_LABELS.items()]
    if not form.validate():
        abort(400)  # a filter link we did not write (a GET: nothing was sent to show again)
    return render_template("mediation/committee.html", rows=queries.committee_cases(g.community, form.state.data or ""),
                           form=form, deadlines=queries.deadlines())


@bp.get("/committee/export.json")
def export_all():
    require(perm.can_list_all(g.ctx))
    data = retention.committee_export(g.community, actor=current_user)
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
    if steps.active:  # the recorder is asked at the end, not below (issue 14, 10)
        form.what_happened.description = pgettext("easy", "In your own words. At the last step you can also "
                                                          "add a voice recording.")
        form.voice.label.text = pgettext("easy", "Your voice: a recording (if you like)")
        form.voice.description = pgettext("easy", "What your phone's recorder saves. At most 5 minutes.")
        form.photos.description = pgettext("easy", "Up to 4 photos. Where they were taken is removed.")

    def run():
        on_behalf_name = (form.on_behalf_username.data or "").strip() if committee else ""
        on_behalf = _resident(form.on_behalf_username) if on_behalf_name else None
        other = _resident(form.other_party_username) if (form.other_party_username.data or "").strip() else None
        fields = {"category": form.category.data, "what_happened": form.what_happened.data,
                  "what_they_want": form.what_they_want.data, "other_party_name": form.other_party_name.data,
                  "other_party_contact": form.other_party_contact.data or "", "other_party": other,
                  "contact_time": form.contact_time.data or "", "urgency": form.urgency.data,
                  "consent": bool(form.consent.data)}
        if on_behalf is None:
            case = services.file_request(g.community, **fields, actor=current_user)
        else:
            try:
                case = services.file_request_with(g.community, on_behalf,
                                                  present=bool(form.present.data), agreed=bool(form.agreed.data),
                                                  **fields, actor=current_user)
            except PortalError as exc:
                if exc.field == "resident":  # the assisted ledger's name for the resident's user name
                    exc.field = "on_behalf_username"
                raise
        _save_files(form, case)
        if on_behalf is not None:
            return Done(case_url(case), _("The request is filed in the name of %(name)s, marked as recorded by you. "
                                          "They see it in their history and can object within 7 days.",
                                          name=on_behalf.display_name))
        return Done(case_url(case), _("Your request is sent. The committee will contact you; only the people "
                                      "handling it can see it."))

    return act(form, run, lambda: render_template(
        "mediation/new.html", form=form, committee=committee, steps=steps, consent_text=services.consent_text(),
        consent_version=services.CONSENT_VERSION), steps=steps, once=True)


def _intake_steps(committee):
    """Easy reading mode asks one section per screen; the files and the consent come last."""
    reaching = ["contact_time", "urgency"] + (["on_behalf_username", "present", "agreed"] if committee else [])
    return [["category"], ["what_happened"], ["what_they_want"],
            ["other_party_name", "other_party_contact", "other_party_username"], reaching,
            ["voice", "photos", "consent"]]


def _resident(field):
    """The verified resident a user name field names, else a refusal at that field."""
    name = (field.data or "").strip()
    user = find_user(name)
    if user is None or services.verified_member(g.community, user) is None:
        raise PortalError(_("There is no verified resident with the user name %(name)s.", name=name),
                          field=field.name)
    return user


def _save_files(form, case):
    uploads.save_form_files(g.community, form.photos.data, form.voice.data, "mediation_case", case.id,
                            max_photos=MAX_PHOTOS, actor=current_user)

# -- the case page ------------------------------------------------------------------------

@bp.get("/<id:case_id>")
def case(case_id):
    c, rel = load_case(case_id)
    return case_page(c, rel)


@bp.get("/<id:case_id>/agreement")
def agreement(case_id):
    c, rel = load_case(case_id)
    a = queries.agreement_of(g.community, c)
    require(perm.can_print_agreement(rel, c, a is not None and a.kind == "written"))
    mediators = queries.mediator_ids(c)
    people = queries.names(g.community, [c.requester_id, c.other_party_id] + list(mediators))
    html = render_template("mediation/agreement.html", case=c, a=a, people=people,
                           households=queries.households(g.community, [c.requester_id, c.other_party_id]),
                           signed_on=services.local_date(a.created_at),
                           mediators=[people[i] for i in sorted(mediators) if i in people])
    record_view(c, "agreement", rel)
    return html


@bp.get("/<id:case_id>/export.json")
def export_own(case_id):
    c, rel = load_case(case_id)
    require(perm.can_export_own(rel, c))
    data = retention.export_party_data(g.community, c, actor=current_user)
    commit_read("trace")
    return _json_download(data, f"mediation-case-{c.id}.json")
