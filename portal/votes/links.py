"""What a poll can be linked to (a proposal, a rule version, ...).

Other capabilities register a LinkKind; a poll stores (link_kind, link_id) and the
votes pages show the linked object's title and address. `on_closed` runs inside the
close transaction, after the result is stored (e.g. adopt a rule version).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:  # pragma: no cover
    from ..auth.models import User
    from ..communities.models import Community
    from .models import Poll


@dataclass(frozen=True)
class LinkKind:
    kind: str                                          # e.g. "proposal", "rule_version"
    load: Callable[["Community", int], object | None]  # community-scoped loader
    title: Callable[[object], str]
    url: Callable[[object], str]
    on_closed: Callable[["Poll", object, "User | None"], None] | None = None
    # What the poll form offers to choose from: [(id, label)] of this community, newest first.
    choices: Callable[["Community"], list[tuple[int, str]]] | None = None


_KINDS: dict[str, LinkKind] = {}


def register(link: LinkKind) -> None:
    _KINDS[link.kind] = link


def get(kind: str) -> LinkKind:
    """The registered kind; KeyError for an unknown one."""
    return _KINDS[kind]


def kinds() -> tuple[str, ...]:
    return tuple(sorted(_KINDS))


def register_proposal() -> None:
    """Polls may decide a proposal (called from registrations.py at start-up)."""
    from flask import url_for
    from flask_babel import gettext as _

    from ..extensions import db
    from ..proposals.models import Proposal
    from sqlalchemy import select

    def load(community, proposal_id):
        p = db.session.execute(select(Proposal).where(Proposal.id == proposal_id,
                                                      Proposal.community_id == community.id)).scalar_one_or_none()
        return p if p is not None and p.is_public else None

    def choices(community):
        rows = db.session.execute(select(Proposal.id, Proposal.title).where(
            Proposal.community_id == community.id, Proposal.state != "draft", Proposal.published_at.is_not(None))
            .order_by(Proposal.id.desc()).limit(200)).all()
        return [(pid, _("No. %(num)d: %(title)s", num=pid, title=title)) for pid, title in rows]

    register(LinkKind("proposal", load, title=lambda p: p.title,
                      url=lambda p: url_for("proposals.detail", proposal_id=p.id), choices=choices))

