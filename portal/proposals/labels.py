"""Translated names of proposal states and decisions, and the tone of each state's label
(templates/_macros/status.html)."""
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

# open: neighbours can support it; waiting: the committee must answer; done: accepted, planned or
# done; refused: rejected or withdrawn; draft: only its author sees it.
STATE_TONES = {
    "draft": "draft",
    "published": "open",
    "under_review": "waiting",
    "accepted": "done",
    "planned": "done",
    "implemented": "done",
    "rejected": "refused",
    "withdrawn": "refused",
}


def state_label(state: str) -> str:
    return STATE_LABELS.get(state, state)


def state_tone(state: str) -> str:
    return STATE_TONES.get(state, "draft")
