"""Translated names of version phases, amendment kinds and decisions (templates use these)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

STATUS = {
    "drafting": _l("Draft"),
    "consultation": _l("Consultation"),
    "revision": _l("Revision"),
    "revised": _l("Revised"),
    "adoption_vote": _l("Adoption vote"),
    "adopted": _l("Adopted"),
    "superseded": _l("Replaced by a later version"),
    "returned": _l("Not adopted"),
}

AMENDMENT_KIND = {
    "change": _l("Change"),
    "new": _l("New clause"),
    "delete": _l("Deletion"),
}

DECISION = {
    "accepted": _l("Accepted"),
    "merged": _l("Merged with edits"),
    "rejected": _l("Rejected"),
}


def status_label(status: str) -> str:
    return str(STATUS.get(status, status))


def amendment_kind_label(kind: str) -> str:
    return str(AMENDMENT_KIND.get(kind, kind))


def decision_label(decision: str | None) -> str:
    return str(DECISION.get(decision, "")) if decision else ""
