"""Every read the audit pages need (the chain itself is written and verified in chain.py)."""
from __future__ import annotations

from sqlalchemy import select

from ..auth.models import User
from ..extensions import db
from ..proposals.models import Proposal
from ..rules.models import Amendment, RuleVersion
from ..votes.models import Poll
from .models import AuditEvent

# The subject types whose pages an event may link to, and their models.
LINKABLE = {"proposal": Proposal, "poll": Poll, "rule_version": RuleVersion, "rule_amendment": Amendment}


def events_page(community, action: str, actor: int | None, before: int | None, limit: int, *,
                sees_private: bool) -> list[AuditEvent]:
    """The community's events, newest first, at most `limit`, filtered by action and actor,
    before the sequence number `before` (keyset paging).

    For someone who may not see private events, a filter runs over the other events only: what
    a filter finds, and so the page's length and its "older" link, never depends on a private
    event (docs/architecture.md, "What the trail tells whom"). Unfiltered, the page lists every
    seq, a private one as its number and hash alone: the chain is gapless, so its place is no secret."""
    q = select(AuditEvent).where(AuditEvent.community_id == community.id)
    if (action or actor) and not sees_private:
        q = q.where(AuditEvent.private.is_(False))
    if action:
        q = q.where(AuditEvent.action == action)
    if actor:
        q = q.where(AuditEvent.actor_id == actor)
    if before:
        q = q.where(AuditEvent.seq < before)
    return list(db.session.execute(q.order_by(AuditEvent.seq.desc()).limit(limit)).scalars().all())


def display_names(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all())


def export_rows(community_id: int):
    """(seq, prev_hash, hash, payload) of the whole chain in order, streamed in batches."""
    stmt = (select(AuditEvent.seq, AuditEvent.prev_hash, AuditEvent.hash, AuditEvent.payload)
            .where(AuditEvent.community_id == community_id).order_by(AuditEvent.seq)
            .execution_options(yield_per=1000))
    return db.session.execute(stmt)


def subjects(community, keys: set[tuple[str, int]]) -> dict[tuple[str, int], object]:
    """The community's objects named by (subject type, id), of the linkable types, and the rules
    versions of the amendments among them; a foreign or deleted one is simply absent (its event
    then names it without a link)."""
    out = {}
    amendments = {i for t, i in keys if t == "rule_amendment"}
    if amendments:
        versions = select(Amendment.version_id).where(Amendment.id.in_(amendments))
        keys = keys | {("rule_version", v) for v in db.session.execute(versions).scalars()}
    for kind, model in LINKABLE.items():
        ids = {i for t, i in keys if t == kind}
        if ids:
            rows = db.session.execute(select(model).where(model.id.in_(ids),
                                                          model.community_id == community.id)).scalars()
            out.update(((kind, o.id), o) for o in rows)
    return out
