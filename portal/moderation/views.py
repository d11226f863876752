"""Report (flag) content; the committee's queue; hide / restore / dismiss. Thin views on the
action wrapper (portal/web/actions.py), which owns the transaction."""
from __future__ import annotations

from flask import g, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..web.actions import Done, act
from ..web.forms import ButtonForm
from ..web.permissions import require
from . import permissions as perm
from . import queries, registry, services
from .blueprint import bp, load_subject
from .forms import FlagForm, ModerateForm


@bp.route("/flag/<string:subject_type>/<id:subject_id>", methods=["GET", "POST"])
def flag(subject_type, subject_id):
    entry, obj = load_subject(subject_type, subject_id)
    require(perm.can_flag(g.ctx, obj))
    form = FlagForm()

    def page():
        # Hidden text stays hidden on the report page too: only the committee reads it.
        excerpt = entry.excerpt(obj) if not obj.is_hidden or perm.can_moderate(g.ctx) else None
        return render_template("moderation/flag.html", form=form, entry=entry, obj=obj, excerpt=excerpt)

    def report():
        item = services.flag(g.community, obj, form.reason.data, actor=current_user)
        if item is None:  # reported before: nothing written
            return Done(entry.url(obj), _("You have already reported this; the committee will look at it."))
        return Done(entry.url(obj), _("Thank you. The committee will look at it."), result=item)

    return act(form, report, page, once=True)


@bp.get("/")
def queue():
    require(perm.can_moderate(g.ctx))
    return queue_page()


def queue_page():
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
        for obj in queries.subjects(g.community, entry, ids):
            objects[(t, obj.id)] = (entry, obj)
    for t, i, flags in groups:
        if (t, i) in objects:
            entry, obj = objects[(t, i)]
            items.append((entry, obj, flags))
    return render_template("moderation/queue.html", items=items, form=ModerateForm())


def _moderate(subject_type, subject_id, action):
    entry, obj = load_subject(subject_type, subject_id)
    require(perm.can_moderate(g.ctx))
    message = {"hide": _("It is hidden. The reason is shown in its place."),
               "restore": _("It is visible again."),
               "dismiss": _("The reports are closed; it stays visible.")}[action]
    if action == "dismiss":
        return act(ButtonForm(), lambda: Done(entry.url(obj), message,
                                              result=services.dismiss(g.community, obj, actor=current_user)),
                   queue_page)
    form = ModerateForm()

    def page():
        # The hide and restore forms sit on the pages of every kind of content: after a mistake the
        # form comes back on a page of its own, with the text it is about.
        return render_template("moderation/moderate.html", form=form, entry=entry, obj=obj, action=action)

    return act(form, lambda: Done(entry.url(obj), message,
                                  result=getattr(services, action)(g.community, obj, form.reason.data, actor=current_user)),
               page)


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
