"""The pages of a unit above the communities, /u/<slug>/ (docs/architecture.md, "Levels"): its
home, and for its staff (or the platform admin) the forms that make departments and communities
under it, appoint the staff of the units below it and keep a street's matter categories. Thin
views: load, `require()`, build the form, hand it to the action wrapper."""
from __future__ import annotations

from flask import g, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.services import find_user
from ..communities import services as communities
from ..matters import services as matters
from ..web.actions import Done, act
from ..web.errors import PortalError
from ..web.permissions import require
from . import permissions as perm
from . import queries, services
from .blueprint import bp, load_category, load_child, street_categories
from .forms import CategoryEditForm, CategoryForm, CommunityUnderStreetForm, StaffForm, UnitForm

CHILDREN_SHOWN = 200
LEVEL_ORDER = ("street", "community", "department")


def _home_url() -> str:
    return url_for("units.home")


def _user(username: str, field: str):
    user = find_user(username)
    if user is None:
        raise PortalError(_("Nobody is registered with this user name or mobile number."), field=field)
    return user


@bp.get("/")
def home():
    unit = g.community
    children = queries.children(unit, limit=CHILDREN_SHOWN + 1)
    parent = queries.unit(unit.parent_id)
    return render_template(
        "levels/unit.html", unit=unit, ctx=g.ctx, parent=parent, more=len(children) > CHILDREN_SHOWN,
        groups=[(level, [c for c in children[:CHILDREN_SHOWN] if c.level == level]) for level in LEVEL_ORDER],
        can_manage=perm.can_manage_unit(g.ctx), can_department=perm.can_create_department(g.ctx),
        can_community=perm.can_create_community(g.ctx), can_staff=perm.can_appoint_staff(g.ctx),
        can_categories=perm.can_manage_categories(g.ctx))


@bp.route("/departments", methods=["GET", "POST"])
def new_department():
    require(perm.can_create_department(g.ctx))
    form = UnitForm()

    def run():
        dept = services.create_unit(g.community, "department", form.slug.data, form.name.data, actor=current_user,
                                    actor_role=perm.actor_role(g.ctx))
        return Done(_home_url(), _("The department %(name)s has been made. Now appoint its staff.", name=dept.name))

    return act(form, run, lambda: render_template("levels/new_department.html", unit=g.community, form=form),
               once=True)


@bp.route("/communities", methods=["GET", "POST"])
def new_community():
    require(perm.can_create_community(g.ctx))
    form = CommunityUnderStreetForm()

    def run():
        role = perm.actor_role(g.ctx)
        first = _user(form.committee.data, "committee")
        community = communities.create_community(current_user, form.slug.data, form.name.data,
                                                 form.region.data or "", form.kind.data, form.default_locale.data,
                                                 parent=g.community, actor_role=role)
        member = communities.add_resident(community, first, actor_role=role, actor=current_user)
        communities.grant_role(community, member, "committee", actor_role=role, actor=current_user)
        return Done(_home_url(), _("The community %(name)s has been made, with %(person)s on its committee.",
                                   name=community.name, person=first.display_name))

    return act(form, run, lambda: render_template("levels/new_community.html", unit=g.community, form=form),
               once=True)


def _staff_page(form):
    children = [c for c in queries.children(g.community, limit=CHILDREN_SHOWN)
                if c.level in perm.STAFF_OF_CHILDREN[g.community.level]]
    return render_template("levels/staff.html", unit=g.community, form=form, children=children,
                           staff=queries.staff_of([c.id for c in children]))


@bp.route("/staff", methods=["GET", "POST"])
def staff():
    require(perm.can_appoint_staff(g.ctx))
    form = StaffForm()
    form.unit.choices = [(c.slug, c.name) for c in queries.children(g.community, limit=CHILDREN_SHOWN)
                         if c.level in perm.STAFF_OF_CHILDREN[g.community.level]]

    def run():
        child = load_child(form.unit.data)
        require(perm.can_manage_child(g.ctx, child))
        user = _user(form.username.data, "username")
        services.appoint_staff(child, user, actor=current_user, actor_role=perm.actor_role(g.ctx))
        return Done(url_for("units.staff"), _("%(name)s is now staff of %(unit)s.", name=user.display_name,
                                              unit=child.name))

    return act(form, run, lambda: _staff_page(form), once=True)


@bp.route("/categories", methods=["GET", "POST"])
def categories():
    require(perm.can_manage_categories(g.ctx))
    form = CategoryForm()

    def run():
        matters.categories(g.community)  # the defaults first, so that a new one comes after them
        category = matters.save_category(g.community, form.key.data, form.name.data, form.name_en.data or "",
                                         form.deadline_hours.data, actor=current_user)
        return Done(url_for("units.categories"), _("The category %(name)s has been saved.", name=category.name))

    return act(form, run, lambda: render_template("levels/categories.html", unit=g.community, form=form,
                                                  categories=street_categories()), once=True)


@bp.route("/categories/<key>", methods=["GET", "POST"])
def category(key):
    require(perm.can_manage_categories(g.ctx))
    found = load_category(key)
    form = CategoryEditForm(obj=found)

    def run():
        saved = matters.save_category(g.community, found.key, form.name.data, form.name_en.data or "",
                                      form.deadline_hours.data, actor=current_user, category=found)
        return Done(url_for("units.categories"), _("The category %(name)s has been saved.", name=saved.name))

    return act(form, run, lambda: render_template("levels/category.html", unit=g.community, form=form,
                                                  category=found), once=True)
