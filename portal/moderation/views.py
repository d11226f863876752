"""Report (flag) content; the committee's queue; hide / restore / dismiss."""
from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..communities.scoping import community_blueprint
from ..web.errors import render_error
from ..extensions import db
from ..web.permissions import require
from . import permissions as perm
from . import registry, services
from .forms import FlagForm, ModerateForm

bp = community_blueprint("moderation", __name__, "/moderation")


def _subject(subject_type: str, subject_id: int):
    entry = registry.get(subject_type)
    if entry is None:
        abort(404)
    obj = db.session.execute(select(entry.model).where(
        entry.model.id == subject_id, entry.model.community_id == g.community.id)).scalar_one_or_none()
    # Content that was never public (a draft, a withdrawn draft) cannot be reported or moderated.
    if obj is None or not getattr(obj, "is_public", True):
        abort(404)
    return entry, obj


@bp.route("/flag/<string:subject_type>/<id:subject_id>", methods=["GET", "POST"])
def flag(subject_type, subject_id):
    entry, obj = _subject(subject_type, subject_id)
    require(perm.can_flag(g.ctx, obj))
    form = FlagForm()
    if form.validate_on_submit():
        services.flag(current_user, g.community, obj, form.reason.data)
        db.session.commit()
        flash(_("Thank you. The committee will look at it."), "success")
        return redirect(entry.url(obj), code=303)
    # Hidden text stays hidden on the report page too: only the committee reads it.
    excerpt = entry.excerpt(obj) if not obj.is_hidden or perm.can_moderate(g.ctx) else None
    return render_template("moderation/flag.html", form=form, entry=entry, obj=obj,
                           excerpt=excerpt), (400 if request.method == "POST" else 200)


@bp.get("/")
def queue():
    require(perm.can_moderate(g.ctx))
    items = []
    groups = services.open_flags(g.community)
    by_type: dict[str, list[int]] = {}
    for t, i, _f in groups:
        by_type.setdefault(t, []).append(i)
    objects = {}
    for t, ids in by_type.items():
        entry = registry.get(t)
        if entry is None:
            continue
        for obj in db.session.execute(select(entry.model).where(
                entry.model.id.in_(ids), entry.model.community_id == g.community.id)).scalars():
            objects[(t, obj.id)] = (entry, obj)
    for t, i, flags in groups:
        if (t, i) in objects:
            entry, obj = objects[(t, i)]
            items.append((entry, obj, flags))
    return render_template("moderation/queue.html", items=items, form=ModerateForm())


def _moderate(subject_type, subject_id, action):
    entry, obj = _subject(subject_type, subject_id)
    require(perm.can_moderate(g.ctx))
    form = ModerateForm()
    if action == "dismiss":
        services.dismiss(current_user, g.community, obj)
    else:
        if not form.validate_on_submit():
            # An error page, not a redirect: a refused request says so with its status.
            return render_error(400, _("Please give the public reason, in at most 300 characters."))
        getattr(services, action)(current_user, g.community, obj, form.reason.data)
    db.session.commit()
    flash({"hide": _("It is hidden. The reason is shown in its place."),
           "restore": _("It is visible again."),
           "dismiss": _("The reports are closed; it stays visible.")}[action], "success")
    return redirect(entry.url(obj), code=303)


@bp.post("/<string:subject_type>/<id:subject_id>/hide")
def hide(subject_type, subject_id):
    return _moderate(subject_type, subject_id, "hide")


@bp.post("/<string:subject_type>/<id:subject_id>/restore")
def restore(subject_type, subject_id):
    return _moderate(subject_type, subject_id, "restore")


@bp.post("/<string:subject_type>/<id:subject_id>/dismiss")
def dismiss(subject_type, subject_id):
    return _moderate(subject_type, subject_id, "dismiss")


def flag_url(subject_type: str, subject_id: int) -> str:
    """Templates: the report link of one item, as `url_for` would build it. A page of comments
    has one per comment; the URL is built once per kind of subject and request, then the id put
    on its end (the route ends with it)."""
    built = g.setdefault("flag_urls", {})
    prefix = built.get(subject_type)
    if prefix is None:
        prefix = built[subject_type] = url_for("moderation.flag", subject_type=subject_type, subject_id=1)[:-1]
    return prefix + str(int(subject_id))
