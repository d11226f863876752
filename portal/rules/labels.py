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


# The tone of each phase's and each amendment state's status label (templates/_macros/status.html).
STATUS_TONE = {"drafting": "draft", "consultation": "open", "revision": "waiting", "revised": "done",
               "adoption_vote": "open", "adopted": "done", "superseded": "draft", "returned": "refused"}
DECISION_TONE = {"accepted": "done", "merged": "done", "rejected": "refused"}
UNDECIDED = {"consultation": _l("Open for support"), "revision": _l("Waiting for the decision")}


def status_tone(status: str) -> str:
    return STATUS_TONE.get(status, "draft")


def amendment_state(a, version) -> tuple[str, str]:
    """(tone, label) of an amendment: its decision, else where it stands in its version's phase."""
    if a.decision:
        return DECISION_TONE.get(a.decision, "done"), decision_label(a.decision)
    if version.status in UNDECIDED:
        return ("open" if version.status == "consultation" else "waiting"), str(UNDECIDED[version.status])
    return "draft", str(_l("Not decided"))


def status_label(status: str) -> str:
    return str(STATUS.get(status, status))


def amendment_kind_label(kind: str) -> str:
    return str(AMENDMENT_KIND.get(kind, kind))


def decision_label(decision: str | None) -> str:
    return str(DECISION.get(decision, "")) if decision else ""
