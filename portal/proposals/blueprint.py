"""The proposals blueprint and its loaders, shared by the view modules of proposals."""
from __future__ import annotations

from flask import abort, current_app, g, request, url_for
from flask_babel import gettext as _

from ..communities.scoping import community_blueprint
from ..web.display import select_locale
from . import permissions as perm
from . import queries, services

bp = community_blueprint("proposals", __name__, "/proposals")
UPLOAD_ENDPOINTS = {"proposals.new", "proposals.edit"}


@bp.url_value_preprocessor
def _allow_uploads(endpoint, values):
    # Runs before the CSRF check parses the body, so forms with photos may be larger.
    if endpoint in UPLOAD_ENDPOINTS:
        request.max_content_length = current_app.config["UPLOAD_REQUEST_MAX"]


def load(proposal_id: int):
    """The proposal of this community that the person may see, else 404."""
    p = queries.load_detail(g.community, proposal_id)
    if p is None or not perm.can_view(g.ctx, p):
        abort(404)
    return p


def category_choices():
    """The categories of the form, after a "Choose…" prompt: none is chosen for the person."""
    loc = select_locale()
    return [("", _("Choose…"))] + [(c.id, c.label(loc)) for c in services.categories(g.community)]


def detail_url(p, anchor="", **args) -> str:
    return url_for("proposals.detail", proposal_id=p.id, **args) + anchor
