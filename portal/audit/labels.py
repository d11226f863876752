"""Readable, translated names for audit actions and roles (the viewer shows these)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

ACTIONS = {
    "community.created": _l("Community created"),
    "membership.requested": _l("Asked to join"),
    "membership.verified": _l("Verified as resident"),
    "membership.rejected": _l("Join request rejected"),
    "membership.added": _l("Added as resident"),
    "role.granted": _l("Role given"),
    "role.revoked": _l("Role taken away"),
    "attachment.added": _l("Photo or recording added"),
    "comment.added": _l("Comment written"),
    "content.flagged": _l("Reported to the committee"),
    "content.hidden": _l("Hidden by the committee"),
    "content.restored": _l("Shown again by the committee"),
    "content.flags_dismissed": _l("Reports closed, kept visible"),
    "proposal.created": _l("Proposal written"),
    "proposal.edited": _l("Proposal draft changed"),
    "proposal.published": _l("Proposal published"),
    "proposal.withdrawn": _l("Proposal withdrawn"),
    "proposal.supported": _l("Proposal supported"),
    "proposal.unsupported": _l("Support withdrawn"),
    "proposal.review_started": _l("Enough support: sent to the committee"),
    "proposal.answered": _l("Official answer given"),
    "proposal.progress": _l("Progress reported"),
    "proposals.settings_changed": _l("Proposal settings changed"),
    "proposals.category_added": _l("Proposal category added"),
    "proposals.category_changed": _l("Proposal category changed"),
    "roster.imported": _l("Residents imported from the roster"),
    "household.representative": _l("Household representative chosen"),
    "login_card.issued": _l("Login card printed"),
    "login_card.used": _l("Login card used"),
    "assisted.recorded": _l("Recorded by the committee with a resident present"),
    "assisted.disputed": _l("Resident objected to an assisted action"),
    "rules.document_created": _l("Rules document created"),
    "rules.chapter_added": _l("Rules draft: chapter added"),
    "rules.chapter_renamed": _l("Rules draft: chapter renamed"),
    "rules.clause_added": _l("Rules draft: clause added"),
    "rules.clause_edited": _l("Rules draft: clause changed"),
    "rules.clause_moved": _l("Rules draft: clause moved"),
    "rules.clause_deleted": _l("Rules draft: clause deleted"),
    "rules.consultation_opened": _l("Rules: consultation opened"),
    "rules.revision_started": _l("Rules: consultation closed, revision started"),
    "rules.amendment_proposed": _l("Rules: amendment proposed"),
    "rules.amendment_supported": _l("Rules: amendment supported"),
    "rules.amendment_decided": _l("Rules: decision on an amendment"),
    "rules.revision_concluded": _l("Rules: revision concluded, next version made"),
    "rules.redraft_started": _l("Rules: new draft started"),
    "rules.adoption_vote_started": _l("Rules: sent to the adoption vote"),
    "rules.adopted": _l("Rules adopted by vote"),
    "rules.returned": _l("Rules not adopted, back to drafting"),
    "rules.filed": _l("Rules filed with the township"),
    "mediation.requested": _l("Mediation requested"),
    "mediation.triaged": _l("Mediation request decided"),
    "mediation.other_party_answered": _l("Other party answered"),
    "mediation.started": _l("Mediation started"),
    "mediation.mediator_assigned": _l("Mediator assigned"),
    "mediation.mediator_removed": _l("Mediator removed"),
    "mediation.conflict_declared": _l("Mediator stepped aside (conflict of interest)"),
    "mediation.other_mediator_asked": _l("A party asked for another mediator"),
    "mediation.session_added": _l("Mediation session recorded"),
    "mediation.outcome": _l("Mediation outcome recorded"),
    "mediation.followed_up": _l("Follow-up recorded"),
    "mediation.closed": _l("Mediation case closed"),
    "mediation.rated": _l("Mediation rated"),
    "mediation.correction_asked": _l("Correction asked"),
    "mediation.viewed": _l("Mediation case viewed"),
    "mediation.exported": _l("Own case data downloaded"),
    "mediation.cases_exported": _l("Mediation cases exported"),
    "mediation.anonymised": _l("Mediation case anonymised"),
}

ROLES = {
    "system": _l("system"),
    "platform_admin": _l("platform admin"),
    "committee": _l("committee"),
    "mediator": _l("mediator"),
    "resident": _l("resident"),
    "user": _l("registered user"),
    "visitor": _l("visitor"),
}


def action_label(action: str) -> str:
    return ACTIONS.get(action, action)


def role_label(role: str) -> str:
    return ROLES.get(role, role)
