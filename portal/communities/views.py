"""Community pages: home, join, member management."""
from __future__ import annotations

import re

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from ..cache import cached
from ..auth.services import find_user
from ..web.errors import PortalError
from ..extensions import db
from ..web.permissions import require
from . import permissions as perm
from . import readers
from . import services
from .forms import AddResidentForm, EmptyForm, JoinForm, RejectForm, RoleForm
from .models import Membership
from .scoping import community_blueprint, get_or_404

bp = community_blueprint("communities", __name__)


def _back():
    return redirect(url_for("communities.members"), code=303)


@bp.get("/")
@cached(readers=readers.HOME)
def home():
    ctx = g.ctx
    can_join = perm.can_request_join(ctx)
    return render_template("communities/home.html", community=g.community, ctx=ctx,
                           join_form=JoinForm() if can_join else None, can_join=can_join,
                           member_count=_member_count())


def _member_count() -> int:
    return db.session.execute(
        select(func.count()).select_from(Membership)
        .where(Membership.community_id == g.community.id, Membership.status == "verified")
    ).scalar_one()


@bp.post("/join")
def join():
    require(perm.can_request_join(g.ctx))
    form = JoinForm()
    if not form.validate_on_submit():
        return render_template("communities/home.html", community=g.community, ctx=g.ctx, join_form=form,
                               can_join=True, member_count=_member_count()), 400
    services.request_join(current_user, g.community, form.message.data or "")
    db.session.commit()
    flash(_("Your request has been sent. The committee will check it; you will see the answer here."), "success")
    return redirect(url_for("communities.home"), code=303)


PENDING_SHOWN = 10


@bp.get("/members")
def members():
    require(perm.can_manage_members(g.ctx))
    return _render_members()


def _render_members(status=200, add_form=None, reject_forms=None):
    page = _page_arg()
    size = 20
    # The oldest waiting requests first, a few at a time: the page stays small on a phone.
    pending_q = select(Membership).where(Membership.community_id == g.community.id, Membership.status == "pending")
    pending = db.session.execute(
        pending_q.order_by(Membership.requested_at, Membership.id).limit(PENDING_SHOWN)
    ).scalars().all()
    pending_total = db.session.execute(select(func.count()).select_from(pending_q.subquery())).scalar_one()
    verified_q = (select(Membership).where(Membership.community_id == g.community.id,
                                           Membership.status == "verified"))
    total = db.session.execute(select(func.count()).select_from(verified_q.subquery())).scalar_one()
    pages = max(1, (total + size - 1) // size)
    if page > pages:
        abort(404)
    verified = db.session.execute(
        verified_q.order_by(Membership.id).offset((page - 1) * size).limit(size)
    ).scalars().all()
    return render_template(
        "communities/members.html", community=g.community, pending=pending, verified=verified,
        pending_total=pending_total,
        page=page, pages=pages, total=total,
        add_form=add_form or AddResidentForm(), reject_forms=reject_forms or {}, role_form=RoleForm(),
        empty_form=EmptyForm(),
    ), status


def _page_arg() -> int:
    """?page=: missing or empty is page 1; anything but plain digits is a bad request
    (not silently page 1); a page number out of range is a page that does not exist."""
    raw = request.args.get("page", "")
    if raw == "":
        return 1
    if not re.fullmatch(r"[0-9]+", raw):
        abort(400)
    page = int(raw) if len(raw) <= 9 else 0
    if page < 1:
        abort(404)
    return page


@bp.post("/members/<id:member_id>/approve")
def approve(member_id):
    target = get_or_404(Membership, g.community, member_id)
    require(perm.can_decide_membership(g.ctx, target))
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.approve_member(current_user, g.community, target)
    db.session.commit()
    flash(_("%(name)s is now a verified resident.", name=target.user.display_name), "success")
    return _back()


@bp.post("/members/<id:member_id>/reject")
def reject(member_id):
    target = get_or_404(Membership, g.community, member_id)
    require(perm.can_decide_membership(g.ctx, target))
    form = RejectForm()
    if not form.validate_on_submit():
        return _render_members(400, reject_forms={target.id: form})
    services.reject_member(current_user, g.community, target, form.reason.data)
    db.session.commit()
    flash(_("The request of %(name)s has been rejected.", name=target.user.display_name), "success")
    return _back()


@bp.post("/members/add")
def add():
    require(perm.can_manage_members(g.ctx))
    form = AddResidentForm()
    if form.validate_on_submit():
        user = find_user(form.username.data)
        if user is None:
            form.username.errors.append(_("Nobody is registered with this user name or mobile number."))
        else:
            try:
                services.add_resident(current_user, g.community, user)
                db.session.commit()
                flash(_("%(name)s is now a verified resident.", name=user.display_name), "success")
                return _back()
            except PortalError as exc:
                db.session.rollback()
                form.username.errors.append(exc.message)
    return _render_members(400, add_form=form)


@bp.post("/members/<id:member_id>/roles/grant")
def grant(member_id):
    target = get_or_404(Membership, g.community, member_id)
    require(perm.can_change_roles(g.ctx, target))
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400)
    services.grant_role(current_user, g.community, target, form.role.data)
    db.session.commit()
    flash(_("The role has been given to %(name)s.", name=target.user.display_name), "success")
    return _back()


@bp.post("/members/<id:member_id>/roles/revoke")
def revoke(member_id):
    target = get_or_404(Membership, g.community, member_id)
    require(perm.can_change_roles(g.ctx, target))
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400)
    services.revoke_role(current_user, g.community, target, form.role.data)
    db.session.commit()
    flash(_("The role has been taken from %(name)s.", name=target.user.display_name), "success")
    return _back()
