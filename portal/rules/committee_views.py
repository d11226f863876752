"""The committee's rules actions: new documents, drafting, phase changes, decisions, filing."""
from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..communities.scoping import get_or_404
from ..diff import diff_text
from ..web.errors import render_error
from ..extensions import db
from ..web.permissions import require
from . import adoption, phases, queries, services
from . import permissions as perm
from .forms import (ChapterForm, ClauseForm, ConsultationForm, DecisionForm, DocumentForm, FilingForm, MoveForm,
                    ReasonForm)
from .models import RuleChapter, RuleDocument
from .views import bp, load_amendment, load_clause, load_version, to_version


def committee_forms(v, today):
    """The forms the committee gets on a version page (none for anyone else: a form makes a
    CSRF token, and so a session cookie)."""
    ctx = g.ctx
    if not ctx.has_role("committee"):
        return None
    forms = {}
    if perm.can_edit_draft(ctx, v):
        forms.update(chapter=ChapterForm(), clause=ClauseForm())
    if perm.can_open_consultation(ctx, v):
        f = ConsultationForm()
        if request.method == "GET":
            f.start.data, f.end.data = today, today + timedelta(days=14)
        forms["consultation"] = f
    forms["start_revision"] = perm.can_start_revision(ctx, v, today)
    forms["revision"] = perm.can_decide(ctx, v)
    forms["vote"] = perm.can_start_adoption_vote(ctx, v, phases.from_revision(v)) if v.status == "drafting" else False
    return forms


def _form_error(message=None):
    return render_error(400, message or _("Some of what was sent is not valid. Please go back and check the form."))


@bp.post("/new")
def new_document():
    require(perm.can_create_document(g.ctx))
    form = DocumentForm()
    if not form.validate_on_submit():
        return render_template("rules/index.html", docs=queries.documents(g.community), can_create=True,
                               form=form), 400
    v = services.create_document(current_user, g.community, form.title.data, form.kind.data)
    db.session.commit()
    flash(_("The document is created. Write its clauses in the draft."), "success")
    return to_version(v)


@bp.post("/<id:document_id>/redraft")
def redraft(document_id):
    doc = get_or_404(RuleDocument, g.community, document_id)
    require(perm.can_redraft(g.ctx, services.open_version(doc) is not None))
    form = ReasonForm()
    if not form.validate_on_submit():
        return _form_error(_("Please say why the rules should change (at most 300 characters)."))
    v = services.start_redraft(current_user, g.community, doc, form.reason.data)
    db.session.commit()
    flash(_("A new draft is ready."), "success")
    return to_version(v)


# -- drafting ----------------------------------------------------------------------------------

def _draft(version_id):
    v = load_version(version_id)
    require(perm.can_edit_draft(g.ctx, v))
    return v


@bp.post("/v/<id:version_id>/chapters")
def add_chapter(version_id):
    v = _draft(version_id)
    form = ChapterForm()
    if not form.validate_on_submit():
        return _form_error(_("The chapter needs a title (at most 120 characters)."))
    ch = services.add_chapter(current_user, g.community, v, form.title.data)
    db.session.commit()
    return to_version(v, f"#chapter-{ch.number}")


@bp.post("/v/<id:version_id>/chapters/<id:chapter_id>")
def rename_chapter(version_id, chapter_id):
    v = _draft(version_id)
    ch = db.session.get(RuleChapter, chapter_id)
    if ch is None or ch.version_id != v.id:
        abort(404)
    form = ChapterForm()
    if not form.validate_on_submit():
        return _form_error(_("The chapter needs a title (at most 120 characters)."))
    services.rename_chapter(current_user, g.community, v, ch, form.title.data)
    db.session.commit()
    return to_version(v, f"#chapter-{ch.number}")


@bp.post("/v/<id:version_id>/clauses")
def add_clause(version_id):
    v = _draft(version_id)
    form = ClauseForm()
    form.chapter.choices = [(ch.id, str(ch.number)) for ch in services.chapters_of(v)]
    if not form.validate_on_submit() or not form.chapter.data:
        return _form_error(_("A clause needs a text (at most 2000 characters)."))
    chapter = next(ch for ch in services.chapters_of(v) if ch.id == form.chapter.data)
    c = services.add_clause(current_user, g.community, v, chapter, form.text.data)
    db.session.commit()
    flash(_("Clause %(num)d is added.", num=c.number), "success")
    return to_version(v, f"#clause-{c.key}")


@bp.route("/v/<id:version_id>/clauses/<id:clause_id>/edit", methods=["GET", "POST"])
def edit_clause(version_id, clause_id):
    v = _draft(version_id)
    c = load_clause(v, clause_id)
    form = ClauseForm(data=None if request.method == "POST" else {"text": c.text})
    form.chapter.choices = []
    if form.validate_on_submit():
        services.edit_clause(current_user, g.community, v, c, form.text.data)
        db.session.commit()
        flash(_("Saved."), "success")
        return to_version(v, f"#clause-{c.key}")
    return render_template("rules/clause_edit.html", v=v, c=c, form=form), (400 if request.method == "POST" else 200)


@bp.post("/v/<id:version_id>/clauses/<id:clause_id>/move")
def move_clause(version_id, clause_id):
    v = _draft(version_id)
    c = load_clause(v, clause_id)
    form = MoveForm()
    if not form.validate_on_submit() or form.direction.data not in ("up", "down"):
        return _form_error()
    services.move_clause(current_user, g.community, v, c, form.direction.data)
    db.session.commit()
    return to_version(v, f"#clause-{c.key}")


@bp.post("/v/<id:version_id>/clauses/<id:clause_id>/delete")
def delete_clause(version_id, clause_id):
    v = _draft(version_id)
    c = load_clause(v, clause_id)
    services.delete_clause(current_user, g.community, v, c)
    db.session.commit()
    flash(_("The clause is deleted; the others are numbered again."), "success")
    return to_version(v)


# -- phases ------------------------------------------------------------------------------------

@bp.post("/v/<id:version_id>/consultation")
def open_consultation(version_id):
    v = load_version(version_id)
    require(perm.can_open_consultation(g.ctx, v))
    form = ConsultationForm()
    if not form.validate_on_submit():
        return _form_error(_("Please give the first and the last day of the consultation."))
    phases.open_consultation(current_user, g.community, v, form.start.data, form.end.data, services.local_today())
    db.session.commit()
    flash(_("The consultation is open. Residents can now comment and propose amendments."), "success")
    return to_version(v)


@bp.post("/v/<id:version_id>/start-revision")
def start_revision(version_id):
    v = load_version(version_id)
    today = services.local_today()
    require(perm.can_start_revision(g.ctx, v, today))
    phases.start_revision(current_user, g.community, v, today)
    db.session.commit()
    flash(_("The consultation is closed. Decide on every amendment."), "success")
    return redirect(url_for("rules.revision", version_id=v.id), code=303)


@bp.get("/v/<id:version_id>/revision")
def revision(version_id):
    v = load_version(version_id)
    require(perm.can_decide(g.ctx, v))
    amendments = queries.amendments_of(v)
    clauses = queries.clauses_by_key(v)
    diffs = {a.id: diff_text(clauses[a.target_key].text if a.kind == "change" and a.target_key in clauses else "",
                             a.final_text if a.kind != "delete" else "") for a in amendments}
    return render_template("rules/revision.html", v=v, doc=db.session.get(RuleDocument, v.document_id),
                           amendments=amendments, clauses=clauses, diffs=diffs,
                           decision_form=DecisionForm(), conclude_form=ReasonForm())


@bp.post("/v/<id:version_id>/amendments/<id:amendment_id>/decide")
def decide(version_id, amendment_id):
    v = load_version(version_id)
    a = load_amendment(v, amendment_id)
    require(perm.can_decide(g.ctx, v))
    form = DecisionForm()
    if not form.validate_on_submit():
        return _form_error(_("Every decision needs a public reason (at most 300 characters)."))
    phases.decide_amendment(current_user, g.community, v, a, form.decision.data, form.reason.data,
                            form.merged_text.data)
    db.session.commit()
    flash(_("The decision is recorded and published."), "success")
    return redirect(url_for("rules.revision", version_id=v.id) + f"#amendment-{a.id}", code=303)


@bp.post("/v/<id:version_id>/conclude")
def conclude(version_id):
    v = load_version(version_id)
    require(perm.can_conclude_revision(g.ctx, v))
    form = ReasonForm()
    if not form.validate_on_submit():
        return _form_error(_("Please say in a sentence what changed (at most 300 characters)."))
    nxt = phases.conclude_revision(current_user, g.community, v, form.reason.data)
    db.session.commit()
    flash(_("Version %(num)d is ready with the decided changes.", num=nxt.number), "success")
    return to_version(nxt)


@bp.post("/v/<id:version_id>/adoption-vote")
def adoption_vote(version_id):
    v = load_version(version_id)
    require(perm.can_start_adoption_vote(g.ctx, v, phases.from_revision(v)))
    adoption.start_adoption_vote(v, current_user)
    db.session.commit()
    flash(_("The version goes to the adoption vote."), "success")
    return to_version(v)


@bp.route("/v/<id:version_id>/filing", methods=["GET", "POST"])
def filing(version_id):
    v = load_version(version_id)
    require(perm.can_file(g.ctx, v))
    form = FilingForm()
    if form.validate_on_submit():
        phases.file_version(current_user, g.community, v, form.filed_on.data, form.reference.data,
                            services.local_today())
        db.session.commit()
        flash(_("The filing is recorded."), "success")
        return redirect(url_for("rules.document", document_id=v.document_id), code=303)
    if request.method == "GET":
        form.filed_on.data = services.local_today()
    return render_template("rules/filing.html", v=v, doc=db.session.get(RuleDocument, v.document_id),
                           form=form), (400 if request.method == "POST" else 200)
