"""The matters pages of a street, district or department (docs/architecture.md, "Matters"): the
queue of its staff, the matter page with the unit's actions, the ledger and the overdue list of a
street or district, and the figures of every unit. Every POST goes through the action wrapper."""
from __future__ import annotations

from datetime import timedelta

from flask import abort, g, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ..communities.models import Community
from ..db import utcnow
from ..extensions import db
from ..levels import queries as levels
from ..uploads import services as uploads
from ..web.actions import Done, act
from ..web.permissions import require, require_or_sent
from . import charts, figures, services
from . import unit_permissions as perm
from . import unit_queries as queries
from .unit_blueprint import load_matter, unit_bp
from .unit_forms import (AcceptForm, DecideExtensionForm, DispatchForm, ExtensionForm, NoteForm, RecallForm,
                         ResolveForm, ReturnForm, UrgeForm)


def _page_arg() -> int:
    return request.args.get("page", 1, type=int) or 1


def _url(matter) -> str:
    return url_for("unit_matters.matter", matter_id=matter.id)


# -- lists -----------------------------------------------------------------------------

@unit_bp.get("/")
def index():
    require(perm.is_staff(g.ctx))
    page = queries.queue(g.community, _page_arg())
    return render_template("matters/unit_queue.html", page=page, labels=queries.labels_for(page.items),
                           now=utcnow(), unit=g.community)


@unit_bp.get("/ledger")
def ledger():
    if not perm.has_ledger(g.community):
        abort(404)
    page = queries.ledger(g.community, _page_arg())
    return render_template("matters/unit_ledger.html", page=page, labels=queries.labels_for(page.items),
                           now=utcnow(), unit=g.community)


@unit_bp.get("/overdue")
def overdue():
    if not perm.has_ledger(g.community):
        abort(404)
    page = queries.overdue(g.community, _page_arg())
    return render_template("matters/unit_overdue.html", page=page, labels=queries.labels_for(page.items),
                           now=utcnow(), unit=g.community)


@unit_bp.get("/figures")
def figures_page():
    now = utcnow()
    f = figures.unit_figures(g.community, now=now, locale=str(get_locale() or "zh"))
    month_chart = charts.bar_chart([(f"{m % 100}", reported) for m, reported, _closed in f.by_month])
    ranks = None
    if g.community.level == "street":
        units = levels.children(g.community, "community") + levels.children(g.community, "department")
        ranks = figures.ranking(units, now)
        ranks = {"on_time": figures.by_on_time(ranks), "overdue": figures.by_overdue(ranks)}
    return render_template("matters/unit_figures.html", f=f, month_chart=month_chart, ranks=ranks,
                           min_cell=figures.MIN_CELL, unit=g.community)


# -- the matter page --------------------------------------------------------------------

def _forms(matter, **given):
    targets = services.dispatch_targets(g.community)
    dispatch = given.get("dispatch") or DispatchForm()
    dispatch.to_unit.choices = [(u.id, u.name) for u in targets]
    forms = {"accept": AcceptForm(), "recall": RecallForm(),
             "note": NoteForm(), "extension": ExtensionForm(),
             "decide": DecideExtensionForm(), "resolve": ResolveForm(),
             "urge": UrgeForm(), "dispatch": dispatch}
    forms.update(given)
    return forms, targets


def _above_holder(matter) -> bool:
    holder = levels.unit(matter.holder_id)
    return holder is not None and (g.community.id in (matter.street_id, matter.district_id)
                                   or levels.within(g.community, holder))


def _can(matter, targets):
    ctx = g.ctx
    return {"accept": perm.can_accept(ctx, matter), "return": perm.can_return(ctx, matter),
            "note": perm.can_work(ctx, matter), "resolve": perm.can_work(ctx, matter),
            "extension": perm.can_ask_extension(ctx, matter),
            "dispatch": perm.can_dispatch(ctx, matter, bool(targets)),
            "recall": perm.can_recall(ctx, matter), "decide": perm.can_decide_extension(ctx, matter),
            "urge": perm.can_urge(ctx, matter, _above_holder(matter))}


def _matter_page(matter, **given):
    forms, targets = _forms(matter, **given)
    steps = queries.path(matter)
    names = queries.unit_names(queries.path_unit_ids(matter, steps))
    community = db.session.get(Community, matter.community_id)
    photos = uploads.attachments_for(community, "matter", [matter.id]).get(matter.id, [])
    evidence = uploads.attachments_for(community, "matter_step", [s.id for s in steps])
    category = queries.category_names([matter.category_id]).get(matter.category_id)
    grid = queries.grid_names([matter.grid_id]).get(matter.grid_id)
    return render_template("matters/unit_matter.html", matter=matter, path=steps, unit_names=names,
                           community=g.community, matter_community=community, photos=photos, evidence=evidence,
                           category=category, grid=grid, forms=forms, can=_can(matter, targets),
                           overdue=matter.is_open and matter.deadline < utcnow(), unit=g.community)


@unit_bp.get("/<id:matter_id>")
def matter(matter_id):
    return _matter_page(load_matter(matter_id))


@unit_bp.post("/<id:matter_id>/accept")
def accept(matter_id):
    m = load_matter(matter_id)
    require_or_sent(perm.can_accept(g.ctx, m))
    form = AcceptForm()
    return act(form, lambda: Done(_url(services.accept(g.community, m, actor=current_user)),
                                  _("Accepted: the matter is now your unit's to handle.")),
               lambda: _matter_page(m, accept=form), once=True)


@unit_bp.route("/<id:matter_id>/return", methods=["GET", "POST"])
def return_(matter_id):
    m = load_matter(matter_id)
    require_or_sent(perm.can_return(g.ctx, m))
    form = ReturnForm()
    sender = levels.unit(m.sender_id)
    return act(form, lambda: Done(_url(services.return_(g.community, m, form.reason.data, actor=current_user)),
                                  _("Returned to %(unit)s with your reason.", unit=sender.name)),
               lambda: render_template("matters/unit_confirm.html", matter=m, form=form, kind="return",
                                       other=sender, unit=g.community), once=True)


@unit_bp.route("/<id:matter_id>/recall", methods=["GET", "POST"])
def recall(matter_id):
    m = load_matter(matter_id)
    require_or_sent(perm.can_recall(g.ctx, m))
    form = RecallForm()
    holder = levels.unit(m.holder_id)
    return act(form, lambda: Done(_url(services.recall(g.community, m, actor=current_user)),
                                  _("Taken back: the matter is your unit's again.")),
               lambda: render_template("matters/unit_confirm.html", matter=m, form=form, kind="recall",
                                       other=holder, unit=g.community), once=True)


@unit_bp.post("/<id:matter_id>/note")
def note(matter_id):
    m = load_matter(matter_id)
    require_or_sent(perm.can_work(g.ctx, m))
    form = NoteForm()
    return act(form, lambda: Done(_url(services.note(g.community, m, form.text.data, actor=current_user)),
                                  _("The note is on the matter's path.")),
               lambda: _matter_page(m, note=form), once=True)


@unit_bp.post("/<id:matter_id>/extension")
def extension(matter_id):
    m = load_matter(matter_id)
    require_or_sent(perm.can_ask_extension(g.ctx, m))
    form = ExtensionForm()
    return act(form, lambda: Done(_url(services.ask_extension(g.community, m, form.hours.data, form.reason.data,
                                                              actor=current_user)),
                                  _("Asked for a longer deadline: the unit that sent it decides.")),
               lambda: _matter_page(m, extension=form), once=True)


@unit_bp.post("/<id:matter_id>/extension/decide")
def decide_extension(matter_id):
    m = load_matter(matter_id)
    require_or_sent(perm.can_decide_extension(g.ctx, m))
    form = DecideExtensionForm()

    def run():
        grant = form.decision.data == "grant"
        services.decide_extension(g.community, m, grant, actor=current_user)
        return Done(_url(m), _("The longer deadline is granted.") if grant else _("The longer deadline is refused."))

    return act(form, run, lambda: _matter_page(m, decide=form), once=True)


@unit_bp.post("/<id:matter_id>/resolve")
def resolve(matter_id):
    m = load_matter(matter_id)
    require_or_sent(perm.can_work(g.ctx, m))
    form = ResolveForm()

    def run():
        done = services.resolve(g.community, m, form.outcome.data, actor=current_user)
        if form.photo.data and getattr(form.photo.data, "filename", ""):
            step = queries.path(done)[-1]
            uploads.save_image(db.session.get(Community, done.community_id), form.photo.data, "matter_step",
                               step.id, actor_role="staff", field="photo", actor=current_user)
        return Done(_url(done), _("Marked as resolved: the reporter is asked to confirm."))

    return act(form, run, lambda: _matter_page(m, resolve=form), once=True)


@unit_bp.post("/<id:matter_id>/dispatch")
def dispatch(matter_id):
    m = load_matter(matter_id)
    forms, targets = _forms(m)
    require_or_sent(perm.can_dispatch(g.ctx, m, bool(targets)))
    form = DispatchForm()
    form.to_unit.choices = [(u.id, u.name) for u in targets]

    def run():
        to_unit = next((u for u in targets if u.id == form.to_unit.data), None)
        deadline = utcnow().replace(microsecond=0) + timedelta(hours=form.deadline_hours.data) if form.deadline_hours.data else None
        services.dispatch(g.community, m, to_unit, deadline, form.dispatch_note.data or "", actor=current_user)
        return Done(_url(m), _("Sent to %(unit)s.", unit=to_unit.name))

    return act(form, run, lambda: _matter_page(m, dispatch=form), once=True)


@unit_bp.post("/<id:matter_id>/urge")
def urge(matter_id):
    m = load_matter(matter_id)
    require_or_sent(perm.can_urge(g.ctx, m, _above_holder(m)))
    form = UrgeForm()
    return act(form, lambda: Done(_url(services.urge(g.community, m, form.urge_note.data, actor=current_user)),
                                  _("The unit holding it is urged.")),
               lambda: _matter_page(m, urge=form), once=True)
