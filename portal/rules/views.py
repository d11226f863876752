"""Rules pages for everyone: documents, versions clause by clause, amendments, history,
the adopted text and its print view. Committee actions are in committee_views.py."""
from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..assisted.forms import ResidentForm
from ..comments import services as comments
from ..communities.scoping import community_blueprint, get_or_404
from ..diff import diff_text
from ..extensions import db
from ..web.permissions import require
from . import permissions as perm
from . import phases, queries, services
from .forms import KIND_LABELS, AmendmentForm, ClauseCommentForm, DocumentForm
from .models import Amendment, RuleClause, RuleDocument, RuleVersion

bp = community_blueprint("rules", __name__, "/rules")


def load_version(version_id: int) -> RuleVersion:
    v = get_or_404(RuleVersion, g.community, version_id)
    if not perm.can_view_version(g.ctx, v):
        abort(404)  # a draft is the committee's: for everyone else it does not exist
    return v


def load_clause(v: RuleVersion, clause_id: int) -> RuleClause:
    c = db.session.get(RuleClause, clause_id)
    if c is None or c.version_id != v.id:
        abort(404)
    return c


def load_amendment(v: RuleVersion, amendment_id: int) -> Amendment:
    a = db.session.execute(select(Amendment).options(joinedload(Amendment.author)).where(
        Amendment.id == amendment_id, Amendment.community_id == g.community.id,
        Amendment.version_id == v.id)).scalar_one_or_none()
    if a is None:
        abort(404)
    return a


def to_version(v, anchor=""):
    return redirect(url_for("rules.version", version_id=v.id) + anchor, code=303)


@bp.app_context_processor
def _labels():
    from . import labels

    return {"rule_kind_label": lambda kind: str(KIND_LABELS.get(kind, kind)),
            "rule_status_label": labels.status_label, "amendment_kind_label": labels.amendment_kind_label,
            "decision_label": labels.decision_label}


@bp.get("/")
def index():
    can_create = perm.can_create_document(g.ctx)
    return render_template("rules/index.html", docs=queries.documents(g.community), can_create=can_create,
                           form=DocumentForm() if can_create else None)


@bp.get("/<id:document_id>")
def document(document_id):
    doc = get_or_404(RuleDocument, g.community, document_id)
    versions = queries.versions_of(doc)
    adopted = next((v for v in versions if v.status == "adopted"), None)
    current = next((v for v in versions if v.status in ("drafting", "consultation", "revision", "adoption_vote")
                    and perm.can_view_version(g.ctx, v)), None)
    has_open = any(v.status in ("drafting", "consultation", "revision", "adoption_vote") for v in versions)
    return render_template("rules/document.html", doc=doc, adopted=adopted, current=current,
                           text=queries.text_of(adopted) if adopted else [], today=services.local_today(),
                           can_redraft=perm.can_redraft(g.ctx, has_open),
                           can_file=adopted is not None and perm.can_file(g.ctx, adopted))


@bp.get("/<id:document_id>/adopted")
def adopted(document_id):
    doc, v = _adopted(document_id)
    return render_template("rules/adopted.html", doc=doc, v=v, text=queries.text_of(v))


@bp.get("/<id:document_id>/print")
def print_view(document_id):
    import segno
    from markupsafe import Markup

    doc, v = _adopted(document_id)
    link = url_for("rules.adopted", document_id=doc.id, _external=True)
    qr = segno.make(link, error="m")
    svg = qr.svg_inline(scale=4, border=2, dark="#000", light="#fff", omitsize=False, svgclass="qr",
                        title=_("Link to the online text"))
    return render_template("rules/print.html", doc=doc, v=v, text=queries.text_of(v), link=link, qr=Markup(svg))


def _adopted(document_id):
    doc = get_or_404(RuleDocument, g.community, document_id)
    v = next((v for v in queries.versions_of(doc) if v.status == "adopted"), None)
    if v is None:
        abort(404)
    return doc, v


@bp.get("/<id:document_id>/history")
def history(document_id):
    doc = get_or_404(RuleDocument, g.community, document_id)
    versions = [v for v in queries.versions_of(doc) if perm.can_view_version(g.ctx, v)]
    ids = {v.id: v for v in versions}
    diff = old = new = None
    raw_from, raw_to = request.args.get("from", ""), request.args.get("to", "")
    if raw_from or raw_to:
        if not (raw_from.isascii() and raw_from.isdigit() and raw_to.isascii() and raw_to.isdigit()):
            abort(400)
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
    v = load_version(version_id)
    doc = db.session.get(RuleDocument, v.document_id)
    today = services.local_today()
    comment_counts, amendment_counts = queries.clause_counts(g.community, v)
    ctx = g.ctx
    from .committee_views import committee_forms

    return render_template("rules/version.html", v=v, doc=doc, text=queries.text_of(v), today=today,
                           days_left=phases.days_left(v, today), comment_counts=comment_counts,
                           amendment_counts=amendment_counts, can_amend=perm.can_amend(ctx, v, today),
                           committee=committee_forms(v, today))


@bp.get("/v/<id:version_id>/clauses/<id:clause_id>")
def clause(version_id, clause_id):
    v = load_version(version_id)
    c = load_clause(v, clause_id)
    return _clause_page(v, c)


def _clause_page(v, c, form=None, status=200):
    ctx, today = g.ctx, services.local_today()
    amendments = queries.amendments_of(v, c.key)
    can_amend, can_comment = perm.can_amend(ctx, v, today), perm.can_comment(ctx, v, today)
    return render_template(
        "rules/clause.html", v=v, doc=db.session.get(RuleDocument, v.document_id), c=c, amendments=amendments,
        diffs={a.id: diff_text(c.text, a.final_text) for a in amendments if a.kind == "change"},
        supported=queries.supported_ids(ctx.user, [a.id for a in amendments]), today=today,
        thread=comments.thread(g.community, c), days_left=phases.days_left(v, today),
        amend_form=(form or AmendmentForm()) if can_amend else None,
        comment_form=ClauseCommentForm() if can_comment else None,
        can=dict(amend=can_amend, comment=can_comment, flag=ctx.signed_in, moderate=perm.can_see_hidden(ctx),
                 see_hidden=perm.can_see_hidden(ctx))), status


@bp.post("/v/<id:version_id>/clauses/<id:clause_id>/amendments")
def amend(version_id, clause_id):
    v = load_version(version_id)
    c = load_clause(v, clause_id)
    today = services.local_today()
    require(perm.can_amend(g.ctx, v, today))
    form = AmendmentForm()
    if not form.validate_on_submit():
        return _clause_page(v, c, form, 400)
    a = phases.propose_amendment(current_user, g.community, v, form.kind.data, c, form.text.data,
                                 form.rationale.data, today)
    db.session.commit()
    flash(_("Your amendment is published. Neighbours can now support it."), "success")
    return redirect(url_for("rules.amendment", version_id=v.id, amendment_id=a.id), code=303)


def _post_comment(v, subject, back):
    require(perm.can_comment(g.ctx, v, services.local_today()))
    form = ClauseCommentForm()
    if not form.validate_on_submit():
        abort(400)
    parent = None
    raw = form.parent_id.data or ""
    if raw:
        if not (raw.isascii() and raw.isdigit()):
            abort(400)
        parent = comments.get_comment(g.community, int(raw)) if int(raw) < 2**31 else None
        if parent is None or parent.subject_type != subject.__tablename__ or parent.subject_id != subject.id:
            abort(404)
    new = comments.add_comment(current_user, g.community, subject, form.body.data, parent)
    db.session.commit()
    flash(_("Your comment is published."), "success")
    return redirect(back + f"#comment-{new.id}", code=303)


@bp.post("/v/<id:version_id>/clauses/<id:clause_id>/comments")
def clause_comment(version_id, clause_id):
    v = load_version(version_id)
    c = load_clause(v, clause_id)
    return _post_comment(v, c, url_for("rules.clause", version_id=v.id, clause_id=c.id))


@bp.get("/v/<id:version_id>/amendments/<id:amendment_id>")
def amendment(version_id, amendment_id):
    v = load_version(version_id)
    a = load_amendment(v, amendment_id)
    ctx, today = g.ctx, services.local_today()
    target = queries.clauses_by_key(v).get(a.target_key or a.after_key or "")
    can_comment = perm.can_comment(ctx, v, today)
    return render_template(
        "rules/amendment.html", v=v, doc=db.session.get(RuleDocument, v.document_id), a=a, target=target,
        text_ops=diff_text(target.text if target and a.kind == "change" else "", a.proposed_text),
        merged_ops=diff_text(a.proposed_text, a.merged_text) if a.decision == "merged" else None,
        supported=phases.has_supported(ctx.user, a) if ctx.verified else False,
        assisted_supports=queries.assisted_support_count(a),
        assisted_form=ResidentForm(formdata=None) if perm.can_record_support_with(ctx, v, a, today) else None,
        thread=comments.thread(g.community, a), comment_form=ClauseCommentForm() if can_comment else None,
        can=dict(support=perm.can_support(ctx, v, a, today), comment=can_comment, flag=ctx.signed_in,
                 moderate=perm.can_see_hidden(ctx), see_hidden=perm.can_see_hidden(ctx)))


@bp.post("/v/<id:version_id>/amendments/<id:amendment_id>/support")
def support(version_id, amendment_id):
    v = load_version(version_id)
    a = load_amendment(v, amendment_id)
    today = services.local_today()
    require(perm.can_support(g.ctx, v, a, today))
    added = phases.support_amendment(current_user, g.community, v, a, today)
    db.session.commit()
    flash(_("Thank you: your support is counted.") if added else _("You already support this amendment."),
          "success")
    return redirect(url_for("rules.amendment", version_id=v.id, amendment_id=a.id), code=303)


@bp.post("/v/<id:version_id>/amendments/<id:amendment_id>/comments")
def amendment_comment(version_id, amendment_id):
    v = load_version(version_id)
    a = load_amendment(v, amendment_id)
    return _post_comment(v, a, url_for("rules.amendment", version_id=v.id, amendment_id=a.id))


def _register():
    from ..moderation import registry

    def clause_url(clause_id):
        c = db.session.get(RuleClause, clause_id)
        return url_for("rules.clause", slug=g.community.slug, version_id=c.version_id, clause_id=clause_id)

    def amendment_url(a):
        return url_for("rules.amendment", slug=g.community.slug, version_id=a.version_id, amendment_id=a.id)

    registry.register("rule_clause", RuleClause, url=lambda c: clause_url(c.id), excerpt=lambda c: c.text[:200],
                      url_for_id=clause_url)
    registry.register("rule_amendment", Amendment, url=amendment_url,
                      excerpt=lambda a: (a.proposed_text or a.rationale)[:200],
                      url_for_id=lambda i: amendment_url(db.session.get(Amendment, i)))


_register()

from . import committee_views  # noqa: E402,F401  (committee routes on this blueprint)
from . import readaloud  # noqa: E402,F401  (registers the clauses that can be read aloud)
from . import assisted_views  # noqa: E402,F401  (the committee's assisted support, on this blueprint)
