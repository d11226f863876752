"""The matter page, rendered by its GET view and again after a mistake in one of its forms, and
the reads every matter template needs (names of units, categories, grids, people)."""
from __future__ import annotations

from datetime import timedelta

from flask import g, render_template
from flask_babel import get_locale

from ..db import utcnow
from ..uploads import services as uploads
from . import permissions as perm
from . import queries, services
from .forms import AnswerForm, AskForm, ConfirmForm, DispatchForm, NoteForm, RateForm, ReopenForm, ResolveForm


def category_name(category, locale: str) -> str:
    if category is None:
        return ""
    return category.name_en if str(locale).startswith("en") and category.name_en else category.name


def dispatch_form(formdata=None):
    form = DispatchForm(formdata=formdata)
    form.to_unit.choices = [(u.id, u.name) for u in services.dispatch_targets(g.community)]
    return form


def days_open(matter) -> int:
    end = matter.closed_at or utcnow()
    return max(0, (end - matter.reported_at).days)


def overdue(matter) -> bool:
    return matter.is_open and matter.state != "resolved" and matter.deadline < utcnow()


def matter_page(matter, rel, forms=None, status=200):
    steps = queries.path(matter)
    ids = {matter.holder_id, matter.community_id} | {s.unit_id for s in steps} | {s.to_unit_id for s in steps}
    units = queries.unit_names(ids)
    cats = queries.categories_by_id([matter.category_id])
    community_id = g.community.id
    verifier = services.can_verify(matter, g.ctx.user)
    can = {
        "handle": perm.can_handle(rel, matter, community_id),
        "merge": perm.can_merge(rel, matter, community_id),
        "ask": perm.can_ask(rel, matter, community_id),
        "refuse": perm.can_refuse(rel, matter, community_id),
        "dispatch": perm.can_dispatch(rel, matter, community_id),
        "resolve": perm.can_resolve(rel, matter, community_id),
        "answer": perm.can_answer(rel, matter),
        "confirm": perm.can_confirm(rel, matter, verifier),
        "rate": perm.can_rate(rel, matter),
        "reopen": perm.can_reopen(rel, matter),
    }
    blank = {"handle": NoteForm(formdata=None), "ask": AskForm(formdata=None),
             "dispatch": dispatch_form() if can["dispatch"] else None, "resolve": ResolveForm(formdata=None),
             "answer": AnswerForm(formdata=None), "confirm": ConfirmForm(formdata=None),
             "rate": RateForm(formdata=None), "reopen": ReopenForm(formdata=None)}
    blank.update(forms or {})
    files = uploads.attachments_for(g.community, "matter", [matter.id]).get(matter.id, [])
    step_files = uploads.attachments_for(g.community, "matter_step", [s.id for s in steps])
    reporter = None
    if perm.sees_reporter(rel, matter):
        reporter = queries.person_names([matter.reporter_id]).get(matter.reporter_id)
    grid = queries.grid_names(g.community).get(matter.grid_id) if matter.grid_id else None
    merged_into = queries.matter_of(g.community, matter.merged_into_id) if matter.merged_into_id else None
    return render_template("matters/matter.html", matter=matter, rel=rel, path=steps, unit_names=units,
                           category_name=category_name(cats.get(matter.category_id), get_locale()), grid=grid, reporter=reporter, can=can,
                           forms=blank, photos=[f for f in files if f.kind == "image"],
                           voices=[f for f in files if f.kind == "audio"], step_files=step_files,
                           overdue=overdue(matter), days_open=days_open(matter), merged_into=merged_into,
                           reopen_days=services.REOPEN_DAYS, week=timedelta(days=services.REOPEN_DAYS)), status
