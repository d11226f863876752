"""The committee's poll pages: create, edit, open, close, assisted and paper entry. Every POST
goes through the action wrapper (portal/web/actions.py), which owns the transaction."""
from __future__ import annotations

from datetime import timedelta, timezone

from flask import g, request
from flask_babel import gettext as _
from flask_babel import to_user_timezone, to_utc
from flask_login import current_user

from ..db import utcnow
from ..web.actions import Done, act
from ..web.forms import ButtonForm
from ..web.permissions import require
from . import casting, closing, queries, services
from . import permissions as perm
from .blueprint import bp, detail_url, load, paper_url
from .forms import PaperTotalsForm, PollForm
from .paper import confirm_paper_totals, enter_paper_totals, mark_paper
from .pages import (
    assisted_form,
    assisted_page,
    detail_page,
    mark_form,
    open_page,
    paper_page,
    poll_form_page,
    proposal_choices,
    waiting_choices,
)


def _local(dt):
    return to_user_timezone(dt).replace(tzinfo=None, second=0, microsecond=0)


def _poll_args(form) -> dict:
    return dict(question=form.question.data, description=form.description.data or "",
                options=(form.options.data or "").splitlines(), kind=form.kind.data,
                k=form.k.data if form.kind.data == "up_to_k" else None, secret=form.secrecy.data == "secret",
                opens_at=to_utc(form.opens_at.data).replace(tzinfo=timezone.utc),
                closes_at=to_utc(form.closes_at.data).replace(tzinfo=timezone.utc), preset=form.preset.data,
                link_kind="proposal" if form.proposal.data else None, link_id=form.proposal.data or None)


def _poll_form() -> PollForm:
    """The poll form, its proposal choices those of this community (a choice, not a number to type)."""
    form = PollForm()
    form.proposal.choices = proposal_choices(g.community)
    return form


@bp.route("/new", methods=["GET", "POST"])
def new():
    require(perm.can_create(g.ctx))
    form = _poll_form()
    if request.method == "GET":
        now = utcnow()
        form.opens_at.data = _local(now)
        form.closes_at.data = _local(now + timedelta(days=7))
        proposal = request.args.get("proposal", "")
        if proposal.isascii() and proposal.isdigit() and len(proposal) < 10:
            form.proposal.data = int(proposal)
        else:
            form.proposal.data = 0

    def run():
        poll = services.create_poll(g.community, **_poll_args(form), actor=current_user)
        return Done(detail_url(poll), _("The poll is saved as a draft. Check it, then open it."))

    return act(form, run, lambda: poll_form_page(form), once=True)


@bp.route("/<id:poll_id>/edit", methods=["GET", "POST"])
def edit(poll_id):
    poll = load(poll_id)
    require(perm.can_edit(g.ctx, poll))
    form = _poll_form()
    if request.method == "GET":
        opts = queries.options(poll)
        form.question.data, form.description.data, form.kind.data = poll.question, poll.description, poll.kind
        form.options.data = "\n".join(o.label for o in opts if not o.key)
        form.k.data, form.preset.data = poll.k, poll.preset
        form.secrecy.data = "secret" if poll.secret else "rollcall"
        form.opens_at.data, form.closes_at.data = _local(poll.opens_at), _local(poll.closes_at)
        form.proposal.data = poll.link_id if poll.link_kind == "proposal" else 0

    def run():
        args = _poll_args(form)
        if poll.link_kind and poll.link_kind != "proposal":  # linked elsewhere (e.g. a rule version): keep it
            args.update(link_kind=poll.link_kind, link_id=poll.link_id)
        services.edit_poll(g.community, poll, **args, actor=current_user)
        return Done(detail_url(poll), _("Saved."))

    return act(form, run, lambda: poll_form_page(form, poll))


@bp.route("/<id:poll_id>/open", methods=["GET", "POST"])
def open_(poll_id):
    """Opening is the check screen's one effect: GET shows the whole ballot and what opening fixes,
    its button POSTs here."""
    poll = load(poll_id)
    require(perm.can_open(g.ctx, poll))
    form = ButtonForm()
    return act(form, lambda: Done(detail_url(poll), _("The poll is open. Residents can vote now."),
                                  result=services.open_poll(g.community, poll, actor=current_user)),
               lambda: open_page(poll, form))


@bp.post("/<id:poll_id>/close")
def close(poll_id):
    poll = load(poll_id)
    require(perm.can_close(g.ctx, poll))
    return act(ButtonForm(), lambda: Done(detail_url(poll, "#result"),
                                          _("The poll is closed and the result is published."),
                                          result=closing.close_poll(g.community, poll, actor=current_user)),
               lambda: detail_page(poll))


@bp.route("/<id:poll_id>/assisted", methods=["GET", "POST"])
def assisted(poll_id):
    poll = load(poll_id)
    require(perm.can_record(g.ctx, poll))
    waiting = waiting_choices(poll)
    form = assisted_form(poll, waiting)

    def run():
        voter = waiting[form.voter.data]  # one of the form's choices: someone of the list who has not voted
        casting.cast_assisted(g.community, poll, voter, form.choice.data, present=form.present.data,
                              agreed=form.agreed.data, actor=current_user)
        return Done(detail_url(poll), _("The vote of %(name)s is recorded, marked as recorded by you. They see it "
                                        "in their history and can object within 7 days.", name=voter.display_name))

    return act(form, run, lambda: assisted_page(poll, form, waiting))


@bp.get("/<id:poll_id>/paper")
def paper(poll_id):
    poll = load(poll_id)
    require(perm.can_record(g.ctx, poll))
    return paper_page(poll)


@bp.post("/<id:poll_id>/paper/mark")
def paper_mark(poll_id):
    poll = load(poll_id)
    require(perm.can_record(g.ctx, poll))
    waiting = waiting_choices(poll)
    form = mark_form(waiting)

    def run():
        n = mark_paper(g.community, poll, [waiting[i] for i in form.voters.data], actor=current_user)
        return Done(paper_url(poll), _("%(num)d residents marked as having voted on paper.", num=n))

    return act(form, run, lambda: paper_page(poll, mark=form))


@bp.post("/<id:poll_id>/paper/totals")
def paper_totals(poll_id):
    poll = load(poll_id)
    require(perm.can_record(g.ctx, poll))
    form = PaperTotalsForm()
    form.counts.expected = len(queries.options(poll))

    def run():
        enter_paper_totals(g.community, poll, form.ballots.data, form.invalid.data or 0,
                           form.counts.data, actor=current_user)
        return Done(paper_url(poll), _("The paper totals are saved. A second committee member must confirm them."))

    return act(form, run, lambda: paper_page(poll, totals=form), once=True)


@bp.post("/<id:poll_id>/paper/confirm")
def paper_confirm(poll_id):
    poll = load(poll_id)
    require(perm.can_record(g.ctx, poll))
    return act(ButtonForm(), lambda: Done(paper_url(poll), _("The paper totals are confirmed and will be counted."),
                                          result=confirm_paper_totals(g.community, poll, actor=current_user)),
               lambda: paper_page(poll))
