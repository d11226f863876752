"""Translated names of case states, categories and choices."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

CATEGORY_LABELS = {
    "neighbours": _l("Neighbours"),
    "family": _l("Family"),
    "land_housing": _l("Land or housing"),
    "property_money": _l("Property or money"),
    "noise_sanitation": _l("Noise or sanitation"),
    "other": _l("Something else"),
}

STATE_LABELS = {
    "requested": _l("Waiting for the committee"),
    "accepted": _l("Accepted"),
    "declined": _l("Declined"),
    "withdrawn": _l("Withdrawn"),
    "party_declined": _l("Other party declined"),
    "mediating": _l("In mediation"),
    "agreement_written": _l("Written agreement"),
    "agreement_oral": _l("Oral agreement"),
    "failed": _l("No agreement"),
    "followed_up": _l("Followed up"),
    "closed": _l("Closed"),
    "anonymised": _l("Anonymised"),
}

REFERRAL_LABELS = {
    "court": _l("The people's court (a lawsuit)"),
    "arbitration": _l("An arbitration commission"),
    "government": _l("The township government or the relevant office"),
    "police": _l("The police station"),
    "other": _l("Another organisation (see the reason)"),
}

KEPT_LABELS = {
    "kept": _l("Yes, all terms were kept"),
    "partly": _l("Partly"),
    "not_kept": _l("No, the terms were not kept"),
}

OUTCOME_LABELS = {
    "agreement": _l("Agreement reached"),
    "failed": _l("No agreement"),
    "declined": _l("Declined by the committee"),
    "withdrawn": _l("Withdrawn by the person who asked"),
    "party_declined": _l("Other party declined"),
    "open": _l("Still open"),
}

OVERDUE_LABELS = {
    "triage": _l("Overdue: no decision yet"),
    "outcome": _l("Overdue: no outcome yet"),
}

# The case status in one plain sentence: where it stands and what happens next. Shown on the
# case page and read aloud to whoever may see the case (portal/mediation/readaloud.py).
STATUS_SENTENCES = {
    "requested": _l("The request is waiting for the committee. Next step: the committee decides whether to "
                    "accept it for mediation."),
    "accepted": _l("The request is accepted. Next step: the committee asks the other party whether they agree "
                   "and chooses a mediator."),
    "declined": _l("The committee declined the request. Next step: the reason and where to turn instead are "
                   "on this page."),
    "withdrawn": _l("The person who asked withdrew the request before it was accepted. Nothing more needs to "
                    "be done."),
    "party_declined": _l("The other party refused mediation, so the case is closed. Next step: other ways, "
                         "such as the township government or the court, are still open."),
    "mediating": _l("The case is in mediation. Next step: the mediator meets the parties and records the "
                    "outcome."),
    "agreement_written": _l("The parties signed a written agreement. Next step: the committee checks that it "
                            "is kept."),
    "agreement_oral": _l("The parties reached an oral agreement. Next step: the committee checks that it is "
                         "kept."),
    "failed": _l("Mediation ended without an agreement. Next step: the other ways that were explained are "
                 "still open."),
    "followed_up": _l("The committee checked whether the agreement is kept. Next step: the committee closes "
                      "the case."),
    "closed": _l("The case is closed. Nothing more needs to be done."),
    "anonymised": _l("The case is closed and the personal details have been removed."),
}


# The tone of each state's status label (templates/_macros/status.html): going on, waiting for
# someone, ended well, ended without (declined, withdrawn, refused, failed).
STATE_TONES = {
    "requested": "waiting", "accepted": "waiting", "mediating": "open", "agreement_written": "done",
    "agreement_oral": "done", "followed_up": "done", "closed": "done", "declined": "refused",
    "withdrawn": "refused", "party_declined": "refused", "failed": "refused", "anonymised": "draft",
}


def status_sentence(case) -> str:
    return str(STATUS_SENTENCES.get(case.state, STATE_LABELS.get(case.state, case.state)))
