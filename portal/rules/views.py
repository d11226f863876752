"""Rules pages for everyone: documents, versions clause by clause, amendments, history,
the adopted text and its print view; a resident's amendments, supports and comments. Committee
actions are in committee_views.py. Every POST goes through the action wrapper
(portal/web/actions.py), which owns the transaction."""
from __future__ import annotations

from flask import abort, g, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from ..comments import services as comments
from ..web.actions import Done, act
from ..web.errors import NotFound, PortalError
from ..web.forms import ButtonForm
from ..web.links import public_url
from ..web.permissions import require
from ..web.qr import qr_svg
from . import permissions as perm
from . import phases, queries, services
from .blueprint import (amendment_url, bp, clause_url, load_adopted, load_amendment, load_clause, load_document,
                        load_version)
from .forms import AmendmentForm, ClauseCommentForm
from .pages import PREVIEW_FIELD, amendment_page, clause_page, document_page, index_page, reply_form, version_page


@bp.get("/")
def index():
    return index_page()


@bp.get("/<id:document_id>")
def document(document_id):
    return document_page(load_document(document_id))


@bp.get("/<id:document_id>/adopted")
def adopted(document_id):
    doc, v = load_adopted(document_id)
    return render_template("rules/adopted.html", doc=doc, v=v, text=queries.text_of(v))


@bp.get("/<id:document_id>/print")
def print_view(document_id):
    doc, v = load_adopted(document_id)
    link = public_url("rules.adopted", document_id=doc.id)
    return render_template("rules/print.html", doc=doc, v=v, text=queries.text_of(v), link=link,
                           qr=qr_svg(link, _("Link to the online text")))


@bp.get("/<id:document_id>/history")
def history(document_id):
    doc = load_document(document_id)
    versions = [v for v in queries.versions_of(doc) if perm.can_view_version(g.ctx, v)]
    ids = {v.id: v for v in versions}
    diff = old = new = None
    raw_from, raw_to = request.args.get("from", ""), request.args.get("to", "")
    if raw_from or raw_to:
        if not (raw_from.isascii() and raw_from.isdigit() and raw_to.isascii() and raw_to.isdigit()):
            abort(400)  # a GET: not a choice the page offered
        old, new = ids.get(int(raw_from)) if len(raw_from) < 10 else None, \
            ids.get(int(raw_to)) if len(raw_to) < 10 else None
        if old is None or new is None:
            abort(404)
        diff = queries.document_diff(old, new)
    elif len(versions) >= 2:
        old, new = versions[1], versions[0]
        diff = queries.document_diff(old, new)
    return render_template("rules/history.html", doc=doc, versions=versions, diff=diff, old=old, new=new)


@bp.get("/v/<id:version_id>")
def version(version_id):
    return version_page(load_version(version_id))


@bp.get("/v/<id:version_id>/clauses/<id:clause_id>")
def clause(version_id, clause_id):
    v = load_version(version_id)
    return clause_page(v, load_clause(v, clause_id))


@bp.post("/v/<id:version_id>/clauses/<id:clause_id>/amendments")
def amend(version_id, clause_id):
    v = load_version(version_id)
    c = load_clause(v, clause_id)
    today = services.local_today()
    require(perm.can_amend(g.ctx, v, today))
    form = AmendmentForm()
    if request.form.get(PREVIEW_FIELD):
        # "Show the changes" (no JavaScript needed): the same form again, as typed, with the diff
        # of the clause and the text; nothing is written and the one-time token stays unused.
        return clause_page(v, c, amend_form=form, preview=True)

    def run():
        a = phases.propose_amendment(g.community, v, form.kind.data, c, form.text.data,
                                     form.rationale.data, today, actor=current_user)
        return Done(amendment_url(v, a), _("Your amendment is published. Neighbours can now support it."))

    return act(form, run, lambda: clause_page(v, c, amend_form=form), once=True)


def _comment_form():
    return reply_form(sent=True) if "reply-body" in request.form else ClauseCommentForm()


def _parent(form, subject):
    """The comment a reply answers: on this page, else 404; None for a new thread."""
    raw = form.parent_id.data or ""
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()):  # not "１" or "-1": no comment the page offered
        raise PortalError(_("You can only reply to a comment on the same page."))
    parent = comments.get_comment(g.community, int(raw)) if int(raw) < 2**31 else None
    if parent is None or parent.subject_type != subject.__tablename__ or parent.subject_id != subject.id:
        raise NotFound()  # no such comment on this page
    return parent


def _add_comment(form, subject, back):
    new = comments.add_comment(g.community, subject, form.body.data, _parent(form, subject), actor=current_user)
    return Done(back + f"#comment-{new.id}", _("Your comment is published."))


@bp.post("/v/<id:version_id>/clauses/<id:clause_id>/comments")
def clause_comment(version_id, clause_id):
    v = load_version(version_id)
    c = load_clause(v, clause_id)
    require(perm.can_comment(g.ctx, v, services.local_today()))
    form = _comment_form()
    return act(form, lambda: _add_comment(form, c, clause_url(v, c)), lambda: clause_page(v, c, comment_form=form),
               once=True)


@bp.get("/v/<id:version_id>/amendments/<id:amendment_id>")
def amendment(version_id, amendment_id):
    v = load_version(version_id)
    return amendment_page(v, load_amendment(v, amendment_id))


@bp.post("/v/<id:version_id>/amendments/<id:amendment_id>/support")
def support(version_id, amendment_id):
    v = load_version(version_id)
    a = load_amendment(v, amendment_id)
    today = services.local_today()
    require(perm.can_support(g.ctx, v, a, today))

    def run():
        added = phases.support_amendment(g.community, v, a, today, actor=current_user)
        return Done(amendment_url(v, a), _("Thank you: your support is counted.") if added
                    else _("You already support this amendment."))

    return act(ButtonForm(), run, lambda: amendment_page(v, a))


@bp.post("/v/<id:version_id>/amendments/<id:amendment_id>/comments")
def amendment_comment(version_id, amendment_id):
    v = load_version(version_id)
    a = load_amendment(v, amendment_id)
    require(perm.can_comment(g.ctx, v, services.local_today()))
    form = _comment_form()
    return act(form, lambda: _add_comment(form, a, amendment_url(v, a)),
               lambda: amendment_page(v, a, comment_form=form), once=True)
