"""Thin poll views for residents and visitors: list, detail with result, casting (the receipt is
the cast's own answer), the published ballots table, the receipt lookup and the resident's own
history. Every POST goes through the action wrapper (portal/web/actions.py), which owns the
transaction.

A receipt code never travels in a URL (a proxy's or the server's access log, a shared phone's
history would pair it with the voter): the cast answers with the receipt page itself (200,
no-store), and a lookup is a POST."""
from __future__ import annotations

import re

from flask import (
    Response,
    abort,
    g,
    render_template,
    request,
    stream_with_context,
)
from flask_babel import gettext as _
from flask_login import current_user

from ..cache import cached, dont_store
from ..web.actions import Shown, act
from ..web.errors import PortalError
from ..web.permissions import require
from ..web.reads import commit_read
from . import casting, queries, results
from . import permissions as perm
from ..web.qr import qr_svg
from .blueprint import bp, detail_url, fmt_tracker, load
from .closing import close_if_due, min_published
from .forms import ChoiceForm, LookupForm
from .pages import detail_page


@bp.get("/")
def index():
    if any([close_if_due(g.community, poll) for poll in queries.list_polls(g.community, False)["open"]]):
        commit_read("due")
    groups = queries.list_polls(g.community, perm.can_create(g.ctx))
    voted = queries.voted_in([p.id for p in groups["open"]], current_user) if g.ctx.verified else set()
    return render_template("votes/index.html", groups=groups, can_create=perm.can_create(g.ctx),
                           history=perm.can_see_history(g.ctx), voted=voted)


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
        # The receipt is this POST's answer (no-store), never a URL. A second send of this ballot
        # lands on the poll's page: the one-time token's row must not hold the code (portal/web/once.py).
        # The QR code holds the code alone (no link: a scanned link would carry it in a URL).
        return Shown(lambda: render_template("votes/receipt.html", poll=poll, tracker=tracker,
                                             qr=qr_svg(fmt_tracker(tracker), _("Receipt code"))),
                     again=detail_url(poll, "#cast"), message=_("Your vote is counted."))

    return act(form, run, lambda: detail_page(poll, form), once=True)


@bp.route("/<id:poll_id>/find", methods=["GET", "POST"])
def find(poll_id):
    """Find my ballot: the code is sent in a POST's body and the answer is not stored."""
    poll = load(poll_id)
    if not perm.can_see_published(g.ctx, poll):
        abort(404)
    form = LookupForm()

    def run():
        asked = casting.normalise_tracker(form.tracker.data)
        found = queries.find_ballot(poll, casting.tracker_candidates(asked))
        return Shown(lambda: _find_page(poll, form, asked, found))

    return act(form, run, lambda: _find_page(poll, form))


def _find_page(poll, form, asked: str = "", found=None):
    """The answer (no-store, for the voter alone): their ballot, and the published table around
    it with their row marked."""
    opts = queries.options(poll)
    labels = [results.option_label(opts[p - 1]) for p in results.parse_choice(found[1])] if found else []
    return render_template("votes/find.html", poll=poll, form=form, asked=asked, found=found, found_labels=labels,
                           rows=(queries.ballots_around(poll, found[0]) if _published(poll) else [found]) if found else [],
                           labels={o.position: results.option_label(o) for o in opts})


@bp.get("/<id:poll_id>/ballots")
@cached()
def ballots(poll_id):
    poll = load(poll_id)
    if not perm.can_see_published(g.ctx, poll):
        abort(404)
    if poll.state != "closed":
        dont_store()
    return _ballots(poll)


def _published(poll) -> bool:
    """Whether the closed poll's ballots table and roll are published (not a secret poll with too
    small a turnout: closing.small_turnout)."""
    r = queries.result(poll)
    return r is not None and r.ballots_published


def _ballots(poll):
    # Keyset pages (after = the last receipt code shown): a deep page of a 100,000-ballot
    # table costs what the first one does (an OFFSET would walk every row before it).
    after = request.args.get("after", "")
    if after and not re.fullmatch(casting.TRACKER_RE, after):
        abort(400)
    r = queries.result(poll)
    if not r.ballots_published:
        return render_template("votes/ballots.html", poll=poll, result=r, rows=[], withheld=True,
                               least=min_published(), after="", next_after=None, labels={})
    rows = queries.ballots_after(poll, after)
    next_after = rows[queries.PAGE_SIZE - 1][0] if len(rows) > queries.PAGE_SIZE else None
    opts = queries.options(poll)
    return render_template("votes/ballots.html", poll=poll, result=r, rows=rows[:queries.PAGE_SIZE],
                           after=after, next_after=next_after, labels={o.position: results.option_label(o) for o in opts})


def _csv(lines, name):
    resp = Response(stream_with_context(lines), mimetype="text/csv")
    resp.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return resp


@bp.get("/<id:poll_id>/ballots.csv")
def ballots_csv(poll_id):
    poll = load(poll_id)
    if not perm.can_see_published(g.ctx, poll) or not _published(poll):
        abort(404)
    return _csv(results.ballot_lines(poll.id), f"poll-{poll.id}-ballots.csv")


@bp.get("/<id:poll_id>/roll.csv")
def roll_csv(poll_id):
    poll = load(poll_id)
    if poll.state != "closed":
        abort(404)
    require(perm.can_see_roll(g.ctx, poll))
    if not _published(poll):
        abort(404)
    return _csv(results.roll_lines(poll.id), f"poll-{poll.id}-roll.csv")


@bp.get("/mine")
def mine():
    require(perm.can_see_history(g.ctx))
    return render_template("votes/mine.html", rows=queries.history(g.community, current_user))
