"""Thin proposal views: parse, check permission, call a service, commit, render."""
from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..assisted import permissions as assisted_perm
from ..assisted import services as assisted
from ..assisted.forms import ResidentForm
from ..cache import cached
from ..comments import services as comments
from ..communities.scoping import community_blueprint
from ..web.display import select_locale
from ..web.errors import PortalError
from ..extensions import db
from ..web.permissions import require
from ..web.steps import Steps
from ..uploads import services as uploads
from . import permissions as perm
from . import listing, queries, readers, services
from .forms import MAX_PHOTOS, AnswerForm, CommentForm, ProgressForm, ProposalForm, SearchForm
from .models import PUBLIC_STATES

bp = community_blueprint("proposals", __name__, "/proposals")
UPLOAD_ENDPOINTS = {"proposals.new", "proposals.edit"}


@bp.url_value_preprocessor
def _allow_uploads(endpoint, values):
    # Runs before the CSRF check parses the body, so forms with photos may be larger.
    if endpoint in UPLOAD_ENDPOINTS:
        request.max_content_length = current_app.config["UPLOAD_REQUEST_MAX"]


def _load(proposal_id: int):
    p = queries.load_detail(g.community, proposal_id)
    if p is None or not perm.can_view(g.ctx, p):
        abort(404)
    return p


def _category_choices():
    loc = select_locale()
    return [(c.id, c.label(loc)) for c in services.categories(g.community)]


def _to_detail(p, anchor="", **args):
    return redirect(url_for("proposals.detail", proposal_id=p.id, **args) + anchor, code=303)


def _int_arg(name: str, default: int | None) -> int | None:
    raw = request.args.get(name, "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else default


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
    form.category.choices = _category_choices()
    steps = Steps(form, FORM_STEPS)
    if steps.ready():
        publish = request.form.get("action") == "publish"
        try:
            p = services.create_proposal(current_user, g.community, form.title.data, form.body.data,
                                         form.category.data, publish=False)
            _save_files(form, p)
            if publish:
                services.publish_proposal(current_user, g.community, p)
            db.session.commit()
        except PortalError as exc:
            db.session.rollback()
            form.body.errors.append(exc.message)
            return render_template("proposals/form.html", form=form, proposal=None, steps=steps), 400
        flash(_("Your proposal is published. Neighbours can now support it.") if publish
              else _("Your draft is saved. Only you can see it until you publish it."), "success")
        return _to_detail(p)
    return render_template("proposals/form.html", form=form, proposal=None, steps=steps), steps.status()


# Easy reading mode asks one question per screen; the files come last (see portal/web/steps.py).
FORM_STEPS = [["title"], ["body"], ["category"], ["photos", "voice"]]



def _save_files(form, p):
    photos = [f for f in (form.photos.data or []) if f and f.filename]
    if len(photos) > MAX_PHOTOS:
        raise PortalError(_("At most %(num)d photos.", num=MAX_PHOTOS))
    existing = uploads.attachments_for(g.community, "proposal", [p.id]).get(p.id, [])
    if len([a for a in existing if a.kind == "image"]) + len(photos) > MAX_PHOTOS:
        raise PortalError(_("At most %(num)d photos.", num=MAX_PHOTOS))
    voice = form.voice.data if form.voice.data and getattr(form.voice.data, "filename", "") else None
    if voice is not None and any(a.kind == "audio" for a in existing):
        raise PortalError(_("This proposal already has a voice recording."))  # one recording, like the form says
    for f in photos:
        uploads.save_image(g.community, current_user, f, "proposal", p.id)
    if voice is not None:
        uploads.save_audio(g.community, current_user, voice, "proposal", p.id)


@bp.get("/<id:proposal_id>")
@cached(readers=readers.DETAIL)
def detail(proposal_id):
    p = _load(proposal_id)
    ctx = g.ctx
    files = uploads.attachments_for(g.community, "proposal", [p.id]).get(p.id, [])
    return render_template(
        "proposals/detail.html", p=p, answer=queries.answer_for(p), progress=queries.progress_for(p),
        thread=comments.thread_page(g.community, p, _int_arg("cpage", 1)), reply_to=_int_arg("reply_to", None),
        files=files,
        supported=services.has_supported(ctx.user, p) if ctx.verified else False,
        threshold=services.threshold_for(g.community),
        # Forms only for those who get them: a form makes a CSRF token, and so a session cookie.
        comment_form=CommentForm() if perm.can_comment(ctx, p) else None,
        can=dict(edit=perm.can_edit(ctx, p), withdraw=perm.can_withdraw(ctx, p), support=perm.can_support(ctx, p),
                 unsupport=perm.can_unsupport(ctx, p), answer=perm.can_answer(ctx, p),
                 progress=perm.can_report_progress(ctx, p), comment=perm.can_comment(ctx, p),
                 see_hidden=perm.can_see_hidden_text(ctx, p), moderate=ctx.has_role("committee"),
                 flag=ctx.signed_in),
        progress_form=ProgressForm() if perm.can_report_progress(ctx, p) else None,
        assisted_mark=assisted.recorded(g.community, p, "proposal.created") if p.origin == "assisted" else None,
        assisted_supports=queries.assisted_support_count(p),
        assisted_form=ResidentForm(formdata=None) if assisted_perm.can_record(ctx) and perm.can_support_state(p)
        else None,
    )


@bp.route("/<id:proposal_id>/edit", methods=["GET", "POST"])
def edit(proposal_id):
    p = _load(proposal_id)
    require(perm.can_edit(g.ctx, p))
    form = ProposalForm(obj=None if request.method == "POST" else p)
    form.category.choices = _category_choices()
    if request.method == "GET":
        form.category.data = p.category_id
    steps = Steps(form, FORM_STEPS)
    if steps.ready():
        try:
            services.edit_draft(current_user, g.community, p, form.title.data, form.body.data, form.category.data)
            _save_files(form, p)
            if request.form.get("action") == "publish":
                services.publish_proposal(current_user, g.community, p)
            db.session.commit()
        except PortalError as exc:
            db.session.rollback()
            form.body.errors.append(exc.message)
            return render_template("proposals/form.html", form=form, proposal=p, steps=steps), 400
        flash(_("Saved."), "success")
        return _to_detail(p)
    return render_template("proposals/form.html", form=form, proposal=p, steps=steps), steps.status()


@bp.post("/<id:proposal_id>/publish")
def publish(proposal_id):
    p = _load(proposal_id)
    require(perm.can_publish(g.ctx, p))
    services.publish_proposal(current_user, g.community, p)
    db.session.commit()
    flash(_("Your proposal is published. Neighbours can now support it."), "success")
    return _to_detail(p)


@bp.route("/<id:proposal_id>/withdraw", methods=["GET", "POST"])
def withdraw(proposal_id):
    p = _load(proposal_id)
    require(perm.can_withdraw(g.ctx, p))
    if request.method == "GET":
        return render_template("proposals/withdraw.html", p=p)
    services.withdraw(current_user, g.community, p)
    db.session.commit()
    flash(_("Your proposal has been withdrawn."), "success")
    return _to_detail(p)


@bp.post("/<id:proposal_id>/support")
def support(proposal_id):
    p = _load(proposal_id)
    require(perm.can_support(g.ctx, p))
    added = services.support(current_user, g.community, p)
    db.session.commit()
    flash(_("Thank you: your support is counted.") if added else _("You already support this proposal."),
          "success")
    return _to_detail(p)


@bp.post("/<id:proposal_id>/unsupport")
def unsupport(proposal_id):
    p = _load(proposal_id)
    require(perm.can_unsupport(g.ctx, p))
    removed = services.unsupport(current_user, g.community, p)
    db.session.commit()
    if removed:
        flash(_("Your support has been withdrawn."), "success")
    else:
        flash(_("You were not supporting this proposal."), "info")
    return _to_detail(p)


@bp.route("/<id:proposal_id>/answer", methods=["GET", "POST"])
def answer(proposal_id):
    p = _load(proposal_id)
    require(perm.can_answer(g.ctx, p))
    form = AnswerForm()
    if form.validate_on_submit():
        services.answer(current_user, g.community, p, form.decision.data, form.body.data)
        db.session.commit()
        flash(_("The official answer is published."), "success")
        return _to_detail(p)
    return render_template("proposals/answer.html", p=p, form=form), (400 if request.method == "POST" else 200)


@bp.post("/<id:proposal_id>/progress")
def progress(proposal_id):
    p = _load(proposal_id)
    require(perm.can_report_progress(g.ctx, p))
    form = ProgressForm()
    if not form.validate_on_submit():
        abort(400)
    services.add_progress(current_user, g.community, p, form.body.data, bool(form.implemented.data))
    db.session.commit()
    flash(_("The progress report is published."), "success")
    return _to_detail(p, "#progress")


@bp.post("/<id:proposal_id>/comments")
def comment(proposal_id):
    p = _load(proposal_id)
    require(perm.can_comment(g.ctx, p))
    form = CommentForm()
    if not form.validate_on_submit():
        abort(400)
    parent = None
    raw_parent = form.parent_id.data or ""
    if raw_parent:
        if not (raw_parent.isascii() and raw_parent.isdigit()):  # not "１" or "-1"
            abort(400)
        parent_id = int(raw_parent)
        # Beyond the id column's range is no comment (and PostgreSQL would refuse to compare it).
        parent = comments.get_comment(g.community, parent_id) if parent_id < 2**31 else None
        if parent is None or parent.subject_type != p.__tablename__ or parent.subject_id != p.id:
            abort(404)  # no such comment on this page
    c = comments.add_comment(current_user, g.community, p, form.body.data, parent)
    db.session.commit()
    flash(_("Your comment is published."), "success")
    page = comments.page_of(c)
    return _to_detail(p, f"#comment-{c.id}", **({"cpage": page} if page > 1 else {}))


@bp.get("/oversight")
@cached()
def oversight():
    return render_template("proposals/oversight.html", overdue=queries.overdue(g.community),
                           figures=queries.figures(g.community))


def _register_moderation():
    from ..moderation import registry
    from .models import Proposal

    registry.register("proposal", Proposal, url=lambda p: url_for("proposals.detail", proposal_id=p.id),
                      excerpt=lambda p: p.title,
                      url_for_id=lambda i: url_for("proposals.detail", proposal_id=i))


_register_moderation()


def _files_visible(ctx, community, proposal_id):
    p = queries.load_detail(community, proposal_id)
    if p is None or not perm.can_view(ctx, p):
        return False
    return not p.is_hidden or perm.can_see_hidden_text(ctx, p)


def _register_files():
    from ..uploads.views import register_owner

    register_owner("proposal", _files_visible)


_register_files()
