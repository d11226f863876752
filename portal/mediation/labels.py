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
    "party_declined": _l("Other party declined"),
    "open": _l("Still open"),
}

OVERDUE_LABELS = {
    "triage": _l("Overdue: no decision yet"),
    "outcome": _l("Overdue: no outcome yet"),
}
