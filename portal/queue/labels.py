"""The work queue's headings and the (tone, label) of each thing's state for the shared status
macro (templates/_macros/status.html)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..mediation.labels import STATE_LABELS as CASE_LABELS
from ..proposals.labels import state_label

GROUPS = {
    "joins": _l("Requests to join"),
    "cases": _l("Mediation requests waiting"),
    "proposals": _l("Proposals to answer"),
    "reports": _l("Reports to look at"),
    "amendments": _l("Amendments to decide"),
    "polls": _l("Votes to close"),
    "assigned": _l("Cases you mediate"),
    "votes": _l("Votes waiting for you"),
    "answers": _l("Answers to your proposals"),
    "mycases": _l("Your mediation cases"),
}

CASE_TONES = {"requested": "waiting", "accepted": "open", "mediating": "open", "agreement_written": "done",
              "agreement_oral": "done", "followed_up": "done", "closed": "done", "declined": "refused",
              "party_declined": "refused", "failed": "refused", "anonymised": "done"}
PROPOSAL_TONES = {"draft": "draft", "published": "open", "under_review": "waiting", "accepted": "done",
                  "planned": "done", "implemented": "done", "rejected": "refused", "withdrawn": "refused"}
POLL_LABELS = {"draft": _l("Draft"), "open": _l("Voting open"), "closed": _l("Ended")}
POLL_TONES = {"draft": "draft", "open": "open", "closed": "done"}


def case_status(case) -> tuple[str, str]:
    return CASE_TONES.get(case.state, "open"), str(CASE_LABELS.get(case.state, case.state))


def proposal_status(p) -> tuple[str, str]:
    return PROPOSAL_TONES.get(p.state, "open"), state_label(p.state)


def poll_status(poll) -> tuple[str, str]:
    return POLL_TONES.get(poll.state, "open"), str(POLL_LABELS.get(poll.state, poll.state))

REPORT_KINDS = {
    "proposal": _l("A reported proposal"),
    "comment": _l("A reported comment"),
    "rule_clause": _l("A reported clause of the rules"),
    "rule_amendment": _l("A reported amendment"),
}


def report_kind(subject_type: str) -> str:
    return str(REPORT_KINDS.get(subject_type, _l("Reported content")))
