"""Thin poll views for residents and visitors: list, detail with result, casting,
receipt, the published ballots table and the resident's own history."""
from __future__ import annotations

import re

from flask import Response, abort, flash, g, redirect, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..communities.scoping import community_blueprint, get_or_404
from ..extensions import db
from ..cache import cached, dont_store
from ..web.permissions import require
from ..web.reads import commit_read
from . import links, queries, results
from . import permissions as perm
from . import services as vs
from .forms import ChoiceForm, LookupForm
from .models import Poll

bp = community_blueprint("votes", __name__, "/votes")


def load(poll_id: int) -> Poll:
    """The poll of this community (404 otherwise), closed first if its time has come."""
    poll = get_or_404(Poll, g.community, poll_id)
    if not perm.can_view(g.ctx, poll):
        abort(404)
    if vs.close_if_due(g.community, poll):
        commit_read("due")
    return poll


def to_detail(poll, anchor=""):
    return redirect(url_for("votes.detail", poll_id=poll.id) + anchor, code=303)


def fmt_tracker(t: str) -> str:
    return "-".join(t[i:i + 4] for i in range(0, len(t), 4))


@bp.app_template_global()
def vote_label(option) -> str:
    return results.option_label(option)


@bp.app_template_global()
def linked_polls(kind: str, obj_id: int):
    """Polls (not drafts) that decide an object of another capability, for its page."""
    return queries.polls_linked_to(g.community, kind, obj_id)


@bp.app_template_filter("tracker")
def _tracker_filter(t: str) -> str:
    return fmt_tracker(t)


def linked(poll):
    if not poll.link_kind:
        return None
    try:
        kind = links.get(poll.link_kind)
    except KeyError:
        return None
    obj = kind.load(g.community, poll.link_id)
    return None if obj is None else {"title": kind.title(obj), "url": kind.url(obj)}


@bp.get("/")
def index():
    if any([vs.close_if_due(g.community, poll) for poll in queries.list_polls(g.community, False)["open"]]):
        commit_read("due")
    groups = queries.list_polls(g.community, perm.can_create(g.ctx))
    return render_template("votes/index.html", groups=groups, can_create=perm.can_create(g.ctx),
                           history=perm.can_see_history(g.ctx))


def chart(options, totals):
    top = max(totals, default=0) or 1
    return [{"label": results.option_label(o), "count": totals[o.position - 1] if totals else 0,
             "pct": round(100 * (totals[o.position - 1] if totals else 0) / top), "key": o.key} for o in options]


# A closed poll's result and published ballots never change (the result is stored at close), and
# what they show of other things (the linked item's title) changes only through audited services,
# which move the community's content version; what no event marks (a voter renaming their account
# on a roll-call result) is bounded by the cache's lifetime. So visitors get these pages from the
# page cache (portal/cache/visitors.py), even before any hook: only a closed poll's page is ever
# kept, so a hit can only be a closed poll's stored copy. Open polls are rendered every time: one
# past its closing time must be closed on access, not shown from a copy.


@bp.get("/<id:poll_id>")
@cached()
def detail(poll_id):
    poll = load(poll_id)
    if poll.state != "closed":
        dont_store()
    return _detail(poll)


def _detail(poll):
    ctx = g.ctx
    opts = queries.options(poll)
    mine = queries.my_roll_entry(poll, ctx.user) if ctx.verified else None
    r = queries.result(poll) if poll.state == "closed" else None
    totals = queries.totals(r)
    can_cast = perm.can_cast(ctx, poll) and mine is None and queries.in_electorate(poll, ctx.user)
    return render_template(
        "votes/detail.html", poll=poll, options=opts, mine=mine, result=r, totals=totals,
        bars=chart(opts, totals) if r else [], link=linked(poll),
        # Closed: the stored turnout (never recounted per request); open: the live count.
        voted=r.turnout if r is not None else (queries.participation(poll) if poll.state == "open" else 0),
        rollcall=queries.rollcall(poll) if r is not None and not poll.secret else [],
        form=ChoiceForm() if can_cast else None,
        can=dict(cast=can_cast, edit=perm.can_edit(ctx, poll), open=perm.can_open(ctx, poll),
                 close=perm.can_close(ctx, poll), record=perm.can_record(ctx, poll),
                 roll=perm.can_see_roll(ctx, poll)))


def _choice_labels(poll, chosen):
    opts = {o.position: o for o in queries.options(poll)}
    return [opts[p] for p in chosen]


@bp.post("/<id:poll_id>/confirm")
def confirm(poll_id):
    """Step two: the choice repeated in words and as a pictogram, before it is cast."""
    poll = load(poll_id)
    require(perm.can_cast(g.ctx, poll))
    form = ChoiceForm()
    if not form.validate_on_submit():
        flash(_("Please choose one of the listed options."), "error")
        return to_detail(poll, "#cast")
    chosen = vs.check_choice(poll, form.choice.data)
    return render_template("votes/confirm.html", poll=poll, chosen=_choice_labels(poll, chosen), form=form)


@bp.post("/<id:poll_id>/cast")
def cast(poll_id):
    poll = load(poll_id)
    require(perm.can_cast(g.ctx, poll))
    form = ChoiceForm()
    if not form.validate_on_submit():
        flash(_("Please choose one of the listed options."), "error")
        return to_detail(poll, "#cast")
    tracker = vs.cast(g.community, current_user, poll, form.choice.data)
    db.session.commit()
    flash(_("Your vote is counted."), "success")
    return redirect(url_for("votes.receipt", poll_id=poll.id, tracker=tracker), code=303)


@bp.get("/<id:poll_id>/receipt/<string:tracker>")
def receipt(poll_id, tracker):
    poll = load(poll_id)
    tracker = vs.normalise_tracker(tracker)
    if poll.state == "draft" or queries.find_ballot(poll, tracker) is None:
        abort(404)
    return render_template("votes/receipt.html", poll=poll, tracker=tracker)


@bp.get("/<id:poll_id>/ballots")
@cached()
def ballots(poll_id):
    poll = load(poll_id)
    if not perm.can_see_published(g.ctx, poll):
        abort(404)
    if poll.state != "closed":
        dont_store()
    return _ballots(poll)


def _ballots(poll):
    # Keyset pages (after = the last receipt code shown): a deep page of a 100,000-ballot
    # table costs what the first one does (an OFFSET would walk every row before it).
    after = request.args.get("after", "")
    if after and not re.fullmatch(r"[A-Z2-7]{16}", after):
        abort(400)
    form = LookupForm(request.args)
    if not form.validate():
        abort(400)
    r = queries.result(poll)
    rows = queries.ballots_after(poll, after)
    next_after = rows[queries.PAGE_SIZE - 1][0] if len(rows) > queries.PAGE_SIZE else None
    opts = queries.options(poll)
    found, asked = None, vs.normalise_tracker(form.tracker.data or "")
    if asked:
        found = queries.find_ballot(poll, asked)
    return render_template("votes/ballots.html", poll=poll, result=r, rows=rows[:queries.PAGE_SIZE],
                           after=after, next_after=next_after, form=form, asked=asked, found=found,
                           found_labels=[results.option_label(opts[p - 1]) for p in results.parse_choice(found[1])]
                           if found else [], labels={o.position: results.option_label(o) for o in opts})


def _csv(lines, name):
    resp = Response(stream_with_context(lines), mimetype="text/csv")
    resp.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return resp


@bp.get("/<id:poll_id>/ballots.csv")
def ballots_csv(poll_id):
    poll = load(poll_id)
    if not perm.can_see_published(g.ctx, poll):
        abort(404)
    return _csv(results.ballot_lines(poll.id), f"poll-{poll.id}-ballots.csv")


@bp.get("/<id:poll_id>/roll.csv")
def roll_csv(poll_id):
    poll = load(poll_id)
    if poll.state != "closed":
        abort(404)
    require(perm.can_see_roll(g.ctx, poll))
    return _csv(results.roll_lines(poll.id), f"poll-{poll.id}-roll.csv")


@bp.get("/mine")
def mine():
    require(perm.can_see_history(g.ctx))
    return render_template("votes/mine.html", rows=queries.history(g.community, current_user))


from . import committee_views  # noqa: E402,F401  (routes on this blueprint)
