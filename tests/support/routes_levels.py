"""Permission rows of the tree's pages (portal/levels, portal/admin): the unit pages under /u/,
a community's grids, the admin's units. Added to ROUTES in tests/test_permissions.py."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from portal.extensions import db

from .helpers import add_grid, membership
from .security import ROLES

DONE = "done"
LOGIN = "login"


@dataclass(frozen=True)
class Route:
    """The shape of tests/test_permissions.py's rows (a support module imports no test module)."""

    rule: str
    method: str
    path: Callable
    expected: dict
    data: Callable | None = None

    @property
    def id(self):
        return f"{self.method} {self.rule}"


def _expect(default, **per_role):
    return {role: per_role.get(role, default) for role in ROLES}


def _only(allowed, ok):
    table = _expect(403, visitor=LOGIN)
    for r in allowed:
        table[r] = ok
    return table


def _fixed(url):
    return lambda w: url


def grid_setup(w):
    """Grid 1 (grida patrols it, add_grid), Grid 2 without a worker and a roster household, made
    once: (grid 2 id, grida's membership id)."""
    from portal.levels import queries
    from portal.levels import services as ls
    from portal.roster.models import Household

    grids = {g.name: g for g in queries.grids(w.a)}
    if "Grid 1" not in grids:
        add_grid(w)
    if "Grid 2" not in grids:
        grids["Grid 2"] = ls.create_grid(w.a, "Grid 2", actor=w["coma"])
    from sqlalchemy import select

    if db.session.execute(select(Household.id).where(Household.community_id == w.a.id,
                                                     Household.name == "三组12号")).first() is None:
        db.session.add(Household(community_id=w.a.id, name="三组12号"))
    db.session.commit()
    return grids["Grid 2"].id, membership(w.a, w["grida"]).id


def _worker_form(w, r):
    grid_id, member_id = grid_setup(w)
    return {"grid": str(grid_id), "member": str(member_id)}


def _household_form(w, r):
    grid_id, _member_id = grid_setup(w)
    return {"household": "三组12号", "grid": str(grid_id)}


STREET_STAFF = ["stra", "root"]


LEVELS_ROUTES = [
    # Platform administration of the tree.
    Route("/admin/units", "POST", _fixed("/admin/units"), _only(["root"], DONE),
          lambda w, r: {"level": "street", "parent": "qu-a", "slug": "jie-c", "name": "Street C"}),
    Route("/admin/units/<slug:slug>/staff", "POST", _fixed("/admin/units/jie-a/staff"), _only(["root"], DONE),
          lambda w, r: {"username": "resa"}),
    # A unit's home is public; its staff (and the platform admin) manage it. The district's staff
    # (disa) manage the district, not the street's own pages.
    Route("/u/<slug:slug>/", "GET", _fixed("/u/jie-a/"), _expect(200)),
    Route("/u/<slug:slug>/departments", "GET", _fixed("/u/jie-a/departments"), _only(STREET_STAFF, 200)),
    Route("/u/<slug:slug>/departments", "POST", _fixed("/u/jie-a/departments"), _only(STREET_STAFF, DONE),
          lambda w, r: {"slug": "dept-x", "name": "Roads A"}),
    Route("/u/<slug:slug>/communities", "GET", _fixed("/u/jie-a/communities"), _only(STREET_STAFF, 200)),
    Route("/u/<slug:slug>/communities", "POST", _fixed("/u/jie-a/communities"), _only(STREET_STAFF, DONE),
          lambda w, r: {"slug": "dorf-x", "name": "Dorf X", "region": "", "kind": "village",
                        "default_locale": "zh_Hans", "committee": "resa"}),
    Route("/u/<slug:slug>/staff", "GET", _fixed("/u/jie-a/staff"), _only(STREET_STAFF, 200)),
    Route("/u/<slug:slug>/staff", "POST", _fixed("/u/jie-a/staff"), _only(STREET_STAFF, DONE),
          lambda w, r: {"unit": "dept-a", "username": "resa"}),
    Route("/u/<slug:slug>/categories", "GET", _fixed("/u/jie-a/categories"), _only(STREET_STAFF, 200)),
    Route("/u/<slug:slug>/categories", "POST", _fixed("/u/jie-a/categories"), _only(STREET_STAFF, DONE),
          lambda w, r: {"key": "noise", "name": "噪音", "name_en": "Noise", "deadline_hours": "48"}),
    Route("/u/<slug:slug>/categories/<key>", "GET", _fixed("/u/jie-a/categories/water"),
          _only(STREET_STAFF, 200)),
    Route("/u/<slug:slug>/categories/<key>", "POST", _fixed("/u/jie-a/categories/water"),
          _only(STREET_STAFF, DONE), lambda w, r: {"name": "供水", "name_en": "Water", "deadline_hours": "12"}),
    # A community's grids: its committee.
    Route("/c/<slug:slug>/grids/", "GET", _fixed("/c/dorf-a/grids/"), _only(["coma"], 200)),
    Route("/c/<slug:slug>/grids/new", "POST", _fixed("/c/dorf-a/grids/new"), _only(["coma"], DONE),
          lambda w, r: {"name": "Grid 3"}),
    Route("/c/<slug:slug>/grids/workers", "POST", _fixed("/c/dorf-a/grids/workers"), _only(["coma"], DONE),
          _worker_form),
    Route("/c/<slug:slug>/grids/households", "POST", _fixed("/c/dorf-a/grids/households"),
          _only(["coma"], DONE), _household_form),
]
