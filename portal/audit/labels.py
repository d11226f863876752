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
    "poll.created": _l("Poll created"),
    "poll.edited": _l("Poll changed"),
    "poll.opened": _l("Poll opened"),
    "poll.participated": _l("Took part in a poll"),
    "poll.paper_entered": _l("Paper ballot totals entered"),
    "poll.paper_confirmed": _l("Paper ballot totals confirmed"),
    "poll.closed": _l("Poll closed"),
    "poll.result_published": _l("Poll result published"),
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
