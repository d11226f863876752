"""A community's grids (网格), /c/<slug>/grids/: the committee makes grids, assigns grid workers to
them and puts the roster's households in them (docs/architecture.md, "Levels")."""
from __future__ import annotations

from flask import g, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..communities.blueprint import load_member
from ..web.actions import Done, act
from ..web.errors import PortalError
from ..web.permissions import require
from . import permissions as perm
from . import queries, services
from .blueprint import grids_bp as bp
from .blueprint import load_grid
from .forms import GridForm, GridWorkerForm, HouseholdGridForm


def _index_url() -> str:
    return url_for("grids.index")


def _choices(worker_form, household_form):
    grids = queries.grids(g.community)
    worker_form.grid.choices = [(str(x.id), x.name) for x in grids]
    worker_form.member.choices = [(str(m.id), m.user.display_name) for m in queries.grid_worker_members(g.community)]
    household_form.grid.choices = [("", _("In no grid"))] + [(str(x.id), x.name) for x in grids]
    return grids


def _page(grid_form=None, worker_form=None, household_form=None):
    worker_form = worker_form or GridWorkerForm()
    household_form = household_form or HouseholdGridForm()
    grids = _choices(worker_form, household_form)
    return render_template("levels/grids.html", community=g.community, ctx=g.ctx, grids=grids,
                           workers=queries.workers_by_grid(g.community),
                           households=queries.household_counts(g.community),
                           grid_form=grid_form or GridForm(), worker_form=worker_form, household_form=household_form)


@bp.get("/")
def index():
    require(perm.can_manage_grids(g.ctx))
    return _page()


@bp.post("/new")
def create():
    require(perm.can_manage_grids(g.ctx))
    form = GridForm()

    def run():
        grid = services.create_grid(g.community, form.name.data, actor=current_user)
        return Done(_index_url(), _("The grid %(name)s has been made.", name=grid.name))

    return act(form, run, lambda: _page(grid_form=form), once=True)


@bp.post("/workers")
def assign():
    require(perm.can_manage_grids(g.ctx))
    form, households = GridWorkerForm(), HouseholdGridForm()
    _choices(form, households)

    def run():
        grid, member = load_grid(int(form.grid.data)), load_member(int(form.member.data))
        services.assign_grid_worker(g.community, grid, member, actor=current_user)
        return Done(_index_url(), _("%(name)s now patrols %(grid)s.", name=member.user.display_name, grid=grid.name))

    return act(form, run, lambda: _page(worker_form=form), once=True)


@bp.post("/households")
def household():
    require(perm.can_manage_grids(g.ctx))
    workers, form = GridWorkerForm(), HouseholdGridForm()
    _choices(workers, form)

    def run():
        found = queries.household_by_name(g.community, form.household.data)
        if found is None:
            raise PortalError(_("The roster has no household of this name."), field="household")
        grid = load_grid(int(form.grid.data)) if form.grid.data else None
        services.set_household_grid(g.community, found, grid, actor=current_user)
        if grid is None:
            return Done(_index_url(), _("The household %(name)s is now in no grid.", name=found.name))
        return Done(_index_url(), _("The household %(name)s is now in %(grid)s.", name=found.name, grid=grid.name))

    return act(form, run, lambda: _page(household_form=form), once=True)
