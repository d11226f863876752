"""Record an assisted action, show it to the resident, let them dispute it."""
from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from ..audit import chain as audit
from ..communities.models import Membership
from ..db import utcnow
from ..extensions import db
from ..web.errors import RuleViolation
from .models import AssistedAction

DISPUTE_DAYS = 7
REASON_MAX = 500


def resident_for(community, user) -> Membership | None:
    if user is None:
        return None
    return db.session.execute(select(Membership).where(
        Membership.community_id == community.id, Membership.user_id == user.id,
        Membership.status == "verified")).scalar_one_or_none()


def act_for(community, resident, kind: str, present: bool, agreed: bool, do, *, actor):
    """Run `do()` (the resident's own use case, e.g. create_proposal(resident, ...)) and mark it
    as recorded by `actor` with the resident, in the same transaction. Returns do()'s subject."""
    if not (present and agreed):
        raise RuleViolation(_l("Confirm that the resident is here in person and agrees."),
                            field="present" if not present else "agreed")
    if resident is None or resident_for(community, resident) is None:
        raise RuleViolation(_l("This person is not a verified resident of this community."), field="resident")
    if resident.id == actor.id:
        raise RuleViolation(_l("You cannot record an action for yourself this way."), field="resident")
    subject = do()
    if subject is None:
        raise RuleViolation(_l("Nothing was recorded."))
    entry = AssistedAction(community_id=community.id, resident_id=resident.id, recorded_by_id=actor.id,
                           kind=kind, subject_type=subject.__tablename__, subject_id=subject.id,
                           present=True, agreed=True)
    db.session.add(entry)
    db.session.flush()
    audit.record(community, "assisted.recorded", entry,
                 {"resident": resident.id, "kind": kind, "subject": [entry.subject_type, entry.subject_id]},
                 actor_role="committee", actor=actor)
    return subject


def for_resident(community, user, limit: int = 100) -> list[AssistedAction]:
    return db.session.execute(select(AssistedAction).where(
        AssistedAction.community_id == community.id, AssistedAction.resident_id == user.id)
        .order_by(AssistedAction.id.desc()).limit(limit)).scalars().all()


def disputed(community, limit: int = 200) -> list[AssistedAction]:
    return db.session.execute(select(AssistedAction).where(
        AssistedAction.community_id == community.id, AssistedAction.disputed_at.is_not(None))
        .order_by(AssistedAction.disputed_at.desc()).limit(limit)).scalars().all()


def can_still_dispute(entry: AssistedAction) -> bool:
    return entry.disputed_at is None and utcnow() <= entry.created_at + timedelta(days=DISPUTE_DAYS)


def dispute(resident, community, entry: AssistedAction, reason: str) -> None:
    if entry.resident_id != resident.id:
        raise RuleViolation(_l("Only the resident it was recorded for can dispute it."))
    if entry.disputed_at is not None:
        raise RuleViolation(_l("You have already disputed this."))
    if not can_still_dispute(entry):
        raise RuleViolation(_l("More than %(days)d days have passed: speak to the committee instead.",
                               days=DISPUTE_DAYS))
    reason = (reason or "").strip()
    if not reason or len(reason) > REASON_MAX:
        raise RuleViolation(_l("Say in a few words what is wrong."), field="reason")
    entry.disputed_at = utcnow()
    entry.dispute_reason = reason
    # The subject is named as in "assisted.recorded", so that the audit page treats both alike
    # (an objection to a mediation request is as private as the request).
    audit.record(community, "assisted.disputed", entry,
                 {"kind": entry.kind, "subject": [entry.subject_type, entry.subject_id]}, actor_role="resident", actor=resident)


def unseen_count(user) -> int:
    return db.session.execute(select(func.count()).select_from(AssistedAction).where(
        AssistedAction.resident_id == user.id, AssistedAction.seen_at.is_(None))).scalar_one()


def mark_seen(community, user) -> None:
    db.session.execute(update(AssistedAction).where(
        AssistedAction.community_id == community.id, AssistedAction.resident_id == user.id,
        AssistedAction.seen_at.is_(None)).values(seen_at=utcnow()))



def recorded(community, subject, kind: str) -> AssistedAction | None:
    """The mark of `subject` when the committee recorded it with a resident (else None)."""
    return db.session.execute(select(AssistedAction).where(
        AssistedAction.community_id == community.id, AssistedAction.subject_type == subject.__tablename__,
        AssistedAction.subject_id == subject.id, AssistedAction.kind == kind)
        .order_by(AssistedAction.id).limit(1)).scalar_one_or_none()
