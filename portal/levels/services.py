"""Units above the communities and grids inside them (docs/architecture.md, "Levels"). Each use
case takes its unit and the actor, writes its audit event in the same transaction (in the unit's
own chain, and in the parent's for a new unit), never commits."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..audit import chain as audit
from ..communities import services as communities
from ..communities.models import Community, Membership
from ..communities.services import RESERVED_SLUGS, SLUG_RE
from ..extensions import db
from ..web.errors import RuleViolation
from .models import Grid, GridAssignment

# Which level may sit under which (a department hangs off a street or a district).
PARENT_LEVELS = {"district": (None,), "street": ("district",), "department": ("street", "district"),
                 "community": ("street",)}
NAME_MAX = 80
GRID_NAME_MAX = 60


def _name(value: str, limit: int, field: str = "name") -> str:
    value = (value or "").strip()
    if not value:
        raise RuleViolation(_l("Please fill in this field."), field=field)
    if len(value) > limit:
        raise RuleViolation(_l("This text is too long: at most %(num)d characters.", num=limit), field=field)
    return value


def create_unit(parent: Community | None, level: str, slug: str, name: str, *, actor,
                actor_role: str = "platform_admin") -> Community:
    """A district (no parent), a street under a district, or a department under a street or a
    district. Communities are made by communities.services.create_community (with their parent)."""
    if level not in PARENT_LEVELS or level == "community":
        raise RuleViolation(_l("Unknown kind of unit."), field="level")
    if (parent.level if parent is not None else None) not in PARENT_LEVELS[level]:
        raise RuleViolation(_l("This kind of unit cannot be placed there."), field="parent")
    slug = (slug or "").strip().lower()
    if not SLUG_RE.match(slug) or slug in RESERVED_SLUGS:
        raise RuleViolation(_l("The short name may use 2 to 40 lower-case letters, digits and dashes."), field="slug")
    if db.session.execute(select(Community.id).where(Community.slug == slug)).first():
        raise RuleViolation(_l("A unit with this short name already exists."), field="slug")
    unit = Community(slug=slug, name=_name(name, NAME_MAX), region="", kind="urban", level=level,
                     parent_id=parent.id if parent is not None else None)
    db.session.add(unit)
    db.session.flush()
    audit.record(unit, "unit.created", unit, {"slug": slug, "name": unit.name, "level": level,
                                              "parent": unit.parent_id}, actor_role=actor_role, actor=actor)
    if parent is not None:
        audit.record(parent, "unit.child_created", unit, {"slug": slug, "level": level},
                     actor_role=actor_role, actor=actor)
    return unit


def appoint_staff(unit: Community, user, *, actor, actor_role: str = "platform_admin") -> Membership:
    """Make `user` staff of a unit above the communities (joins them if needed)."""
    if unit.level == "community":
        raise RuleViolation(_l("A community has a committee, not staff."))
    membership = communities.find_membership(unit, user)
    if membership is None or membership.status != "verified":
        membership = communities.add_resident(unit, user, actor_role=actor_role, actor=actor)
    communities.grant_role(unit, membership, "staff", actor_role=actor_role, actor=actor)
    return membership


def create_grid(community: Community, name: str, *, actor) -> Grid:
    name = _name(name, GRID_NAME_MAX)
    if db.session.execute(select(Grid.id).where(Grid.community_id == community.id, Grid.name == name)).first():
        raise RuleViolation(_l("A grid with this name already exists."), field="name")
    grid = Grid(community_id=community.id, name=name)
    db.session.add(grid)
    db.session.flush()
    audit.record(community, "grid.created", grid, {"name": name}, actor_role="committee", actor=actor)
    return grid


def assign_grid_worker(community: Community, grid: Grid, membership: Membership, *, actor) -> GridAssignment:
    """A verified member with the role grid_worker patrols `grid`."""
    if grid.community_id != community.id or membership.community_id != community.id:
        raise RuleViolation(_l("This grid or member is not of this community."))
    if membership.status != "verified" or "grid_worker" not in membership.role_names:
        raise RuleViolation(_l("Only a member with the grid worker role can be assigned to a grid."), field="member")
    if db.session.execute(select(GridAssignment.id).where(GridAssignment.grid_id == grid.id,
                                                          GridAssignment.user_id == membership.user_id)).first():
        raise RuleViolation(_l("This grid worker already patrols this grid."), field="member")
    assignment = GridAssignment(grid_id=grid.id, user_id=membership.user_id, assigned_by_id=actor.id)
    db.session.add(assignment)
    db.session.flush()
    audit.record(community, "grid.worker_assigned", grid, {"user": membership.user_id},
                 actor_role="committee", actor=actor)
    return assignment


def set_household_grid(community: Community, household, grid: Grid | None, *, actor) -> None:
    """Put a roster household in one of the community's grids (None: in no grid)."""
    if household.community_id != community.id or (grid is not None and grid.community_id != community.id):
        raise RuleViolation(_l("This grid or household is not of this community."))
    new_id = grid.id if grid is not None else None
    if household.grid_id == new_id:
        raise RuleViolation(_l("The household is already in this grid."), field="grid")
    household.grid_id = new_id
    db.session.flush()
    audit.record(community, "grid.household_set", household, {"household": household.id, "grid": new_id},
                 actor_role="committee", actor=actor)
