"""The community's matter pages (事件/诉求): report, the public ledger (电子台账), my matters, the
matter page and its actions. Every matter loads through blueprint.load_matter; every form goes
through the action wrapper (portal/web/actions.py), which owns the transaction."""
from __future__ import annotations

from datetime import datetime, time, timezone
from zoneinfo import ZoneInfo

from flask import abort, current_app, g, render_template, request
from flask_babel import get_locale, gettext as _
from flask_babel import pgettext
from flask_login import current_user

from ..assisted import services as assisted
from ..auth.services import find_user
from ..levels import queries as levels
from ..uploads import services as uploads
from ..web.actions import Done, act
from ..web.errors import PortalError, RuleViolation
from ..web.permissions import require, require_or_sent
from ..web.steps import Steps
from . import permissions as perm
from . import queries, services
from .blueprint import bp, load_matter, matter_url
from .forms import (MAX_PHOTOS, AnswerForm, AskForm, ConfirmForm, LedgerFilterForm, MergeForm, NoteForm, RateForm,
                    RefuseForm, ReopenForm, ReportForm, ResolveForm)
from .pages import category_name, days_open, dispatch_form, matter_page, overdue

ASSISTED_KIND = "matter.reported"
STATE_FILTERS = ("triage", "more_info", "dispatched", "handling", "resolved", "closed", "refused", "merged")


def _street():
    street, _district = levels.street_and_district(g.community)
    return street


def _category_choices():
    street = _street()
    if street is None:
        return []
    locale = get_locale()
    return [(str(c.id), category_name(c, locale)) for c in services.categories(street)]


# -- the ledger and my matters ----------------------------------------------------------------

@bp.get("/")
def index():
    form = LedgerFilterForm(request.args)
    form.state.choices = [("", _("All")), ("open", _("Open"))] + [(s, s) for s in STATE_FILTERS]
    if not form.validate():
        abort(400)  # a filter link we did not write
    try:
        page = max(1, int(request.args.get("page", "1")))
    except ValueError:
        abort(400)
    rows, pages = queries.ledger(g.community, form.state.data or "", page)
    return render_template("matters/index.html", rows=rows, pages=pages, page=min(page, pages), form=form,
                           **_row_names(rows), can_report=perm.can_report(g.ctx))


@bp.get("/mine")
def mine():
    require(perm.can_report(g.ctx))
    rows = queries.mine(g.community, current_user)
    return render_template("matters/mine.html", rows=rows, **_row_names(rows))


def _row_names(rows):
    locale = get_locale()
    cats = queries.categories_by_id([m.category_id for m in rows])
    return {"unit_names": queries.unit_names({m.holder_id for m in rows}),
            "category_names": {i: category_name(c, locale) for i, c in cats.items()},
            "grid_names": queries.grid_names(g.community), "days_open": days_open, "overdue": overdue}


# -- reporting -----------------------------------------------------------------------------------

@bp.route("/new", methods=["GET", "POST"])
def new():
    require(perm.can_report(g.ctx))
    form = ReportForm()
    form.category.choices = _category_choices()
    form.grid.choices = [("", _("Not sure / none"))] + [(str(i), n) for i, n in
                                                         sorted(queries.grid_names(g.community).items(),
                                                                key=lambda kv: kv[1])]
    committee = perm.can_report_for(g.ctx)
    steps = Steps(form, _steps(committee))
    if steps.active:
        form.title.label.text = pgettext("easy", "What is wrong? (a few words)")
        form.photos.description = pgettext("easy", "Up to 4 photos. Where they were taken is removed.")
        form.voice.label.text = pgettext("easy", "Your voice: a recording (if you like)")

    def run():
        fields = {"category_id": int(form.category.data) if (form.category.data or "").isdigit() else None,
                  "title": form.title.data, "description": form.description.data or "",
                  "grid_id": int(form.grid.data) if (form.grid.data or "").isdigit() else None,
                  "place": form.place.data or "", "latitude": form.latitude.data, "longitude": form.longitude.data,
                  "anonymous": bool(form.anonymous.data)}
        name = (form.on_behalf_username.data or "").strip() if committee else ""
        if name:
            resident = _resident(form.on_behalf_username)
            try:
                matter = assisted.act_for(
                    g.community, resident, ASSISTED_KIND, bool(form.present.data), bool(form.agreed.data),
                    lambda: services.report(g.community, **fields, reporter=resident, recorded=True,
                                            actor=current_user), actor=current_user)
            except PortalError as exc:
                if exc.field == "resident":
                    exc.field = "on_behalf_username"
                raise
        else:
            role = "grid_worker" if g.ctx.has_role("grid_worker") else (
                "committee" if g.ctx.has_role("committee") else "resident")
            matter = services.report(g.community, **fields, role=role, actor=current_user)
        _save_files(form, matter)
        if name:
            return Done(matter_url(matter), _("The matter is reported in the name of %(name)s, marked as recorded "
                                              "by you. They see it in their history.", name=resident.display_name))
        return Done(matter_url(matter), _("Your matter is reported as number %(num)d. You can follow it here.",
                                          num=matter.serial))

    return act(form, run, lambda: render_template("matters/new.html", form=form, steps=steps, committee=committee),
               steps=steps, once=True)


def _steps(committee):
    """Easy reading: what kind, then what and where, then the photos and voice (files come last)."""
    last = ["photos", "voice", "anonymous"] + (["on_behalf_username", "present", "agreed"] if committee else [])
    return [["category"], ["title", "description", "grid", "place", "latitude", "longitude"], last]


def _resident(field):
    name = (field.data or "").strip()
    user = find_user(name)
    if user is None or assisted.resident_for(g.community, user) is None:
        raise PortalError(_("There is no verified resident with the user name %(name)s.", name=name),
                          field=field.name)
    return user


def _save_files(form, matter):
    uploads.save_form_files(g.community, form.photos.data, form.voice.data, "matter", matter.id,
                            max_photos=MAX_PHOTOS, actor=current_user)

# -- the matter page and its actions ----------------------------------------------------------------

@bp.get("/<id:matter_id>")
def matter(matter_id):
    m, rel = load_matter(matter_id)
    return matter_page(m, rel)


def _again(m, rel, key, form):
    return lambda: matter_page(m, rel, {key: form})


def _end_of_day(day) -> datetime | None:
    if day is None:
        return None
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai"))
    return datetime.combine(day, time(23, 59), tzinfo=zone).astimezone(timezone.utc)


@bp.post("/<id:matter_id>/handle")
def handle(matter_id):
    m, rel = load_matter(matter_id)
    require_or_sent(perm.can_handle(rel, m, g.community.id))
    form = NoteForm()

    def run():
        services.handle(g.community, m, form.note.data or "", actor=current_user)
        return Done(matter_url(m), _("The committee handles this matter itself now."))

    return act(form, run, _again(m, rel, "handle", form), once=True)


@bp.post("/<id:matter_id>/ask")
def ask(matter_id):
    m, rel = load_matter(matter_id)
    require_or_sent(perm.can_ask(rel, m, g.community.id))
    form = AskForm()

    def run():
        services.ask_more(g.community, m, form.question.data, actor=current_user)
        return Done(matter_url(m), _("The question is sent to the reporter."))

    return act(form, run, _again(m, rel, "ask", form), once=True)


@bp.post("/<id:matter_id>/dispatch")
def dispatch(matter_id):
    m, rel = load_matter(matter_id)
    require_or_sent(perm.can_dispatch(rel, m, g.community.id))
    form = dispatch_form(request.form)

    def run():
        target = next((u for u in services.dispatch_targets(g.community) if u.id == form.to_unit.data), None)
        services.dispatch(g.community, m, target, _end_of_day(form.deadline.data), form.note.data or "",
                          actor=current_user)
        return Done(matter_url(m), _("The matter is sent to %(unit)s.", unit=target.name))

    return act(form, run, _again(m, rel, "dispatch", form), once=True)


@bp.post("/<id:matter_id>/resolve")
def resolve(matter_id):
    m, rel = load_matter(matter_id)
    require_or_sent(perm.can_resolve(rel, m, g.community.id))
    form = ResolveForm()

    def run():
        services.resolve(g.community, m, form.outcome.data, actor=current_user)
        return Done(matter_url(m), _("The matter is marked as fixed. The reporter is asked to confirm it."))

    return act(form, run, _again(m, rel, "resolve", form), once=True)


def _check_page(m, form, template):
    return lambda: render_template(template, matter=m, form=form)


@bp.route("/<id:matter_id>/refuse", methods=["GET", "POST"])
def refuse(matter_id):
    """The check screen, then the refusal with its public reason."""
    m, rel = load_matter(matter_id)
    require_or_sent(perm.can_refuse(rel, m, g.community.id))
    form = RefuseForm()

    def run():
        services.refuse(g.community, m, form.reason.data, actor=current_user)
        return Done(matter_url(m), _("The matter is refused. The reason is shown on the ledger."))

    return act(form, run, _check_page(m, form, "matters/refuse.html"), once=True)


@bp.route("/<id:matter_id>/merge", methods=["GET", "POST"])
def merge(matter_id):
    """The check screen, then the merge into another matter of the community."""
    m, rel = load_matter(matter_id)
    require_or_sent(perm.can_merge(rel, m, g.community.id))
    form = MergeForm()

    def run():
        into = queries.by_serial(g.community, form.into.data)
        if into is None:
            raise RuleViolation(_("There is no matter with this number here."), field="into")
        services.merge(g.community, m, into, actor=current_user)
        return Done(matter_url(m), _("The matter is merged into number %(num)d.", num=into.serial))

    return act(form, run, _check_page(m, form, "matters/merge.html"), once=True)


@bp.post("/<id:matter_id>/answer")
def answer(matter_id):
    m, rel = load_matter(matter_id)
    require_or_sent(perm.can_answer(rel, m))
    form = AnswerForm()

    def run():
        services.answer_more(g.community, m, form.answer.data, actor=current_user)
        return Done(matter_url(m), _("Your answer is sent to the committee."))

    return act(form, run, _again(m, rel, "answer", form), once=True)


@bp.post("/<id:matter_id>/confirm")
def confirm(matter_id):
    m, rel = load_matter(matter_id)
    require_or_sent(perm.can_confirm(rel, m, services.can_verify(m, current_user)))
    form = ConfirmForm()

    def run():
        fixed = form.fixed.data == "yes"
        services.confirm(g.community, m, fixed, form.note.data or "", actor=current_user)
        if fixed:
            return Done(matter_url(m), _("Thank you: the matter is closed."))
        return Done(matter_url(m), _("The matter goes back to the unit that handled it."))

    return act(form, run, _again(m, rel, "confirm", form), once=True)


@bp.post("/<id:matter_id>/rate")
def rate(matter_id):
    m, rel = load_matter(matter_id)
    require_or_sent(perm.can_rate(rel, m))
    form = RateForm()

    def run():
        services.rate(g.community, m, form.rating.data, actor=current_user)
        return Done(matter_url(m), _("Thank you for your rating."))

    return act(form, run, _again(m, rel, "rate", form), once=True)


@bp.post("/<id:matter_id>/reopen")
def reopen(matter_id):
    m, rel = load_matter(matter_id)
    require_or_sent(perm.can_reopen(rel, m))
    form = ReopenForm()

    def run():
        services.reopen(g.community, m, form.reason.data, actor=current_user)
        return Done(matter_url(m), _("The matter is open again and back with the unit that handled it."))

    return act(form, run, _again(m, rel, "reopen", form), once=True)
