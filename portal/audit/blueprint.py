"""The audit pages' blueprint."""
from __future__ import annotations

from ..communities.scoping import community_blueprint

bp = community_blueprint("audit", __name__, "/audit")
