"""The audit pages' blueprint."""
from __future__ import annotations

from ..communities.models import LEVELS
from ..communities.scoping import community_blueprint

# Every unit keeps a chain, and anyone in it may verify it: the audit pages serve every level
# (/c/<slug>/audit/ for a street or a department too).
bp = community_blueprint("audit", __name__, "/audit", levels=LEVELS)
