"""flag / hide / restore for any registered content; audited in the community chain."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ..audit import chain as audit
from ..db import utcnow
from ..extensions import db
from ..web.errors import RuleViolation
from .models import Flag


def _subject_type(obj) -> str:
    return obj.__tablename__


def flag(community, obj, reason: str, *, actor) -> Flag:
    reason = (reason or "").strip()
    if not reason:
        raise RuleViolation(_l("Please say what is wrong, so the committee can judge."), field="reason")
    if getattr(obj, "author_id", None) == actor.id:
        raise RuleViolation(_l("You cannot report your own text; you can withdraw or change it instead."))
    existing = db.session.execute(
        select(Flag).where(Flag.subject_type == _subject_type(obj), Flag.subject_id == obj.id,
                           Flag.user_id == actor.id)
    ).scalar_one_or_none()
    if existing is not None and existing.resolved_at is None:
        raise RuleViolation(_l("You have already reported this; the committee will look at it."))
    if existing is not None:
        existing.reason, existing.created_at, existing.resolved_at = reason, utcnow(), None
        item = existing
    else:
        item = Flag(community_id=community.id, subject_type=_subject_type(obj), subject_id=obj.id,
                    user_id=actor.id, reason=reason)
        try:
            with db.session.begin_nested():
                db.session.add(item)
        except IntegrityError:
            raise RuleViolation(_l("You have already reported this; the committee will look at it."))
    audit.record(community, "content.flagged", (_subject_type(obj), obj.id), {"reason": reason},
                 actor_role="user", actor=actor)
    return item


def _resolve_flags(obj) -> None:
    db.session.execute(
        update(Flag).where(Flag.subject_type == _subject_type(obj), Flag.subject_id == obj.id,
                           Flag.resolved_at.is_(None)).values(resolved_at=utcnow())
    )


def hide(community, obj, reason: str, *, actor) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise RuleViolation(_l("Please give the reason; it is shown in place of the hidden text."), field="reason")
    if obj.is_hidden:
        raise RuleViolation(_l("This is already hidden."))
    obj.hidden_at, obj.hidden_by_id, obj.hidden_reason = utcnow(), actor.id, reason
    _resolve_flags(obj)
    audit.record(community, "content.hidden", (_subject_type(obj), obj.id), {"reason": reason},
                 actor_role="committee", actor=actor)


def restore(community, obj, reason: str, *, actor) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise RuleViolation(_l("Please give the reason for showing it again."), field="reason")
    if not obj.is_hidden:
        raise RuleViolation(_l("This is not hidden."))
    obj.hidden_at, obj.hidden_by_id, obj.hidden_reason = None, None, ""
    _resolve_flags(obj)
    audit.record(community, "content.restored", (_subject_type(obj), obj.id), {"reason": reason},
                 actor_role="committee", actor=actor)


def dismiss(community, obj, *, actor) -> None:
    """The committee looked and keeps the content visible."""
    _resolve_flags(obj)
    audit.record(community, "content.flags_dismissed", (_subject_type(obj), obj.id), {},
                 actor_role="committee", actor=actor)


def open_flags(community, limit: int = 100):
    """Open flags grouped by subject: [(subject_type, subject_id, [Flag, ...])]."""
    rows = db.session.execute(
        select(Flag).where(Flag.community_id == community.id, Flag.resolved_at.is_(None))
        .order_by(Flag.created_at, Flag.id).limit(limit * 5)
    ).scalars().all()
    grouped: dict[tuple[str, int], list[Flag]] = {}
    for f in rows:
        grouped.setdefault((f.subject_type, f.subject_id), []).append(f)
    return [(t, i, fl) for (t, i), fl in list(grouped.items())[:limit]]
