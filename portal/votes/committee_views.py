"""The committee's poll pages: create, edit, open, close, assisted and paper entry."""
from __future__ import annotations

from datetime import timedelta, timezone

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import to_user_timezone, to_utc
from flask_login import current_user
from sqlalchemy import select

from ..auth.models import User
from ..db import utcnow
from ..web.errors import PortalError
from ..extensions import db
from ..web.permissions import require
from . import permissions as perm
from . import queries
from . import services as vs
from .forms import AssistedForm, PaperMarkForm, PaperTotalsForm, PollForm
from .views import bp, load, to_detail


def _local(dt):
    return to_user_timezone(dt).replace(tzinfo=None, second=0, microsecond=0)


def _poll_args(form) -> dict:
    return dict(question=form.question.data, description=form.description.data or "",
                options=(form.options.data or "").splitlines(), kind=form.kind.data,
                k=form.k.data if form.kind.data == "up_to_k" else None, secret=form.secrecy.data == "secret",
                opens_at=to_utc(form.opens_at.data).replace(tzinfo=timezone.utc),
                closes_at=to_utc(form.closes_at.data).replace(tzinfo=timezone.utc), preset=form.preset.data,
                link_kind="proposal" if form.proposal.data else None, link_id=form.proposal.data or None)


def _render_form(form, poll, status=200):
    return render_template("votes/form.html", form=form, poll=poll), status


@bp.route("/new", methods=["GET", "POST"])
def new():
    require(perm.can_create(g.ctx))
    form = PollForm()
    if request.method == "GET":
        now = utcnow()
        form.opens_at.data = _local(now)
        form.closes_at.data = _local(now + timedelta(days=7))
        proposal = request.args.get("proposal", "")
        if proposal.isascii() and proposal.isdigit() and len(proposal) < 10:
            form.proposal.data = int(proposal)
    if form.validate_on_submit():
        try:
            poll = vs.create_poll(g.community, current_user, **_poll_args(form))
            db.session.commit()
        except PortalError as exc:
            db.session.rollback()
            form.question.errors.append(exc.message)
            return _render_form(form, None, 400)
        flash(_("The poll is saved as a draft. Check it, then open it."), "success")
        return to_detail(poll)
    return _render_form(form, None, 400 if request.method == "POST" else 200)


@bp.route("/<id:poll_id>/edit", methods=["GET", "POST"])
def edit(poll_id):
    poll = load(poll_id)
    require(perm.can_edit(g.ctx, poll))
    form = PollForm()
    if request.method == "GET":
        opts = queries.options(poll)
        form.question.data, form.description.data, form.kind.data = poll.question, poll.description, poll.kind
        form.options.data = "\n".join(o.label for o in opts if not o.key)
        form.k.data, form.preset.data = poll.k, poll.preset
        form.secrecy.data = "secret" if poll.secret else "rollcall"
        form.opens_at.data, form.closes_at.data = _local(poll.opens_at), _local(poll.closes_at)
        form.proposal.data = poll.link_id if poll.link_kind == "proposal" else None
    if form.validate_on_submit():
        try:
            args = _poll_args(form)
            if poll.link_kind and poll.link_kind != "proposal":  # linked elsewhere (e.g. a rule version): keep it
                args.update(link_kind=poll.link_kind, link_id=poll.link_id)
            vs.edit_poll(g.community, current_user, poll, **args)
            db.session.commit()
        except PortalError as exc:
            db.session.rollback()
            form.question.errors.append(exc.message)
            return _render_form(form, poll, 400)
        flash(_("Saved."), "success")
        return to_detail(poll)
    return _render_form(form, poll, 400 if request.method == "POST" else 200)


@bp.post("/<id:poll_id>/open")
def open_(poll_id):
    poll = load(poll_id)
    require(perm.can_open(g.ctx, poll))
    vs.open_poll(g.community, current_user, poll)
    db.session.commit()
    flash(_("The poll is open. Residents can vote now."), "success")
    return to_detail(poll)


@bp.post("/<id:poll_id>/close")
def close(poll_id):
    poll = load(poll_id)
    require(perm.can_close(g.ctx, poll))
    vs.close_poll(g.community, current_user, poll)
    db.session.commit()
    flash(_("The poll is closed and the result is published."), "success")
    return to_detail(poll, "#result")


def _voter(user_id) -> User:
    """A person on this poll's list who has not voted yet; anything else is a 404."""
    waiting = {u.id: u for u in queries.waiting_voters(g.poll, None)}
    if user_id not in waiting:
        abort(404)
    return waiting[user_id]


@bp.route("/<id:poll_id>/assisted", methods=["GET", "POST"])
def assisted(poll_id):
    poll = g.poll = load(poll_id)
    require(perm.can_record(g.ctx, poll))
    form = AssistedForm()
    waiting = queries.waiting_voters(poll, current_user.id)
    form.voter.choices = [(u.id, u.display_name) for u in waiting]
    if form.validate_on_submit():
        voter = _voter(form.voter.data)
        vs.cast_assisted(g.community, current_user, poll, voter, form.choice.data, present=form.present.data,
                         agreed=form.agreed.data)
        db.session.commit()
        flash(_("The vote of %(name)s is recorded, marked as recorded by you. They see it in their history "
                "and can object within 7 days.", name=voter.display_name), "success")
        return to_detail(poll)
    return render_template("votes/assisted.html", poll=poll, form=form, options=queries.options(poll),
                           waiting=waiting), (400 if request.method == "POST" else 200)


def _paper_page(poll, mark_form=None, totals_form=None, status=200):
    waiting = queries.waiting_voters(poll, current_user.id)
    mark_form = mark_form or PaperMarkForm()
    mark_form.voters.choices = [(u.id, u.display_name) for u in waiting]
    pt = queries.paper_totals(poll)
    people = {}
    if pt is not None:
        ids = [i for i in (pt.entered_by_id, pt.confirmed_by_id) if i]
        people = dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all())
    return render_template("votes/paper.html", poll=poll, waiting=waiting, mark_form=mark_form,
                           totals_form=totals_form or PaperTotalsForm(), options=queries.options(poll), pt=pt,
                           counts=vs.results.paper_counts(pt), people=people,
                           marked=vs.paper_roll_count(poll)), status


@bp.get("/<id:poll_id>/paper")
def paper(poll_id):
    poll = load(poll_id)
    require(perm.can_record(g.ctx, poll))
    return _paper_page(poll)


@bp.post("/<id:poll_id>/paper/mark")
def paper_mark(poll_id):
    poll = g.poll = load(poll_id)
    require(perm.can_record(g.ctx, poll))
    form = PaperMarkForm()
    form.voters.choices = [(u.id, u.display_name) for u in queries.waiting_voters(poll, current_user.id)]
    if not form.validate_on_submit():
        return _paper_page(poll, mark_form=form, status=400)
    n = vs.mark_paper(g.community, current_user, poll, [_voter(i) for i in form.voters.data])
    db.session.commit()
    flash(_("%(num)d residents marked as having voted on paper.", num=n), "success")
    return _to_paper(poll)


def _counts(n):
    out = []
    for pos in range(1, n + 1):
        raw = request.form.get(f"count-{pos}", "").strip()
        if not (raw.isascii() and raw.isdigit()) or len(raw) > 7:
            return None
        out.append(int(raw))
    return out


@bp.post("/<id:poll_id>/paper/totals")
def paper_totals(poll_id):
    poll = load(poll_id)
    require(perm.can_record(g.ctx, poll))
    form = PaperTotalsForm()
    counts = _counts(len(queries.options(poll)))
    if not form.validate_on_submit() or counts is None:
        if counts is None:
            form.ballots.errors = list(form.ballots.errors) + [_("Please give a count (0 or more) for every option.")]
        return _paper_page(poll, totals_form=form, status=400)
    try:
        vs.enter_paper_totals(g.community, current_user, poll, form.ballots.data, form.invalid.data or 0, counts)
    except PortalError as exc:
        db.session.rollback()
        form.ballots.errors = [exc.message]
        return _paper_page(poll, totals_form=form, status=400)
    db.session.commit()
    flash(_("The paper totals are saved. A second committee member must confirm them."), "success")
    return _to_paper(poll)


@bp.post("/<id:poll_id>/paper/confirm")
def paper_confirm(poll_id):
    poll = load(poll_id)
    require(perm.can_record(g.ctx, poll))
    vs.confirm_paper_totals(g.community, current_user, poll)
    db.session.commit()
    flash(_("The paper totals are confirmed and will be counted."), "success")
    return _to_paper(poll)


def _to_paper(poll):
    return redirect(url_for("votes.paper", poll_id=poll.id), code=303)
