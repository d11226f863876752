"""The platform admin's blueprint (only platform admins get past it) and its loader."""
from __future__ import annotations

from flask import Blueprint
from flask_login import current_user

from ..communities import queries
from ..communities.permissions import can_administer_platform
from ..web.permissions import found, require

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def _only_admins():
    require(can_administer_platform(current_user))


def load_community(slug: str):
    """Any community by its short name, else 404."""
    return found(queries.community_by_slug(slug))
