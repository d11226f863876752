"""The votes pages that a GET view renders and that are shown again after a mistake in one of
their forms (the poll's page with the ballot as it was sent, the poll form, assisted entry,
paper ballots)."""
from __future__ import annotations

from flask import g, render_template
from flask_babel import gettext as _
from flask_login import current_user

from . import links, queries, results
from . import permissions as perm
from .blueprint import linked
from .closing import min_published
from ..web.forms import ButtonForm
from .forms import AssistedForm, ChoiceForm, PaperMarkForm, PaperTotalsForm
from .services import paper_roll_count


def chart(options, totals):
    top = max(totals, default=0) or 1
    return [{"label": results.option_label(o), "count": totals[o.position - 1] if totals else 0,
             "pct": round(100 * (totals[o.position - 1] if totals else 0) / top), "key": o.key} for o in options]


def detail_page(poll, form=None):
    """The poll's page; after a mistake in the ballot (or a refused committee action), with the
    ballot as it was sent."""
    ctx = g.ctx
    opts = queries.options(poll)
    mine = queries.my_roll_entry(poll, ctx.user) if ctx.verified else None
    r = queries.result(poll) if poll.state == "closed" else None
    totals = queries.totals(r)
    can_cast = perm.can_cast(ctx, poll) and mine is None and queries.in_electorate(poll, ctx.user)
    return render_template(
        "votes/detail.html", poll=poll, options=opts, mine=mine, result=r, totals=totals,
        result_summary=results.summary(poll) if r is not None else "",
        bars=chart(opts, totals) if r else [], link=linked(poll),
        # Closed: the stored turnout (never recounted per request); open: the live count.
        voted=r.turnout if r is not None else (queries.participation(poll) if poll.state == "open" else 0),
        rollcall=queries.rollcall(poll) if r is not None and not poll.secret else [],
        form=(form or ChoiceForm(formdata=None)) if can_cast else None, least=min_published(),
        can={"cast": can_cast, "edit": perm.can_edit(ctx, poll), "open": perm.can_open(ctx, poll),
             "close": perm.can_close(ctx, poll), "record": perm.can_record(ctx, poll),
             "roll": perm.can_see_roll(ctx, poll)})


def proposal_choices(community) -> list[tuple[int, str]]:
    """The poll form's proposal choices: none, or one of this community's proposals."""
    try:
        kind = links.get("proposal")
    except KeyError:  # pragma: no cover - registered at start-up
        kind = None
    found = kind.choices(community) if kind is not None and kind.choices is not None else []
    return [(0, _("None: this vote decides no proposal"))] + found


def open_page(poll, form=None):
    """The check screen before opening: the whole ballot as residents will see it, who will be on
    the list, what cannot change afterwards; one button opens."""
    return render_template("votes/open.html", poll=poll, options=queries.options(poll), link=linked(poll),
                           electorate=queries.verified_count(g.community), least=min_published(),
                           form=form or ButtonForm(formdata=None))


def poll_form_page(form, poll=None):
    """The form of a new poll (poll None) or of the changes to one; it warns when the list of
    voters will be small (a secret poll then publishes only totals: closing.small_turnout)."""
    return render_template("votes/form.html", form=form, poll=poll, electorate=queries.verified_count(g.community),
                           least=min_published())


def waiting_choices(poll) -> dict:
    """The people of the poll's list who have not taken part yet (never the one recording), by id."""
    return {u.id: u for u in queries.waiting_voters(poll, current_user.id)}


def assisted_form(poll, waiting: dict) -> AssistedForm:
    form = AssistedForm()
    form.voter.choices = [(u.id, u.display_name) for u in waiting.values()]
    return form


def assisted_page(poll, form, waiting: dict):
    return render_template("votes/assisted.html", poll=poll, form=form, options=queries.options(poll),
                           waiting=list(waiting.values()))


def mark_form(waiting: dict, formdata=True) -> PaperMarkForm:
    form = PaperMarkForm() if formdata else PaperMarkForm(formdata=None)
    form.voters.choices = [(u.id, u.display_name) for u in waiting.values()]
    return form


def paper_page(poll, mark=None, totals=None):
    """The paper ballots page; after a mistake in one of its two forms, with that form as sent."""
    waiting = waiting_choices(poll)
    pt = queries.paper_totals(poll)
    return render_template("votes/paper.html", poll=poll, waiting=list(waiting.values()),
                           mark_form=mark or mark_form(waiting, formdata=False),
                           totals_form=totals or PaperTotalsForm(formdata=None), options=queries.options(poll),
                           pt=pt, counts=results.paper_counts(pt), people=queries.paper_people(pt),
                           marked=paper_roll_count(poll))
