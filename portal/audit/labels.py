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
