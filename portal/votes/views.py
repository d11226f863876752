"""Thin poll views for residents and visitors: list, detail with result, casting,
receipt, the published ballots table and the resident's own history. Every POST goes through the
action wrapper (portal/web/actions.py), which owns the transaction."""
from __future__ import annotations

import re

from flask import Response, abort, g, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..cache import cached, dont_store
from ..web.actions import Done, act
from ..web.errors import PortalError
from ..web.permissions import require
from ..web.reads import commit_read
from . import casting, queries, results
from . import permissions as perm
from .blueprint import bp, detail_url, load
from .closing import close_if_due
from .forms import ChoiceForm, LookupForm
from .pages import detail_page


@bp.get("/")
def index():
    if any([close_if_due(g.community, poll) for poll in queries.list_polls(g.community, False)["open"]]):
        commit_read("due")
    groups = queries.list_polls(g.community, perm.can_create(g.ctx))
    return render_template("votes/index.html", groups=groups, can_create=perm.can_create(g.ctx),
                           history=perm.can_see_history(g.ctx))


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
    return detail_page(poll)


def _refuse(exc: PortalError):
    raise exc


@bp.post("/<id:poll_id>/confirm")
def confirm(poll_id):
    """Step two: the choice repeated in words and as a pictogram, before it is cast. Nothing is
    written; a choice the poll does not allow shows the poll's page again, the message at the
    choice (through the action wrapper, as for the cast)."""
    poll = load(poll_id)
    require(perm.can_cast(g.ctx, poll))
    form = ChoiceForm()
    refused = None
    if form.validate_on_submit():
        try:
            chosen = casting.check_choice(poll, form.choice.data)
        except PortalError as exc:
            refused = exc
        else:
            opts = {o.position: o for o in queries.options(poll)}
            return render_template("votes/confirm.html", poll=poll, chosen=[opts[p] for p in chosen], form=form)
    return act(form, lambda: _refuse(refused), lambda: detail_page(poll, form))


@bp.post("/<id:poll_id>/cast")
def cast(poll_id):
    poll = load(poll_id)
    require(perm.can_cast(g.ctx, poll))
    form = ChoiceForm()

    def run():
        tracker = casting.cast(g.community, poll, form.choice.data, actor=current_user)
        # A second send of this ballot lands on the poll's page, never on the receipt: the
        # one-time token's row must not hold it (portal/web/once.py).
        return Done(url_for("votes.receipt", poll_id=poll.id, tracker=tracker), _("Your vote is counted."),
                    again=detail_url(poll, "#cast"))

    return act(form, run, lambda: detail_page(poll, form), once=True)


@bp.get("/<id:poll_id>/receipt/<string:tracker>")
def receipt(poll_id, tracker):
    poll = load(poll_id)
    tracker = casting.normalise_tracker(tracker)
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
    found, asked = None, casting.normalise_tracker(form.tracker.data or "")
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
