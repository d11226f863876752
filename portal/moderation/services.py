"""flag / hide / restore for any registered content; audited in the community chain."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from ..audit import chain as audit
from ..db import utcnow
from ..extensions import db
from ..web.errors import RuleViolation
from .models import Flag


def _subject_type(obj) -> str:
    return obj.__tablename__


DEFAULT_REPORTS_PER_HOUR = 20


def _reports_per_hour() -> int:
    value = current_app.config.get("REPORTS_PER_HOUR")
    return int(value) if value else DEFAULT_REPORTS_PER_HOUR


def flag(community, obj, reason: str, *, actor) -> Flag | None:
    """Report `obj` to the committee. A person reports an item once (UNIQUE(subject, user) in the
    database): a second report of the same item writes nothing and returns None. At most
    REPORTS_PER_HOUR reports a person, over all communities. So the audit chain grows by at most
    one `content.flagged` per member and item, and by at most REPORTS_PER_HOUR an hour per member.
    Who may report (members only) is the view's permission (permissions.can_flag)."""
    reason = (reason or "").strip()
    if not reason:
        raise RuleViolation(_l("Please say what is wrong, so the committee can judge."), field="reason")
    if getattr(obj, "author_id", None) == actor.id:
        raise RuleViolation(_l("You cannot report your own text; you can withdraw or change it instead."))
    subject_type = _subject_type(obj)
    already = db.session.execute(
        select(Flag.id).where(Flag.subject_type == subject_type, Flag.subject_id == obj.id,
                              Flag.user_id == actor.id)
    ).first()
    if already is not None:
        return None
    limit = _reports_per_hour()
    recent = db.session.execute(
        select(func.count()).select_from(Flag).where(Flag.user_id == actor.id,
                                                     Flag.created_at > utcnow() - timedelta(hours=1))
    ).scalar_one()
    if recent >= limit:
        raise RuleViolation(_l("You have sent %(n)d reports in the last hour, the most one person may send. "
                               "Please try again later; the committee is looking at them.", n=limit),
                            field="reason")
    item = Flag(community_id=community.id, subject_type=subject_type, subject_id=obj.id,
                user_id=actor.id, reason=reason)
    try:
        with db.session.begin_nested():
            db.session.add(item)
    except IntegrityError:
        return None  # the same person's report of it, sent at the same moment, was first
    audit.record(community, "content.flagged", (subject_type, obj.id), {"reason": reason},
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
