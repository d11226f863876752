"""Thin proposal views: load, check the permission, and hand the form to the action wrapper
(portal/web/actions.py), which owns the transaction."""
from __future__ import annotations

from flask import abort, g, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from ..assisted import permissions as assisted_perm
from ..cache import cached
from ..comments import services as comments
from ..web.actions import Done, act
from ..web.display import select_locale
from ..web.errors import PortalError
from ..web.forms import ButtonForm
from ..web.permissions import require, require_or_sent
from ..web.steps import Steps
from ..uploads import services as uploads
from . import permissions as perm
from . import listing, queries, readers, services
from .blueprint import bp, category_choices, detail_url, load
from .pages import detail_page
from .forms import MAX_PHOTOS, AnswerForm, CommentForm, ProgressForm, ProposalForm, SearchForm
from .models import PUBLIC_STATES


@bp.get("/")
@cached(readers=readers.LIST)
def index():
    form = SearchForm(request.args)
    cats = services.categories(g.community)
    loc = select_locale()
    form.state.choices = [("", _("All"))] + [("open", _("Open"))] + [(s, s) for s in PUBLIC_STATES]
    form.category.choices = [("", _("All"))] + [(str(c.id), c.label(loc)) for c in cats]
    if not form.validate():
        abort(400)
    after = request.args.get("after", "")
    if after and queries.parse_cursor(after, form.sort.data or "newest") is None:
        abort(400)  # not a cursor our "more" link wrote: garbage, negative, out of range
    cat_id = int(form.category.data) if form.category.data else None
    lq = queries.ListQuery(state=form.state.data or "", category_id=cat_id, sort=form.sort.data or "newest",
                           q=(form.q.data or "").strip(), after=after)
    rows, next_cursor = listing.page_rows(g.community, lq, perm.can_see_hidden_text(g.ctx, None), loc)
    drafts = queries.drafts_of(g.community, current_user) if g.ctx.verified else []
    return render_template("proposals/index.html", rows=rows, next_cursor=next_cursor, form=form, lq=lq, drafts=drafts,
                           can_create=perm.can_create(g.ctx), can_assist=assisted_perm.can_record(g.ctx),
                           threshold=services.threshold_for(g.community))


@bp.route("/new", methods=["GET", "POST"])
def new():
    require(perm.can_create(g.ctx))
    form = ProposalForm()
    form.category.choices = category_choices()
    steps = Steps(form, FORM_STEPS)

    def run():
        publish = request.form.get("action") == "publish"
        p = services.create_proposal(g.community, form.title.data, form.body.data,
                                     form.category.data, publish=False, actor=current_user)
        _save_files(form, p)
        if publish:
            services.publish_proposal(g.community, p, actor=current_user)
        return Done(detail_url(p), _("Your proposal is published. Neighbours can now support it.") if publish
                    else _("Your draft is saved. Only you can see it until you publish it."))

    return act(form, run, lambda: render_template("proposals/form.html", form=form, proposal=None, steps=steps),
               steps=steps, once=True)


# Easy reading mode asks one question per screen; the files come last (see portal/web/steps.py).
FORM_STEPS = [["title"], ["body"], ["category"], ["photos", "voice"]]



def _save_files(form, p):
    photos = [f for f in (form.photos.data or []) if f and f.filename]
    if len(photos) > MAX_PHOTOS:
        raise PortalError(_("At most %(num)d photos.", num=MAX_PHOTOS), field="photos")
    existing = uploads.attachments_for(g.community, "proposal", [p.id]).get(p.id, [])
    if len([a for a in existing if a.kind == "image"]) + len(photos) > MAX_PHOTOS:
        raise PortalError(_("At most %(num)d photos.", num=MAX_PHOTOS), field="photos")
    voice = form.voice.data if form.voice.data and getattr(form.voice.data, "filename", "") else None
    if voice is not None and any(a.kind == "audio" for a in existing):
        raise PortalError(_("This proposal already has a voice recording."), field="voice")  # one, as the form says
    for f in photos:
        uploads.save_image(g.community, f, "proposal", p.id, field="photos", actor=current_user)
    if voice is not None:
        uploads.save_audio(g.community, voice, "proposal", p.id, field="voice", actor=current_user)


@bp.get("/<id:proposal_id>")
@cached(readers=readers.DETAIL)
def detail(proposal_id):
    return detail_page(load(proposal_id))


@bp.route("/<id:proposal_id>/edit", methods=["GET", "POST"])
def edit(proposal_id):
    p = load(proposal_id)
    require(perm.can_edit(g.ctx, p))
    form = ProposalForm(obj=None if request.method == "POST" else p)
    form.category.choices = category_choices()
    if request.method == "GET":
        form.category.data = p.category_id
    steps = Steps(form, FORM_STEPS)

    def run():
        services.edit_draft(g.community, p, form.title.data, form.body.data, form.category.data, actor=current_user)
        _save_files(form, p)
        if request.form.get("action") == "publish":
            services.publish_proposal(g.community, p, actor=current_user)
        return Done(detail_url(p), _("Saved."))

    return act(form, run, lambda: render_template("proposals/form.html", form=form, proposal=p, steps=steps),
               steps=steps)


@bp.post("/<id:proposal_id>/publish")
def publish(proposal_id):
    p = load(proposal_id)
    require(perm.can_publish(g.ctx, p))
    return act(ButtonForm(), lambda: Done(detail_url(p), _("Your proposal is published. Neighbours can now support it."),
                                          result=services.publish_proposal(g.community, p, actor=current_user)),
               lambda: detail_page(p))


@bp.route("/<id:proposal_id>/withdraw", methods=["GET", "POST"])
def withdraw(proposal_id):
    p = load(proposal_id)
    require(perm.can_withdraw(g.ctx, p))
    return act(ButtonForm(), lambda: Done(detail_url(p), _("Your proposal has been withdrawn."),
                                          result=services.withdraw(g.community, p, actor=current_user)),
               lambda: render_template("proposals/withdraw.html", p=p))


@bp.post("/<id:proposal_id>/support")
def support(proposal_id):
    p = load(proposal_id)
    require(perm.can_support(g.ctx, p))

    def run():
        added = services.support(g.community, p, actor=current_user)
        return Done(detail_url(p), _("Thank you: your support is counted.") if added
                    else _("You already support this proposal."))

    return act(ButtonForm(), run, lambda: detail_page(p))


@bp.post("/<id:proposal_id>/unsupport")
def unsupport(proposal_id):
    p = load(proposal_id)
    require(perm.can_unsupport(g.ctx, p))

    def run():
        if services.unsupport(g.community, p, actor=current_user):
            return Done(detail_url(p), _("Your support has been withdrawn."))
        return Done(detail_url(p), _("You were not supporting this proposal."), "info")

    return act(ButtonForm(), run, lambda: detail_page(p))


@bp.route("/<id:proposal_id>/answer", methods=["GET", "POST"])
def answer(proposal_id):
    p = load(proposal_id)
    require(perm.can_answer(g.ctx, p))
    form = AnswerForm()
    return act(form, lambda: Done(detail_url(p), _("The official answer is published."),
                                  result=services.answer(g.community, p, form.decision.data,
                                                         form.body.data, actor=current_user)),
               lambda: render_template("proposals/answer.html", p=p, form=form))


@bp.post("/<id:proposal_id>/progress")
def progress(proposal_id):
    p = load(proposal_id)
    require_or_sent(perm.can_report_progress(g.ctx, p))  # the final report ends what allowed it
    form = ProgressForm()
    return act(form, lambda: Done(detail_url(p, "#progress"), _("The progress report is published."),
                                  result=services.add_progress(g.community, p, form.body.data,
                                                               bool(form.implemented.data), actor=current_user)),
               lambda: detail_page(p, progress_form=form), once=True)


@bp.post("/<id:proposal_id>/comments")
def comment(proposal_id):
    p = load(proposal_id)
    require(perm.can_comment(g.ctx, p))
    form = CommentForm(prefix="reply") if "reply-body" in request.form else CommentForm()
    parent = None
    raw_parent = form.parent_id.data or ""
    if raw_parent:
        if not (raw_parent.isascii() and raw_parent.isdigit()) or len(raw_parent) > 10:  # not "１" or "-1"
            abort(400)
        parent_id = int(raw_parent)
        # Beyond the id column's range is no comment (and PostgreSQL would refuse to compare it).
        parent = comments.get_comment(g.community, parent_id) if parent_id < 2**31 else None
        if parent is None or parent.subject_type != p.__tablename__ or parent.subject_id != p.id:
            abort(404)  # no such comment on this page

    def run():
        c = comments.add_comment(g.community, p, form.body.data, parent, actor=current_user)
        page = comments.page_of(c)
        return Done(detail_url(p, f"#comment-{c.id}", **({"cpage": page} if page > 1 else {})),
                    _("Your comment is published."))

    return act(form, run, lambda: detail_page(p, comment_form=form), once=True)


@bp.get("/oversight")
@cached()
def oversight():
    return render_template("proposals/oversight.html", overdue=queries.overdue(g.community),
                           figures=queries.figures(g.community))
