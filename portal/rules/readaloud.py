"""Village rules read aloud: the document title and every clause of a version, one control per
clause (the audio is made only when someone plays it). Whoever may read the version may hear it:
a draft only the committee (permissions.can_view_version), every other version everyone."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from ..readaloud import registry
from . import permissions as perm
from .models import RuleClause, RuleDocument, RuleVersion

_ID_MAX = 2**31


def clause_part(clause: RuleClause) -> str:
    """The block name of one clause: stable across renumbering (the row id, not the number)."""
    return f"c{clause.id}"


def _load(community, version_id: int) -> RuleVersion | None:
    return db.session.execute(select(RuleVersion).where(
        RuleVersion.id == version_id, RuleVersion.community_id == community.id)).scalar_one_or_none()


def _clause_id(part: str) -> int | None:
    digits = part[1:]
    if not (part.startswith("c") and digits.isascii() and digits.isdigit() and len(digits) <= 10):
        return None
    value = int(digits)
    return value if 0 < value < _ID_MAX else None


def _text(v: RuleVersion, part: str) -> str | None:
    if part == "title":
        doc = db.session.get(RuleDocument, v.document_id)
        return doc.title if doc is not None else None
    clause_id = _clause_id(part)
    if clause_id is None:
        return None
    clause = db.session.execute(select(RuleClause).where(
        RuleClause.id == clause_id, RuleClause.version_id == v.id)).scalar_one_or_none()
    if clause is None:
        return None
    # The listener hears which article it is, as the page shows it (第 n 条 / Article n).
    return f"{_('Article %(num)d', num=clause.number)}。{clause.text}"


def _can_read(ctx, v: RuleVersion) -> bool:
    return perm.can_view_version(ctx, v)


def register() -> None:
    """Called from registrations.register() (the package's init_app), never at import."""
    registry.register("rules", load=_load, text=_text, can_read=_can_read)
