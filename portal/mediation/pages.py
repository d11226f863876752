"""The case page, rendered by its GET view and again after a mistake in one of its forms
(actions.py), and the look at a case that the audit trail records (a read trace)."""
from __future__ import annotations

from flask import g, render_template

from ..uploads import services as uploads
from ..web.reads import commit_read
from . import permissions as perm
from . import queries, services
from .blueprint import audit_role
from .forms import (AssignForm, ChangeMediatorForm, CorrectionForm, FollowUpForm, NoConflictForm, OtherPartyForm,
                    RatingForm, SessionForm, TriageForm)
from .labels import status_sentence


def record_view(case, what: str, rel) -> None:
    """A look at the case (its page, agreement, outcome form) goes into the audit trail, by law:
    who looked, at what, never the contents (portal/web/reads.py, "trace")."""
    services.record_view(g.community, case, what, audit_role(rel), actor=g.ctx.user)
    commit_read("trace")


def assign_form(case, assignments, formdata=None):
    """The form offers only the mediators who can be assigned: not a party, not one already on
    the case, not one who stepped aside from it (回避). A form as sent is checked against every
    mediator of the community (`formdata`), so that the same form sent twice lands on what the first
    send made and a mediator assigned meanwhile is told at the field (services.assign_mediator)."""
    form = AssignForm(formdata=formdata)
    form.mediator.choices = [(u.id, u.display_name) for u in queries.mediators_of(g.community)
                             if u.id not in (case.requester_id, case.other_party_id)]
    if formdata is None:
        offer_only_free(form, assignments)
    return form


def offer_only_free(form, assignments):
    """Leave only the mediators who can still be assigned among the form's choices."""
    taken = {a.mediator_id for a in assignments if a.active or a.conflict_declared}
    form.mediator.choices = [(i, name) for i, name in form.mediator.choices if i not in taken]
    return form


def change_form(active, people, formdata=None):
    form = ChangeMediatorForm(formdata=formdata)
    form.assignment.choices = [(a.id, people.get(a.mediator_id, "")) for a in active]
    return form


def case_page(case, rel, forms=None, status=200, record=True):
    """The case page; `record` False when a refused form shows it again (the look at the
    case was recorded when the page was opened; a refused request writes nothing)."""
    ctx = g.ctx
    forms = forms or {}
    r = queries.case_record(g.community, case, corrections="committee" in rel)
    active = [a for a in r.assignments if a.active]
    people = queries.names(g.community, [case.requester_id, case.other_party_id, case.recorded_by_id] +
                           [a.mediator_id for a in r.assignments])
    files = uploads.attachments_for(g.community, "mediation_case", [case.id])[case.id]
    rated = services.has_rated(case, ctx.user) if perm.is_party(rel) else True
    mine = next((a for a in active if a.mediator_id == ctx.user.id), None)
    declared = bool(mine and mine.no_conflict_declared)
    agreement = r.agreement
    can = {
        "notes": perm.can_see_notes(rel), "triage": perm.can_triage(rel, case),
        "other_party": perm.can_answer_for_other_party(rel, case), "assign": perm.can_assign(rel, case),
        "remove": perm.can_remove_mediator(rel, case), "conflict": perm.can_declare_conflict(rel, case) and mine,
        "ask_other": perm.can_ask_other_mediator(rel, case) and bool(active),
        "declare": bool(mine) and perm.can_declare_no_conflict(rel, case, declared),
        "withdraw": perm.can_withdraw(rel, case),
        "session": perm.can_add_session(rel, case, declared), "outcome": perm.can_record_outcome(rel, case, declared),
        "follow_up": perm.can_follow_up(rel, case), "close": perm.can_close(rel, case),
        "rate": perm.can_rate(rel, case, rated), "export": perm.can_export_own(rel, case),
        "correct": perm.can_request_correction(rel, case),
        "print": perm.can_print_agreement(rel, case, agreement is not None and agreement.kind == "written"),
        "committee": "committee" in rel}
    if can["assign"] and "assign" not in forms:
        forms["assign"] = assign_form(case, r.assignments)
    elif "assign" in forms:  # sent with a mistake: offered again as on the page
        offer_only_free(forms["assign"], r.assignments)
    if can["ask_other"] and "ask_other" not in forms:
        forms["ask_other"] = change_form(active, people)
    defaults = {"triage": TriageForm, "other_party": OtherPartyForm, "session": SessionForm, "declare": NoConflictForm,
                "follow_up": FollowUpForm, "rate": RatingForm, "correct": CorrectionForm}
    for key, cls in defaults.items():
        if can[key] and key not in forms:
            forms[key] = cls(formdata=None)
    html = render_template("mediation/case.html", case=case, rel=rel, can=can, forms=forms, people=people,
                           assignments=r.assignments, sessions=r.sessions, agreement=agreement,
                           follow_ups=r.follow_ups, files=files, mine=mine, corrections=r.corrections,
                           status_text=status_sentence(case))
    if record:  # after rendering, so that nothing the page shows is loaded again after the commit
        record_view(case, "case", rel)
    return html, status
