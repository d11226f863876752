"""The POST actions on a case: load, check the permission, build the form and hand it to the
action wrapper (portal/web/actions.py), which owns the transaction. A form with a mistake shows
the case page again (400) with that form as it was sent and the message at its field; a refused
form writes nothing, not even the look at the case (pages.case_page, record=False)."""
from __future__ import annotations

from flask import abort, g, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..web.actions import Done, act
from ..web.forms import ButtonForm
from ..web.permissions import require
from . import permissions as perm
from . import queries, services
from ..web.permissions import require_or_sent
from .blueprint import bp, case_url, load_assignment, load_case
from .forms import (CorrectionForm, FollowUpForm, NoConflictForm, OtherPartyForm, OutcomeForm, RatingForm, SessionForm,
                    TriageForm, WithdrawForm)
from .pages import assign_form, case_page, change_form, record_view


def _declared(case) -> bool:
    """Whether the acting mediator declared that he has no conflict in this case."""
    mine = queries.own_assignment(case, current_user)
    return bool(mine and mine.no_conflict_declared)


def _again(case, rel, key, form):
    """The case page with `form` as it was sent (its key in the page's forms)."""
    return lambda: case_page(case, rel, {key: form}, record=False)


@bp.post("/<id:case_id>/triage")
def triage(case_id):
    case, rel = load_case(case_id)
    require(perm.can_triage(rel, case))
    form = TriageForm()

    def run():
        services.triage(g.community, case, form.decision.data == "accept", form.reason.data or "",
                        form.referral.data or "", actor=current_user)
        return Done(case_url(case), _("The decision is recorded and shown to the person who asked."))

    return act(form, run, _again(case, rel, "triage", form))


@bp.post("/<id:case_id>/other-party")
def other_party(case_id):
    case, rel = load_case(case_id)
    require(perm.can_answer_for_other_party(rel, case))
    form = OtherPartyForm()

    def run():
        services.other_party_answer(g.community, case, form.agrees.data == "yes",
                                    "committee" if "committee" in rel else "resident", actor=current_user)
        return Done(case_url(case), _("The other party's answer is recorded."))

    return act(form, run, _again(case, rel, "other_party", form))


@bp.post("/<id:case_id>/mediators")
def assign(case_id):
    case, rel = load_case(case_id)
    require_or_sent(perm.can_assign(rel, case))
    form = assign_form(case, queries.assignments_of(case), request.form)

    def run():
        services.assign_mediator(g.community, case, queries.person(g.community, form.mediator.data),
                                 actor=current_user)
        return Done(case_url(case, "#mediators"), _("The mediator is assigned. They now declare on their own "
                                                    "page that they have no conflict of interest."))

    return act(form, run, _again(case, rel, "assign", form), once=True)


@bp.post("/<id:case_id>/mediators/<id:assignment_id>/remove")
def remove_mediator(case_id, assignment_id):
    case, rel = load_case(case_id)
    require(perm.can_remove_mediator(rel, case))
    a = load_assignment(case, assignment_id)

    def run():
        services.remove_mediator(g.community, case, a, actor=current_user)
        return Done(case_url(case, "#mediators"), _("The mediator is no longer on this case."))

    return act(ButtonForm(), run, lambda: case_page(case, rel, record=False))


@bp.post("/<id:case_id>/conflict")
def conflict(case_id):
    case, rel = load_case(case_id)
    require(perm.can_declare_conflict(rel, case))
    mine = next((a for a in services.active_assignments(case) if a.mediator_id == current_user.id), None)
    if mine is None:
        abort(403)  # not (or no longer) a mediator of this case: a permission, not a mistake in a form

    def run():
        services.declare_conflict(g.community, case, mine, actor=current_user)
        return Done(url_for("mediation.index"),
                    _("You have stepped aside from this case. The committee will assign someone else."))

    return act(ButtonForm(), run, lambda: case_page(case, rel, record=False))


@bp.post("/<id:case_id>/no-conflict")
def no_conflict(case_id):
    """The assigned mediator's own declaration (回避): only he can send it."""
    case, rel = load_case(case_id)
    mine = queries.own_assignment(case, current_user)
    require_or_sent(mine is not None and perm.can_declare_no_conflict(rel, case, mine.no_conflict_declared))
    form = NoConflictForm()

    def run():
        services.declare_no_conflict(g.community, case, mine, actor=current_user)
        return Done(case_url(case, "#mediators"), _("Your declaration is recorded. The committee can see it."))

    return act(form, run, _again(case, rel, "declare", form), once=True)


class _FormPage:
    """A case's form on a page of its own: rendered again by the wrapper after a mistake, and on a
    GET traced as a look at the case (after rendering, as on the case page)."""

    def __init__(self, case, rel, form, template: str, what: str):
        self.case, self.rel, self.form, self.template, self.what = case, rel, form, template, what

    def __call__(self):
        return render_template(self.template, case=self.case, form=self.form)

    def shown(self):
        html = self()
        record_view(self.case, self.what, self.rel)
        return html


@bp.route("/<id:case_id>/withdraw", methods=["GET", "POST"])
def withdraw(case_id):
    """The check screen, then the withdrawal of the requester's own request."""
    case, rel = load_case(case_id)
    require_or_sent(perm.can_withdraw(rel, case))
    form = WithdrawForm()

    page = _FormPage(case, rel, form, "mediation/withdraw.html", "withdraw form")
    if request.method == "GET":
        return page.shown()

    def run():
        services.withdraw_request(g.community, case, actor=current_user)
        return Done(case_url(case), _("Your request is withdrawn. The committee sees that you withdrew it."))

    return act(form, run, page, once=True)


@bp.post("/<id:case_id>/other-mediator")
def other_mediator(case_id):
    case, rel = load_case(case_id)
    active = services.active_assignments(case)
    require_or_sent(perm.can_ask_other_mediator(rel, case) and bool(active))
    form = change_form(active, queries.names(g.community, [a.mediator_id for a in active]), request.form)

    def run():
        services.request_other_mediator(g.community, case, load_assignment(case, form.assignment.data),
                                        form.reason.data or "", actor=current_user)
        return Done(case_url(case, "#mediators"), _("Your request is sent to the committee."))

    return act(form, run, _again(case, rel, "ask_other", form), once=True)


@bp.post("/<id:case_id>/sessions")
def add_session(case_id):
    case, rel = load_case(case_id)
    require_or_sent(perm.can_add_session(rel, case, _declared(case)))
    form = SessionForm()

    def run():
        services.add_session(g.community, case, form.held_on.data, form.place.data,
                             form.attendees.data or "", form.notes.data or "", actor=current_user)
        return Done(case_url(case, "#sessions"), _("The session is recorded."))

    return act(form, run, _again(case, rel, "session", form), once=True)


@bp.route("/<id:case_id>/outcome", methods=["GET", "POST"])
def outcome(case_id):
    case, rel = load_case(case_id)
    require_or_sent(perm.can_record_outcome(rel, case, _declared(case)))
    form = OutcomeForm()

    page = _FormPage(case, rel, form, "mediation/outcome.html", "outcome form")
    if request.method == "GET":
        return page.shown()

    def run():
        services.record_outcome(g.community, case, form.kind.data, facts=form.facts.data or "",
                                issues=form.issues.data or "", terms=form.terms(), note=form.note.data or "",
                                referral=form.referral.data or "", actor=current_user)
        return Done(case_url(case), _("The outcome is recorded."))

    return act(form, run, page, once=True)


@bp.post("/<id:case_id>/follow-up")
def follow_up(case_id):
    case, rel = load_case(case_id)
    require_or_sent(perm.can_follow_up(rel, case))
    form = FollowUpForm()

    def run():
        services.record_follow_up(g.community, case, form.kept.data, form.note.data or "", actor=current_user)
        return Done(case_url(case), _("The follow-up is recorded."))

    return act(form, run, _again(case, rel, "follow_up", form), once=True)


@bp.post("/<id:case_id>/close")
def close(case_id):
    case, rel = load_case(case_id)
    require(perm.can_close(rel, case))

    def run():
        services.close_case(g.community, case, actor=current_user)
        return Done(case_url(case), _("The case is closed."))

    return act(ButtonForm(), run, lambda: case_page(case, rel, record=False))


@bp.post("/<id:case_id>/rating")
def rate(case_id):
    case, rel = load_case(case_id)
    require_or_sent(perm.can_rate(rel, case, services.has_rated(case, current_user)))
    form = RatingForm()

    def run():
        services.rate(g.community, case, form.stars.data, form.comment.data or "", actor=current_user)
        return Done(case_url(case), _("Thank you. Ratings are only shown added up, never by name."))

    return act(form, run, _again(case, rel, "rate", form), once=True)


@bp.post("/<id:case_id>/correction")
def correction(case_id):
    case, rel = load_case(case_id)
    require_or_sent(perm.can_request_correction(rel, case))
    form = CorrectionForm()

    def run():
        services.request_correction(g.community, case, form.body.data, actor=current_user)
        return Done(case_url(case), _("Your request for a correction is sent to the committee."))

    return act(form, run, _again(case, rel, "correct", form), once=True)
