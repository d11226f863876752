"""Community pages: home, join, member management. Thin views: load, check the permission and
hand the form to the action wrapper (portal/web/actions.py), which owns the transaction."""
from __future__ import annotations

import re

from flask import abort, g, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.services import find_user
from ..cache import cached
from ..web.actions import Done, act
from ..web.errors import PortalError
from ..web.permissions import require
from . import permissions as perm
from . import queries, readers, services
from .blueprint import bp, load_member
from .forms import AddResidentForm, EmptyForm, JoinForm, RejectForm, RoleForm

PENDING_SHOWN = 10
MEMBERS_PER_PAGE = 12  # rows of three forms each: the page, stylesheet included, stays within 60 KB


def members_url() -> str:
    return url_for("communities.members")


def home_page(join_form=None):
    ctx = g.ctx
    can_join = perm.can_request_join(ctx)
    return render_template("communities/home.html", community=g.community, ctx=ctx,
                           join_form=join_form or (JoinForm() if can_join else None), can_join=can_join,
                           member_count=queries.member_count(g.community))


@bp.get("/")
@cached(readers=readers.HOME)
def home():
    return home_page()


@bp.post("/join")
def join():
    require(perm.can_request_join(g.ctx))
    form = JoinForm()
    return act(form, lambda: Done(url_for("communities.home"),
                                  _("Your request has been sent. The committee will check it; you will see the "
                                    "answer here."),
                                  result=services.request_join(g.community, form.message.data or "", actor=current_user)),
               lambda: home_page(join_form=form))


@bp.get("/members")
def members():
    require(perm.can_manage_members(g.ctx))
    return members_page()


def members_page(add_form=None, reject_forms=None, role_form=None):
    """The members page; after a mistake in one of its forms, with that form as it was sent."""
    page = _page_arg()
    # The oldest waiting requests first, a few at a time: the page stays small on a phone.
    pending, pending_total = queries.pending_requests(g.community, PENDING_SHOWN)
    total = queries.member_count(g.community)
    pages = max(1, (total + MEMBERS_PER_PAGE - 1) // MEMBERS_PER_PAGE)
    if page > pages:
        abort(404)
    verified = queries.verified_members(g.community, (page - 1) * MEMBERS_PER_PAGE, MEMBERS_PER_PAGE)
    return render_template(
        "communities/members.html", community=g.community, pending=pending, verified=verified,
        pending_total=pending_total, page=page, pages=pages, total=total,
        add_form=add_form or AddResidentForm(), reject_forms=reject_forms or {}, role_form=role_form or RoleForm(),
        empty_form=EmptyForm(),
    )


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
    target = load_member(member_id)
    require(perm.can_decide_membership(g.ctx, target))
    return act(EmptyForm(), lambda: Done(members_url(), _("%(name)s is now a verified resident.",
                                                          name=target.user.display_name),
                                         result=services.approve_member(g.community, target, actor=current_user)),
               members_page)


@bp.post("/members/<id:member_id>/reject")
def reject(member_id):
    target = load_member(member_id)
    require(perm.can_decide_membership(g.ctx, target))
    form = RejectForm()
    return act(form, lambda: Done(members_url(), _("The request of %(name)s has been rejected.",
                                                   name=target.user.display_name),
                                  result=services.reject_member(g.community, target, form.reason.data, actor=current_user)),
               lambda: members_page(reject_forms={target.id: form}))


@bp.post("/members/add")
def add():
    require(perm.can_manage_members(g.ctx))
    form = AddResidentForm()

    def run():
        user = find_user(form.username.data)
        if user is None:
            raise PortalError(_("Nobody is registered with this user name or mobile number."), field="username")
        services.add_resident(g.community, user, actor=current_user)
        return Done(members_url(), _("%(name)s is now a verified resident.", name=user.display_name))

    return act(form, run, lambda: members_page(add_form=form))


@bp.post("/members/<id:member_id>/roles/grant")
def grant(member_id):
    target = load_member(member_id)
    require(perm.can_change_roles(g.ctx, target))
    form = RoleForm()
    return act(form, lambda: Done(members_url(), _("The role has been given to %(name)s.",
                                                   name=target.user.display_name),
                                  result=services.grant_role(g.community, target, form.role.data, actor=current_user)),
               lambda: members_page(role_form=form))


@bp.post("/members/<id:member_id>/roles/revoke")
def revoke(member_id):
    target = load_member(member_id)
    require(perm.can_change_roles(g.ctx, target))
    form = RoleForm()
    return act(form, lambda: Done(members_url(), _("The role has been taken from %(name)s.",
                                                   name=target.user.display_name),
                                  result=services.revoke_role(g.community, target, form.role.data, actor=current_user)),
               lambda: members_page(role_form=form))
