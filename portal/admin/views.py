"""Platform admin pages: create communities, appoint first committee members. Thin views on the
action wrapper (portal/web/actions.py)."""
from __future__ import annotations

from flask import render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.services import find_user
from ..communities import queries, services
from ..web.actions import Done, act
from ..web.errors import PortalError
from .blueprint import bp, load_community
from .forms import AppointForm, CommunityForm

COMMUNITIES_SHOWN = 500


def index_page(form=None, appoint_form=None, appoint_slug=None):
    """The admin page; after a mistake in one of its forms, with that form as it was sent."""
    return render_template("admin/index.html", communities=queries.all_communities(COMMUNITIES_SHOWN),
                           form=form or CommunityForm(), appoint_form=appoint_form or AppointForm(),
                           appoint_slug=appoint_slug)


@bp.get("/")
def index():
    return index_page()


@bp.post("/communities")
def create():
    form = CommunityForm()

    def run():
        community = services.create_community(current_user, form.slug.data, form.name.data, form.region.data or "",
                                              form.kind.data, form.default_locale.data)
        return Done(url_for("admin.index"), _("The community %(name)s has been created. Now appoint its first "
                                              "committee member.", name=community.name))

    return act(form, run, lambda: index_page(form=form), once=True)


@bp.post("/communities/<slug:slug>/committee")
def appoint(slug):
    community = load_community(slug)
    form = AppointForm()

    def run():
        user = find_user(form.username.data)
        if user is None:
            raise PortalError(_("Nobody is registered with this user name or mobile number."), field="username")
        services.appoint_committee(community, user, actor=current_user)
        return Done(url_for("admin.index"), _("%(name)s is now on the committee of %(community)s.",
                                              name=user.display_name, community=community.name))

    return act(form, run, lambda: index_page(appoint_form=form, appoint_slug=slug))
