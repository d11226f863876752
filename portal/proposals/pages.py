"""The proposal's page, rendered by its GET view and again after a mistake in one of its forms."""
from __future__ import annotations

from flask import g, render_template, request

from ..assisted import permissions as assisted_perm
from ..assisted import services as assisted
from ..comments import services as comments
from ..moderation import permissions as moderation_perm
from ..uploads import services as uploads
from . import permissions as perm
from . import queries, services
from .forms import AssistedSupportForm, CommentForm, ProgressForm


def int_value(raw: str) -> int | None:
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None


def int_arg(name: str, default: int | None) -> int | None:
    value = int_value(request.args.get(name, ""))
    return default if value is None else value


def detail_page(p, comment_form=None, progress_form=None, assisted_form=None):
    """The proposal's page; after a mistake in one of its forms, with that form as it was sent."""
    ctx = g.ctx
    files = uploads.attachments_for(g.community, "proposal", [p.id]).get(p.id, [])
    reply_to = int_arg("reply_to", None)
    can_comment = perm.can_comment(ctx, p)
    reply_form = CommentForm(prefix="reply", formdata=None) if can_comment else None
    if comment_form is not None and comment_form.body.name == "reply-body":  # a reply sent with a mistake
        reply_form, comment_form = comment_form, None
        reply_to = int_value(reply_form.parent_id.data or "")
    return render_template(
        "proposals/detail.html", p=p, answer=queries.answer_for(p), progress=queries.progress_for(p),
        thread=comments.thread_page(g.community, p, int_arg("cpage", 1)), reply_to=reply_to,
        files=files,
        supported=services.has_supported(ctx.user, p) if ctx.verified else False,
        threshold=services.threshold_for(g.community),
        # Forms only for those who get them: a form makes a CSRF token, and so a session cookie.
        comment_form=comment_form or (CommentForm(formdata=None) if can_comment else None), reply_form=reply_form,
        can=dict(edit=perm.can_edit(ctx, p), withdraw=perm.can_withdraw(ctx, p), support=perm.can_support(ctx, p),
                 unsupport=perm.can_unsupport(ctx, p), answer=perm.can_answer(ctx, p),
                 progress=perm.can_report_progress(ctx, p), comment=can_comment,
                 see_hidden=perm.can_see_hidden_text(ctx, p), moderate=ctx.has_role("committee"),
                 flag=moderation_perm.can_report(ctx)),
        progress_form=_progress_ids(progress_form or (ProgressForm(formdata=None)
                                                      if perm.can_report_progress(ctx, p) else None)),
        assisted_mark=assisted.recorded(g.community, p, "proposal.created") if p.origin == "assisted" else None,
        assisted_supports=queries.assisted_support_count(p),
        assisted_form=assisted_form or (AssistedSupportForm(formdata=None)
                                        if assisted_perm.can_record(ctx) and perm.can_support_state(p) else None),
    )


def _progress_ids(form):
    """The progress report shares the page with the comment form: its fields get ids of their own
    (the names stay), so an error summary's "#body" goes to the comment's text, never here."""
    if form is not None:
        for f in (form.body, form.implemented):
            f.id = f.label.field_id = f"progress-{f.name}"
    return form
