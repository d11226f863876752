"""Platform admin pages: the tree of units (districts, streets, communities, departments), the
first committee member of a community and the first staff of a unit. Thin views on the action
wrapper (portal/web/actions.py)."""
from __future__ import annotations

from flask import render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.services import find_user
from ..communities import services
from ..communities.services import DEFAULT_STREET
from ..levels import queries as levels
from ..levels import services as units
from ..web.actions import Done, act
from ..web.errors import PortalError
from .blueprint import bp, load_community
from .forms import AppointForm, CommunityForm, StaffForm, UnitForm

UNITS_SHOWN = 100  # of each level: the page stays small (one form a unit)


def _index_url() -> str:
    return url_for("admin.index")


def _choices(form, unit_form, tree):
    form.street.choices = [("", _("None (the unnamed street)"))] + \
        [(s.slug, s.name) for s in tree["street"] if s.slug != DEFAULT_STREET]
    unit_form.parent.choices = [("", _("None"))] + [(d.slug, d.name) for d in tree["district"]]


def index_page(form=None, appoint_form=None, appoint_slug=None, unit_form=None, staff_form=None, staff_slug=None):
    """The admin page; after a mistake in one of its forms, with that form as it was sent."""
    tree = levels.tree(UNITS_SHOWN + 1)
    form, unit_form = form or CommunityForm(), unit_form or UnitForm()
    _choices(form, unit_form, tree)
    below: dict = {}
    for level in ("street", "community", "department"):
        for u in tree[level][:UNITS_SHOWN]:
            below.setdefault(u.parent_id, []).append(u)
    more = any(len(rows) > UNITS_SHOWN for rows in tree.values())
    default = next((s for s in tree["street"] if s.slug == DEFAULT_STREET), None)
    return render_template("admin/index.html", districts=tree["district"][:UNITS_SHOWN], below=below, more=more,
                           unplaced=below.get(default.id, []) if default else [],
                           orphans=[s for s in tree["street"] if s.parent_id is None and s.slug != DEFAULT_STREET],
                           form=form, appoint_form=appoint_form or AppointForm(), appoint_slug=appoint_slug,
                           unit_form=unit_form, staff_form=staff_form or StaffForm(), staff_slug=staff_slug)


@bp.get("/")
def index():
    return index_page()


def _street(slug: str | None):
    if not slug:
        return None
    street = levels.unit_by_slug(slug)
    if street is None or street.level != "street" or street.slug == DEFAULT_STREET:
        raise PortalError(_("Choose a street from the list."), field="street")
    return street


@bp.post("/communities")
def create():
    form = CommunityForm()
    _choices(form, UnitForm(), levels.tree(UNITS_SHOWN))

    def run():
        community = services.create_community(current_user, form.slug.data, form.name.data, form.region.data or "",
                                              form.kind.data, form.default_locale.data,
                                              parent=_street(form.street.data))
        return Done(_index_url(), _("The community %(name)s has been created. Now appoint its first "
                                    "committee member.", name=community.name))

    return act(form, run, lambda: index_page(form=form), once=True)


@bp.post("/units")
def create_unit():
    form = UnitForm()
    _choices(CommunityForm(), form, levels.tree(UNITS_SHOWN))

    def run():
        parent = levels.unit_by_slug(form.parent.data) if form.parent.data else None
        unit = units.create_unit(parent, form.level.data, form.slug.data, form.name.data, actor=current_user)
        return Done(_index_url(), _("%(name)s has been made. Now appoint its first staff.", name=unit.name))

    return act(form, run, lambda: index_page(unit_form=form), once=True)


def _user(username: str):
    user = find_user(username)
    if user is None:
        raise PortalError(_("Nobody is registered with this user name or mobile number."), field="username")
    return user


@bp.post("/communities/<slug:slug>/committee")
def appoint(slug):
    community = load_community(slug)
    form = AppointForm()

    def run():
        user = _user(form.username.data)
        services.appoint_committee(community, user, actor=current_user)
        return Done(_index_url(), _("%(name)s is now on the committee of %(community)s.",
                                    name=user.display_name, community=community.name))

    return act(form, run, lambda: index_page(appoint_form=form, appoint_slug=slug))


@bp.post("/units/<slug:slug>/staff")
def appoint_staff(slug):
    unit = load_community(slug)
    form = StaffForm()

    def run():
        user = _user(form.username.data)
        units.appoint_staff(unit, user, actor=current_user)
        return Done(_index_url(), _("%(name)s is now staff of %(unit)s.", name=user.display_name, unit=unit.name))

    return act(form, run, lambda: index_page(staff_form=form, staff_slug=slug))
