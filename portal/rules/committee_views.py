"""The committee's rules actions: new documents, drafting, phase changes, decisions, filing.
Routes on the rules blueprint; every POST goes through the action wrapper
(portal/web/actions.py), which owns the transaction."""
from __future__ import annotations

from flask import g, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..web.actions import Done, act
from ..web.errors import Forbidden, PortalError
from ..web.forms import ButtonForm
from ..web.permissions import require
from . import adoption, phases, queries, services
from . import permissions as perm
from .blueprint import (bp, load_amendment, load_chapter, load_clause, load_document, load_version, revision_url,
                        version_url)
from .forms import (AdoptionVoteForm, ChapterForm, ClauseForm, ConsultationForm, DecisionForm, DocumentForm,
                    FilingForm, MoveForm, NewChapterForm, NewClauseForm, ReasonForm)
from .pages import (clause_delete_page, clause_edit_page, conclude_form, decision_ids, document_page, filing_page, index_page,
                    redraft_form, revision_page, version_page)


def still(allowed: bool) -> None:
    """Inside run(): a permission that depends on the state which the action itself changes (a
    version under deliberation, a revision concluded, a draft sent to the vote). Checked after
    the form's one-time token, so that the same form sent again lands on what the first send made
    instead of a refusal; anything else is refused as before (403)."""
    if not allowed:
        raise Forbidden()


@bp.post("/new")
def new_document():
    require(perm.can_create_document(g.ctx))
    form = DocumentForm()
    return act(form, lambda: Done(version_url(services.create_document(g.community, form.title.data,
                                                                       form.kind.data, actor=current_user)),
                                  _("The document is created. Write its clauses in the draft.")),
               lambda: index_page(form), once=True)


@bp.post("/<id:document_id>/redraft")
def redraft(document_id):
    doc = load_document(document_id)
    require(perm.can_create_document(g.ctx))  # the committee's
    form = redraft_form(ReasonForm())

    def run():
        still(perm.can_redraft(g.ctx, services.open_version(doc) is not None))
        v = services.start_redraft(g.community, doc, form.reason.data, actor=current_user)
        return Done(version_url(v), _("A new draft is ready."))

    return act(form, run, lambda: document_page(doc, redraft=form), once=True)


# -- drafting ----------------------------------------------------------------------------------

def _draft(version_id):
    v = load_version(version_id)
    require(perm.can_edit_draft(g.ctx, v))
    return v


@bp.post("/v/<id:version_id>/chapters")
def add_chapter(version_id):
    v = _draft(version_id)
    form = NewChapterForm()

    def run():
        ch = services.add_chapter(g.community, v, form.title.data, actor=current_user)
        return Done(version_url(v, f"#chapter-{ch.number}"), _("Chapter %(num)d is added.", num=ch.number))

    return act(form, run, lambda: version_page(v, chapter=form), once=True)


@bp.post("/v/<id:version_id>/chapters/<id:chapter_id>")
def rename_chapter(version_id, chapter_id):
    v = _draft(version_id)
    ch = load_chapter(v, chapter_id)
    form = ChapterForm()
    return act(form, lambda: Done(version_url(v, f"#chapter-{ch.number}"), _("Saved."),
                                  result=services.rename_chapter(g.community, v, ch, form.title.data, actor=current_user)),
               lambda: version_page(v, rename=(ch.id, form)))


@bp.post("/v/<id:version_id>/clauses")
def add_clause(version_id):
    v = _draft(version_id)
    form = NewClauseForm()
    form.chapter.choices = [(ch.id, str(ch.number)) for ch in services.chapters_of(v)]

    def run():
        chapter = queries.chapter_of(v, form.chapter.data)
        if chapter is None:
            raise PortalError(_("Please choose the chapter of the clause."), field="chapter")
        c = services.add_clause(g.community, v, chapter, form.text.data, actor=current_user)
        return Done(version_url(v, f"#clause-{c.key}"), _("Clause %(num)d is added.", num=c.number))

    return act(form, run, lambda: version_page(v, clause=form), once=True)


@bp.route("/v/<id:version_id>/clauses/<id:clause_id>/edit", methods=["GET", "POST"])
def edit_clause(version_id, clause_id):
    v = _draft(version_id)
    c = load_clause(v, clause_id)
    form = ClauseForm(data=None if request.method == "POST" else {"text": c.text})
    form.chapter.choices = []
    return act(form, lambda: Done(version_url(v, f"#clause-{c.key}"), _("Saved."),
                                  result=services.edit_clause(g.community, v, c, form.text.data, actor=current_user)),
               lambda: clause_edit_page(v, c, form))


@bp.post("/v/<id:version_id>/clauses/<id:clause_id>/move")
def move_clause(version_id, clause_id):
    v = _draft(version_id)
    c = load_clause(v, clause_id)
    form = MoveForm()
    return act(form, lambda: Done(version_url(v, f"#clause-{c.key}"), result=services.move_clause(
        g.community, v, c, form.direction.data, actor=current_user)), lambda: version_page(v))


@bp.route("/v/<id:version_id>/clauses/<id:clause_id>/delete", methods=["GET", "POST"])
def delete_clause(version_id, clause_id):
    """A check screen first (the clause as it stands, "delete it" or "keep it"), then the deletion."""
    v = _draft(version_id)
    c = load_clause(v, clause_id)
    form = ButtonForm()

    def page():
        return clause_delete_page(v, c, form)

    if request.method == "GET":
        return page()
    return act(form, lambda: Done(version_url(v), _("Article %(num)d is deleted; the others are numbered again.",
                                                    num=c.number),
                                  result=services.delete_clause(g.community, v, c, actor=current_user)), page)


# -- phases ------------------------------------------------------------------------------------

@bp.post("/v/<id:version_id>/consultation")
def open_consultation(version_id):
    v = load_version(version_id)
    require(perm.can_open_consultation(g.ctx, v))
    form = ConsultationForm()
    return act(form, lambda: Done(version_url(v), _("The consultation is open. Residents can now comment and propose "
                                                    "amendments."),
                                  result=phases.open_consultation(g.community, v, form.start.data,
                                                                  form.end.data, services.local_today(), actor=current_user)),
               lambda: version_page(v, consultation=form))


@bp.post("/v/<id:version_id>/start-revision")
def start_revision(version_id):
    v = load_version(version_id)
    today = services.local_today()
    require(perm.can_start_revision(g.ctx, v, today))
    return act(ButtonForm(), lambda: Done(revision_url(v), _("The consultation is closed. Decide on every amendment."),
                                          result=phases.start_revision(g.community, v, today, actor=current_user)),
               lambda: version_page(v))


@bp.get("/v/<id:version_id>/revision")
def revision(version_id):
    v = load_version(version_id)
    require(perm.can_decide(g.ctx, v))
    return revision_page(v)


@bp.post("/v/<id:version_id>/amendments/<id:amendment_id>/decide")
def decide(version_id, amendment_id):
    v = load_version(version_id)
    a = load_amendment(v, amendment_id)
    require(perm.can_decide(g.ctx, v))
    form = decision_ids(DecisionForm(), a.id)
    return act(form, lambda: Done(revision_url(v, f"#amendment-{a.id}"), _("The decision is recorded and published."),
                                  result=phases.decide_amendment(g.community, v, a, form.decision.data,
                                                                 form.reason.data, form.merged_text.data, actor=current_user)),
               lambda: revision_page(v, decision=(a.id, form)))


@bp.post("/v/<id:version_id>/conclude")
def conclude(version_id):
    v = load_version(version_id)
    require(perm.can_create_document(g.ctx))  # the committee's
    form = conclude_form(ReasonForm())

    def run():
        still(perm.can_conclude_revision(g.ctx, v))
        nxt = phases.conclude_revision(g.community, v, form.reason.data, actor=current_user)
        return Done(version_url(nxt), _("Version %(num)d is ready with the decided changes.", num=nxt.number))

    return act(form, run, lambda: revision_page(v, conclude=form), once=True)


@bp.post("/v/<id:version_id>/adoption-vote")
def adoption_vote(version_id):
    v = load_version(version_id)
    require(perm.can_create_document(g.ctx))  # the committee's
    form = AdoptionVoteForm()

    def run():
        still(perm.can_start_adoption_vote(g.ctx, v, phases.from_revision(v)))
        adoption.start_adoption_vote(v, current_user)
        return Done(version_url(v), _("The version goes to the adoption vote."))

    return act(form, run, lambda: version_page(v, vote=form), once=True)


@bp.route("/v/<id:version_id>/filing", methods=["GET", "POST"])
def filing(version_id):
    v = load_version(version_id)
    require(perm.can_file(g.ctx, v))
    form = FilingForm(data=None if request.method == "POST" else {"filed_on": services.local_today()})
    return act(form, lambda: Done(url_for("rules.document", document_id=v.document_id), _("The filing is recorded."),
                                  result=phases.file_version(g.community, v, form.filed_on.data,
                                                             form.reference.data, services.local_today(), actor=current_user)),
               lambda: filing_page(v, form))
