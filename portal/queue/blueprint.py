"""The work queue's blueprints: one community's queue, and the person's communities with their
counts (where the header's link goes outside a community)."""
from __future__ import annotations

from flask import Blueprint

from ..communities.scoping import community_blueprint

bp = community_blueprint("queue", __name__, "/queue")
overview = Blueprint("queue_overview", __name__)
