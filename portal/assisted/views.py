"""The resident's list of what was recorded with them (with a dispute button) and the
committee's list of disputes."""
from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..communities.scoping import community_blueprint, get_or_404
from ..web.errors import PortalError
from ..extensions import db
from ..web.permissions import require
from ..web.reads import commit_read
from . import permissions as perm
from . import services
from .forms import DisputeForm
from .models import AssistedAction

bp = community_blueprint("assisted", __name__, "/assisted")


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


def _mine(status=200, failed=None, form=None):
    items = services.for_resident(g.community, g.ctx.user)
    services.mark_seen(g.community, g.ctx.user)
    if request.method == "GET":
        commit_read("seen")
    return render_template("assisted/mine.html", items=items, form=form or DisputeForm(formdata=None),
                           failed=failed, can_dispute=services.can_still_dispute, subject_url=subject_url), status


@bp.get("/")
def mine():
    require(perm.can_see_own(g.ctx))
    return _mine()


@bp.post("/<id:entry_id>/dispute")
def dispute(entry_id):
    require(perm.can_see_own(g.ctx))
    entry = get_or_404(AssistedAction, g.community, entry_id)
    if entry.resident_id != g.ctx.user.id:
        abort(404)  # someone else's: not shown, not confirmed
    form = DisputeForm()
    if not form.validate_on_submit():
        return _mine(400, failed=entry.id, form=form)  # the text written so far comes back
    try:
        services.dispute(g.ctx.user, g.community, entry, form.reason.data)
    except PortalError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("assisted.mine"), code=303)
    db.session.commit()
    flash(_("Your objection is recorded. The committee will talk to you."), "success")
    return redirect(url_for("assisted.mine"), code=303)


@bp.get("/disputes")
def disputes():
    require(perm.can_review_disputes(g.ctx))
    return render_template("assisted/disputes.html", items=services.disputed(g.community), subject_url=subject_url)
