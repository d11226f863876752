"""Translated names of proposal states and decisions."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

STATE_LABELS = {
    "draft": _l("Draft"),
    "published": _l("Collecting support"),
    "under_review": _l("Waiting for the committee's answer"),
    "accepted": _l("Accepted"),
    "rejected": _l("Rejected"),
    "planned": _l("Already planned"),
    "implemented": _l("Done"),
    "withdrawn": _l("Withdrawn"),
}


def state_label(state: str) -> str:
    return STATE_LABELS.get(state, state)
