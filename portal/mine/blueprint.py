"""The "my things" page's blueprint."""
from __future__ import annotations

from ..communities.scoping import community_blueprint

bp = community_blueprint("mine", __name__, "/mine")
