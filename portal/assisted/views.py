"""The resident's list of what was recorded with them (with a dispute button) and the
committee's list of disputes. Thin views on the action wrapper (portal/web/actions.py)."""
from __future__ import annotations

from flask import g, render_template, request, url_for
from flask_babel import gettext as _

from ..web.actions import Done, act
from ..web.permissions import require
from ..web.reads import commit_read
from . import permissions as perm
from . import services
from .blueprint import bp, load_own
from .forms import DisputeForm
from .models import AssistedAction


def subject_url(entry: AssistedAction) -> str | None:
    """Where what was recorded can be opened: a mediation case (seen only by its people), or
    a poll, or any content the moderation registry knows (proposals, rule amendments)."""
    from ..moderation import registry

    if entry.subject_type == "mediation_case":
        return url_for("mediation.case", case_id=entry.subject_id)
    if entry.subject_type == "poll":  # the poll, never the ballot (see votes.services.cast_assisted)
        return url_for("votes.detail", poll_id=entry.subject_id)
    known = registry.get(entry.subject_type)
    return known.url_for_id(entry.subject_id) if known is not None and known.url_for_id else None


def mine_page(failed=None, form=None):
    """The resident's list; after a mistake in one objection, with that form as it was sent."""
    items = services.for_resident(g.community, g.ctx.user)
    services.mark_seen(g.community, g.ctx.user)
    if request.method == "GET":
        commit_read("seen")
    blank = DisputeForm(formdata=None)
    return render_template("assisted/mine.html", items=items, form=form or blank, blank=blank,
                           failed=failed, can_dispute=services.can_still_dispute, subject_url=subject_url)


@bp.get("/")
def mine():
    require(perm.can_see_own(g.ctx))
    return mine_page()


@bp.post("/<id:entry_id>/dispute")
def dispute(entry_id):
    require(perm.can_see_own(g.ctx))
    entry = load_own(entry_id)
    form = DisputeForm()
    return act(form, lambda: Done(url_for("assisted.mine"), _("Your objection is recorded. The committee will talk "
                                                               "to you."),
                                  result=services.dispute(g.ctx.user, g.community, entry, form.reason.data)),
               lambda: mine_page(failed=entry.id, form=form), once=True)


@bp.get("/disputes")
def disputes():
    require(perm.can_review_disputes(g.ctx))
    return render_template("assisted/disputes.html", items=services.disputed(g.community), subject_url=subject_url)
