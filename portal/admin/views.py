"""Platform admin pages: create communities, appoint first committee members."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..auth.services import find_user
from ..communities import services
from ..communities.models import Community
from ..communities.permissions import can_administer_platform
from ..web.errors import PortalError
from ..extensions import db
from ..web.permissions import require
from .forms import AppointForm, CommunityForm

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def _only_admins():
    require(can_administer_platform(current_user))


def _render(form=None, appoint_form=None, status=200, appoint_slug=None):
    communities = db.session.execute(select(Community).order_by(Community.name).limit(500)).scalars().all()
    return render_template("admin/index.html", communities=communities, form=form or CommunityForm(),
                           appoint_form=appoint_form or AppointForm(), appoint_slug=appoint_slug), status


@bp.get("/")
def index():
    return _render()


@bp.post("/communities")
def create():
    form = CommunityForm()
    if form.validate_on_submit():
        try:
            community = services.create_community(current_user, form.slug.data, form.name.data,
                                                  form.region.data or "", form.kind.data, form.default_locale.data)
            db.session.commit()
            flash(_("The community %(name)s has been created. Now appoint its first committee member.",
                    name=community.name), "success")
            return redirect(url_for("admin.index"), code=303)
        except PortalError as exc:
            db.session.rollback()
            form.slug.errors.append(exc.message)
    return _render(form=form, status=400)


@bp.post("/communities/<slug:slug>/committee")
def appoint(slug):
    community = db.session.execute(select(Community).where(Community.slug == slug)).scalar_one_or_none()
    if community is None:
        abort(404)
    form = AppointForm()
    if form.validate_on_submit():
        user = find_user(form.username.data)
        if user is None:
            form.username.errors.append(_("Nobody is registered with this user name or mobile number."))
        else:
            try:
                services.appoint_committee(current_user, community, user)
                db.session.commit()
                flash(_("%(name)s is now on the committee of %(community)s.", name=user.display_name,
                        community=community.name), "success")
                return redirect(url_for("admin.index"), code=303)
            except PortalError as exc:
                db.session.rollback()
                form.username.errors.append(exc.message)
    return _render(appoint_form=form, status=400, appoint_slug=slug)
