"""The roster blueprints (the committee's pages; the login card's page, outside any community)
and their loaders."""
from __future__ import annotations

from flask import Blueprint, g

from ..communities.models import Membership
from ..communities.scoping import community_blueprint, get_or_404
from .models import Household

bp = community_blueprint("roster", __name__, "/roster")
cards = Blueprint("cards", __name__)


def load_household(household_id: int) -> Household:
    """A household of this community, else 404."""
    return get_or_404(Household, g.community, household_id)


def load_member(member_id: int) -> Membership:
    """A membership of this community, else 404."""
    return get_or_404(Membership, g.community, member_id)
