"""Rule documents and drafting: one function per use case, explicit actor and community,
the audit event in the same transaction; the action wrapper commits (portal/web/actions.py).
A violation that concerns one field of the form names it (`field=`, the form's field name).

Phase changes and amendments are in phases.py, the adoption vote in adoption.py.
"""
from __future__ import annotations

import secrets
from datetime import date, datetime, timezone

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..audit import chain as audit
from ..web.errors import RuleViolation
from ..extensions import db
from .models import (CHAPTER_MAX, CLAUSE_MAX, KINDS, OPEN_STATUSES, REASON_MAX, TITLE_MAX, RuleChapter,
                     RuleClause, RuleDocument, RuleVersion)

COMMITTEE = "committee"


def local_today() -> date:
    """Today in the community's time zone (consultation dates are calendar days)."""
    from zoneinfo import ZoneInfo

    zone = current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai")
    return datetime.now(timezone.utc).astimezone(ZoneInfo(zone)).date()


def new_key() -> str:
    return secrets.token_hex(4)


def _text(value: str, limit: int, message, field: str) -> str:
    value = (value or "").strip()
    if not value or len(value) > limit:
        raise RuleViolation(message, field=field)
    return value


def require_draft(version: RuleVersion) -> None:
    if version.status != "drafting":
        raise RuleViolation(_l("Only a draft can be changed. This version is fixed; start a new draft to change "
                               "the rules."))


# -- documents -------------------------------------------------------------------------------

def create_document(community, title: str, kind: str, *, actor) -> RuleVersion:
    """A new document with its first version: an empty draft with one chapter."""
    title = _text(title, TITLE_MAX, _l("The document needs a title (at most 120 characters)."), "title")
    if kind not in KINDS:
        raise RuleViolation(_l("Please choose one of the listed kinds of document."), field="kind")
    doc = RuleDocument(community_id=community.id, title=title, kind=kind, created_by_id=actor.id)
    db.session.add(doc)
    db.session.flush()
    version = RuleVersion(community_id=community.id, document_id=doc.id, number=1, status="drafting",
                          created_by_id=actor.id, reason="")
    db.session.add(version)
    db.session.flush()
    db.session.add(RuleChapter(version_id=version.id, number=1, title=""))
    db.session.flush()
    audit.record(community, "rules.document_created", doc, {"title": title, "kind": kind,
                                                                    "version": version.id}, actor_role=COMMITTEE, actor=actor)
    return version


def open_version(document) -> RuleVersion | None:
    return db.session.execute(select(RuleVersion).where(
        RuleVersion.document_id == document.id, RuleVersion.status.in_(OPEN_STATUSES))).scalars().first()


def open_version_document(version) -> RuleDocument:
    return db.session.get(RuleDocument, version.document_id)


def copy_version(community, source: RuleVersion, reason: str, *, actor) -> RuleVersion:
    """The next version of source's document as a draft holding source's text (keys kept)."""
    number = db.session.execute(select(func.max(RuleVersion.number)).where(
        RuleVersion.document_id == source.document_id)).scalar_one() + 1
    version = RuleVersion(community_id=community.id, document_id=source.document_id, number=number,
                          status="drafting", based_on_id=source.id, created_by_id=actor.id if actor else source.created_by_id,
                          reason=reason[:REASON_MAX])
    db.session.add(version)
    db.session.flush()
    chapters = chapters_of(source)
    clauses = clauses_of(source)
    mapping = {}
    for ch in chapters:
        new = RuleChapter(version_id=version.id, number=ch.number, title=ch.title)
        db.session.add(new)
        mapping[ch.id] = new
    db.session.flush()
    db.session.add_all([RuleClause(community_id=version.community_id, version_id=version.id, chapter_id=mapping[c.chapter_id].id, number=c.number,
                                   key=c.key, text=c.text) for c in clauses])
    db.session.flush()
    return version


def start_redraft(community, document, reason: str, *, actor) -> RuleVersion:
    """A new draft from the latest version, to change rules that are adopted (or were returned)."""
    reason = _text(reason, REASON_MAX, _l("Please say why the rules should change (at most 300 characters)."),
                   "reason")
    if open_version(document) is not None:
        raise RuleViolation(_l("This document already has a version under deliberation."))
    latest = db.session.execute(select(RuleVersion).where(RuleVersion.document_id == document.id)
                                .order_by(RuleVersion.number.desc()).limit(1)).scalar_one()
    version = copy_version(community, latest, reason, actor=actor)
    audit.record(community, "rules.redraft_started", version,
                 {"document": document.id, "from": latest.id, "number": version.number, "reason": reason},
                 actor_role=COMMITTEE, actor=actor)
    return version


# -- reading a version -------------------------------------------------------------------------

def chapters_of(version) -> list[RuleChapter]:
    return db.session.execute(select(RuleChapter).where(RuleChapter.version_id == version.id)
                              .order_by(RuleChapter.number)).scalars().all()


def clauses_of(version) -> list[RuleClause]:
    return db.session.execute(select(RuleClause).where(RuleClause.version_id == version.id)
                              .order_by(RuleClause.number)).scalars().all()


def renumber(version, ordered: list[RuleClause]) -> None:
    """Number the clauses 1, 2, … in the order given (phases.py uses it too)."""
    for i, c in enumerate(ordered, start=1):
        c.number = i
    db.session.flush()


def ordered_clauses(version) -> tuple[list[RuleChapter], list[RuleClause]]:
    """Clauses in reading order: by chapter, then by number."""
    chapters = chapters_of(version)
    rank = {ch.id: ch.number for ch in chapters}
    clauses = sorted(clauses_of(version), key=lambda c: (rank[c.chapter_id], c.number))
    return chapters, clauses


# -- drafting (committee) ----------------------------------------------------------------------

def add_chapter(community, version, title: str, *, actor) -> RuleChapter:
    require_draft(version)
    title = _text(title, CHAPTER_MAX, _l("The chapter needs a title (at most 120 characters)."), "title")
    number = len(chapters_of(version)) + 1
    ch = RuleChapter(version_id=version.id, number=number, title=title)
    db.session.add(ch)
    db.session.flush()
    audit.record(community, "rules.chapter_added", version, {"chapter": number, "title": title},
                 actor_role=COMMITTEE, actor=actor)
    return ch


def rename_chapter(community, version, chapter, title: str, *, actor) -> None:
    require_draft(version)
    title = (title or "").strip()
    if len(title) > CHAPTER_MAX:
        raise RuleViolation(_l("The chapter title is too long (at most 120 characters)."), field="title")
    chapter.title = title
    audit.record(community, "rules.chapter_renamed", version, {"chapter": chapter.number, "title": title},
                 actor_role=COMMITTEE, actor=actor)


def add_clause(community, version, chapter, text: str, *, actor) -> RuleClause:
    require_draft(version)
    text = _text(text, CLAUSE_MAX, _l("A clause needs a text (at most 2000 characters)."), "text")
    chapters, clauses = ordered_clauses(version)
    clause = RuleClause(community_id=version.community_id, version_id=version.id, chapter_id=chapter.id, number=0, key=new_key(), text=text)
    # At the end of its chapter.
    position = max((i + 1 for i, c in enumerate(clauses)
                    if next(ch.number for ch in chapters if ch.id == c.chapter_id) <= chapter.number), default=0)
    db.session.add(clause)
    clauses.insert(position, clause)
    renumber(version, clauses)
    audit.record(community, "rules.clause_added", version, {"key": clause.key, "number": clause.number},
                 actor_role=COMMITTEE, actor=actor)
    return clause


def edit_clause(community, version, clause, text: str, *, actor) -> None:
    require_draft(version)
    text = _text(text, CLAUSE_MAX, _l("A clause needs a text (at most 2000 characters)."), "text")
    if text == clause.text:
        return
    clause.text = text
    audit.record(community, "rules.clause_edited", version, {"key": clause.key, "number": clause.number},
                 actor_role=COMMITTEE, actor=actor)


def move_clause(community, version, clause, direction: str, *, actor) -> None:
    """One step up or down; at the edge of a chapter it crosses into the next chapter."""
    require_draft(version)
    if direction not in ("up", "down"):
        raise RuleViolation(_l("A clause moves up or down."), field="direction")
    chapters, clauses = ordered_clauses(version)
    i = clauses.index(clause)
    ch_index = next(k for k, ch in enumerate(chapters) if ch.id == clause.chapter_id)
    step = -1 if direction == "up" else 1
    j = i + step
    neighbour = clauses[j] if 0 <= j < len(clauses) else None
    if neighbour is not None and neighbour.chapter_id == clause.chapter_id:
        clauses[i], clauses[j] = clauses[j], clauses[i]
    elif 0 <= ch_index + step < len(chapters):
        clause.chapter_id = chapters[ch_index + step].id  # to the end / start of the next chapter
    else:
        raise RuleViolation(_l("This clause cannot move further."))
    renumber(version, sorted(clauses, key=lambda c: (next(ch.number for ch in chapters if ch.id == c.chapter_id),
                                                      clauses.index(c))))
    audit.record(community, "rules.clause_moved", version,
                 {"key": clause.key, "direction": direction, "number": clause.number}, actor_role=COMMITTEE, actor=actor)


def delete_clause(community, version, clause, *, actor) -> None:
    require_draft(version)
    key, number = clause.key, clause.number
    db.session.delete(clause)
    db.session.flush()
    _chapters, clauses = ordered_clauses(version)
    renumber(version, clauses)
    audit.record(community, "rules.clause_deleted", version, {"key": key, "number": number},
                 actor_role=COMMITTEE, actor=actor)
