"""The community blueprint (home, join, members) and its loader."""
from __future__ import annotations

from flask import g

from .models import Membership
from .scoping import community_blueprint, get_or_404

bp = community_blueprint("communities", __name__)


def load_member(member_id: int) -> Membership:
    """A membership of this community, else 404."""
    return get_or_404(Membership, g.community, member_id)
