"""Rules pages rendered by their GET view and again after a mistake in one of their forms (the
form as it was sent, its messages at its fields: portal/web/actions.py). Every other form of the
page is a fresh one (formdata=None), so nothing typed in one form shows up in another."""
from __future__ import annotations

from datetime import timedelta

from flask import g, render_template, request
from flask_babel import gettext as _

from ..comments import services as comments
from ..diff import diff_text
from ..moderation import permissions as moderation_perm
from ..web.once import TOKEN_FIELD
from .models import CLAUSE_MAX
from . import permissions as perm
from . import phases, queries, services
from .forms import (AdoptionVoteForm, AmendmentForm, AssistedSupportForm, ClauseCommentForm, ConsultationForm, DecisionForm,
                    DocumentForm, NewChapterForm, NewClauseForm, ReasonForm)

OPEN = ("drafting", "consultation", "revision", "adoption_vote")
PREVIEW_FIELD = "_preview"  # the amendment form's "show the changes" button
PREVIEW_MAX = 2 * CLAUSE_MAX  # a longer text is refused when sent; its preview diffs this much of it


def int_arg(name: str) -> int | None:
    raw = request.args.get(name, "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None


def index_page(form=None):
    can_create = perm.can_create_document(g.ctx)
    return render_template("rules/index.html", docs=queries.documents(g.community), can_create=can_create,
                           form=(form or DocumentForm(formdata=None)) if can_create else None)


def redraft_form(form=None):
    form = form or ReasonForm(formdata=None)
    form.reason.id = "redraft-reason"
    form.reason.label.text = _("Why should the rules change? (public)")
    return form


def document_page(doc, redraft=None):
    versions = queries.versions_of(doc)
    adopted = next((v for v in versions if v.status == "adopted"), None)
    current = next((v for v in versions if v.status in OPEN and perm.can_view_version(g.ctx, v)), None)
    can_redraft = perm.can_redraft(g.ctx, any(v.status in OPEN for v in versions))
    return render_template("rules/document.html", doc=doc, adopted=adopted, current=current,
                           text=queries.text_of(adopted) if adopted else [], today=services.local_today(),
                           can_redraft=can_redraft, redraft_form=redraft_form(redraft) if can_redraft else None,
                           can_file=adopted is not None and perm.can_file(g.ctx, adopted))


def chapter_label(ch) -> str:
    return f"{_('Chapter %(num)d', num=ch.number)} {ch.title}".strip()


def committee_forms(v, today, text, sent=None):
    """The forms the committee gets on a version page (none for anyone else: a form makes a
    CSRF token, and so a session cookie). `sent`: the form sent with a mistake, by its name
    ("chapter", "clause", "consultation", or ("rename", chapter id))."""
    ctx = g.ctx
    if not ctx.has_role("committee"):
        return None
    sent = sent or {}
    forms = {}
    if perm.can_edit_draft(ctx, v):
        clause = sent.get("clause") or NewClauseForm(formdata=None, data={
            "chapter": text[-1].chapter.id if text else None})
        clause.chapter.choices = [(ch.chapter.id, chapter_label(ch.chapter)) for ch in text]
        forms.update(chapter=sent.get("chapter") or NewChapterForm(formdata=None), clause=clause,
                     rename=sent.get("rename"))
        if forms["rename"] is not None:
            chapter_id, form = forms["rename"]
            form.title.id = f"ch-title-{chapter_id}"
    if perm.can_open_consultation(ctx, v):
        forms["consultation"] = sent.get("consultation") or ConsultationForm(
            formdata=None, data={"start": today, "end": today + timedelta(days=14)})
    forms["start_revision"] = perm.can_start_revision(ctx, v, today)
    forms["revision"] = perm.can_decide(ctx, v)
    can_vote = perm.can_start_adoption_vote(ctx, v, phases.from_revision(v)) if v.status == "drafting" else False
    forms["vote"] = (sent.get("vote") or AdoptionVoteForm(formdata=None)) if can_vote else None
    return forms


def version_page(v, **sent):
    today = services.local_today()
    comment_counts, amendment_counts = queries.clause_counts(g.community, v)
    text = queries.text_of(v)
    return render_template("rules/version.html", v=v, doc=queries.document_of(v), text=text, today=today,
                           days_left=phases.days_left(v, today), comment_counts=comment_counts,
                           amendment_counts=amendment_counts, can_amend=perm.can_amend(g.ctx, v, today),
                           committee=committee_forms(v, today, text, sent))


def reply_form(sent: bool = False):
    """The one reply form (prefix "reply", so that its ids differ from the new-comment form's).
    Its one-time token keeps the plain name `submit_token`, the one the action wrapper reads
    from the request (portal/web/once.py TOKEN_FIELD), and, sent back with a mistake, the value
    that was sent."""
    form = ClauseCommentForm(prefix="reply") if sent else ClauseCommentForm(prefix="reply", formdata=None)
    form.submit_token.name = TOKEN_FIELD
    if sent:
        form.submit_token.data = request.form.get(TOKEN_FIELD)
    return form


def _comment_forms(can_comment, comment_form):
    """The new-comment form and the one reply form (prefix "reply"); a reply sent with a
    mistake comes back as the reply form, under its thread."""
    reply_to = int_arg("reply_to")
    reply = reply_form() if can_comment else None
    if comment_form is not None and comment_form.body.name == "reply-body":
        reply, comment_form = comment_form, None
        raw = reply.parent_id.data or ""
        reply_to = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None
    if can_comment and comment_form is None:
        comment_form = ClauseCommentForm(formdata=None)
    return comment_form if can_comment else None, reply, reply_to


def amendment_preview(c, form):
    """The diff of the clause and the amendment's text as typed (the one diff, portal/diff.py)."""
    text = (form.text.data or "")[:PREVIEW_MAX]
    if form.kind.data == "delete":
        return diff_text(c.text, "")
    if form.kind.data == "new":
        return diff_text("", text.strip())
    return diff_text(c.text, text.strip())


def clause_page(v, c, amend_form=None, comment_form=None, preview=False):
    """The clause, its amendments and comments. The amendment form starts from the clause's text
    (a change is an edit of it, not a retyping); `preview`: the form as sent with its diff."""
    ctx, today = g.ctx, services.local_today()
    amendments = queries.amendments_of(v, c.key)
    can_amend, can_comment = perm.can_amend(ctx, v, today), perm.can_comment(ctx, v, today)
    comment_form, reply_form, reply_to = _comment_forms(can_comment, comment_form)
    return render_template(
        "rules/clause.html", v=v, doc=queries.document_of(v), c=c, amendments=amendments,
        diffs={a.id: diff_text(c.text, a.final_text) for a in amendments if a.kind == "change"},
        supported=queries.supported_ids(ctx.user, [a.id for a in amendments]), today=today,
        thread=comments.thread(g.community, c), days_left=phases.days_left(v, today),
        amend_form=(amend_form or AmendmentForm(formdata=None, data={"text": c.text})) if can_amend else None,
        preview=amendment_preview(c, amend_form) if preview and amend_form is not None else None,
        comment_form=comment_form, reply_form=reply_form, reply_to=reply_to,
        can=dict(amend=can_amend, comment=can_comment, flag=moderation_perm.can_report(ctx), moderate=perm.can_see_hidden(ctx),
                 see_hidden=perm.can_see_hidden(ctx)))


def amendment_page(v, a, comment_form=None, assisted_form=None):
    ctx, today = g.ctx, services.local_today()
    target = queries.clauses_by_key(v).get(a.target_key or a.after_key or "")
    can_comment = perm.can_comment(ctx, v, today)
    comment_form, reply_form, reply_to = _comment_forms(can_comment, comment_form)
    can_assist = perm.can_record_support_with(ctx, v, a, today)
    return render_template(
        "rules/amendment.html", v=v, doc=queries.document_of(v), a=a, target=target,
        text_ops=diff_text(target.text if target and a.kind == "change" else "", a.proposed_text),
        merged_ops=diff_text(a.proposed_text, a.merged_text) if a.decision == "merged" else None,
        supported=phases.has_supported(ctx.user, a) if ctx.verified else False,
        assisted_supports=queries.assisted_support_count(a),
        assisted_form=(assisted_form or AssistedSupportForm(formdata=None)) if can_assist else None,
        thread=comments.thread(g.community, a), comment_form=comment_form, reply_form=reply_form,
        reply_to=reply_to,
        can=dict(support=perm.can_support(ctx, v, a, today), comment=can_comment, flag=moderation_perm.can_report(ctx),
                 moderate=perm.can_see_hidden(ctx), see_hidden=perm.can_see_hidden(ctx)))


def decision_ids(form, amendment_id: int):
    """The ids of one amendment's decision form on the revision page (one form per amendment)."""
    form.decision.id = f"d-{amendment_id}"
    form.merged_text.id = f"m-{amendment_id}"
    form.reason.id = f"r-{amendment_id}"
    return form


def conclude_form(form=None):
    form = form or ReasonForm(formdata=None)
    form.reason.id = form.reason.label.field_id = "conclude-reason"  # the label's for= goes with it
    form.reason.label.text = _("What changed, in a sentence (public)")
    return form


def revision_page(v, decision=None, conclude=None):
    """The committee's revision page. `decision`: (amendment id, DecisionForm) sent with a mistake;
    every other amendment's form is written out from the amendment itself (hundreds of them)."""
    amendments = queries.amendments_of(v)
    clauses = queries.clauses_by_key(v)
    diffs = {a.id: diff_text(clauses[a.target_key].text if a.kind == "change" and a.target_key in clauses else "",
                             a.final_text if a.kind != "delete" else "") for a in amendments}
    sent_id, sent = decision if decision else (None, None)
    return render_template("rules/revision.html", v=v, doc=queries.document_of(v), amendments=amendments,
                           clauses=clauses, diffs=diffs, decision_form=DecisionForm(formdata=None),
                           sent_id=sent_id, sent=sent, conclude_form=conclude_form(conclude))


def clause_delete_page(v, c, form):
    return render_template("rules/clause_delete.html", v=v, c=c, doc=queries.document_of(v), form=form)


def clause_edit_page(v, c, form):
    return render_template("rules/clause_edit.html", v=v, c=c, form=form)


def filing_page(v, form):
    return render_template("rules/filing.html", v=v, doc=queries.document_of(v), form=form)
