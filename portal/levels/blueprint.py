"""The blueprints of the tree's pages (docs/architecture.md, "Levels"): the units above the
communities under /u/<slug>/, a community's grids under /c/<slug>/grids/, and their loaders."""
from __future__ import annotations

from types import SimpleNamespace

from flask import abort, g, request

from ..communities.scoping import community_blueprint, get_or_404
from ..communities.services import DEFAULT_STREET
from ..matters import services as matters
from ..web.permissions import found
from . import queries
from .models import Grid

bp = community_blueprint("units", __name__, prefix="/u", levels=("district", "street", "department"))
grids_bp = community_blueprint("grids", __name__, "/grids")


@bp.before_request
def _no_pages_for_the_unnamed_street():
    """The unnamed street of an installation without levels has no pages of its own."""
    if g.community.slug == DEFAULT_STREET:
        abort(404)


def load_child(slug: str):
    """A unit right below this one, else 404."""
    return found(queries.child_by_slug(g.community, slug))


def street_categories() -> list:
    """This street's categories for a page: as stored, else the defaults as they will be made on
    their first use (a GET never writes)."""
    stored = queries.stored_categories(g.community)
    return stored or [SimpleNamespace(key=k, name=n, name_en=e, deadline_hours=h)
                      for k, n, e, h in matters.DEFAULT_CATEGORIES]


def load_category(key: str):
    """A category of this street, else 404. A POST loads it through the matters' services, which
    make the street's defaults on first use, in the POST's own transaction."""
    rows = matters.categories(g.community) if request.method == "POST" else street_categories()
    return found(next((c for c in rows if c.key == key), None))


def load_grid(grid_id: int) -> Grid:
    """A grid of this community, else 404."""
    return get_or_404(Grid, g.community, grid_id)
