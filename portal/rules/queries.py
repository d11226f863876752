"""Read side of the rules pages: a fixed number of statements per page, whatever the size."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..comments.models import Comment
from ..extensions import db
from ..diff import ClauseText, diff_clauses
from .models import Amendment, AmendmentSupport, RuleChapter, RuleClause, RuleDocument, RuleVersion


def documents(community) -> list[tuple[RuleDocument, list[RuleVersion]]]:
    docs = db.session.execute(select(RuleDocument).where(RuleDocument.community_id == community.id)
                              .order_by(RuleDocument.id)).scalars().all()
    versions = db.session.execute(select(RuleVersion).where(
        RuleVersion.community_id == community.id, RuleVersion.status.in_(
            ("drafting", "consultation", "revision", "adoption_vote", "adopted")))).scalars().all()
    by_doc: dict[int, list[RuleVersion]] = {}
    for v in versions:
        by_doc.setdefault(v.document_id, []).append(v)
    return [(d, sorted(by_doc.get(d.id, []), key=lambda v: v.number)) for d in docs]


def versions_of(document) -> list[RuleVersion]:
    return db.session.execute(select(RuleVersion).options(joinedload(RuleVersion.created_by))
                              .where(RuleVersion.document_id == document.id)
                              .order_by(RuleVersion.number.desc())).scalars().all()


@dataclass
class Chapter:
    chapter: RuleChapter
    clauses: list[RuleClause]


def text_of(version) -> list[Chapter]:
    """Chapters in order, each with its clauses in order: two statements."""
    chapters = db.session.execute(select(RuleChapter).where(RuleChapter.version_id == version.id)
                                  .order_by(RuleChapter.number)).scalars().all()
    clauses = db.session.execute(select(RuleClause).where(RuleClause.version_id == version.id)
                                 .order_by(RuleClause.number)).scalars().all()
    grouped = {ch.id: Chapter(ch, []) for ch in chapters}
    for c in clauses:
        grouped[c.chapter_id].clauses.append(c)
    return [grouped[ch.id] for ch in chapters]


def clause_counts(community, version) -> tuple[dict[int, int], dict[str, int]]:
    """Visible comments per clause id, amendments per clause key."""
    comments = dict(db.session.execute(
        select(Comment.subject_id, func.count()).join(RuleClause, RuleClause.id == Comment.subject_id)
        .where(Comment.community_id == community.id, Comment.subject_type == "rule_clause",
               RuleClause.version_id == version.id, Comment.hidden_at.is_(None))
        .group_by(Comment.subject_id)).all())
    key = func.coalesce(Amendment.target_key, Amendment.after_key)
    amendments = dict(db.session.execute(
        select(key, func.count()).where(Amendment.version_id == version.id, Amendment.community_id == community.id)
        .group_by(key)).all())
    return comments, amendments


def amendments_of(version, clause_key: str | None = None, order: str = "support") -> list[Amendment]:
    q = select(Amendment).options(joinedload(Amendment.author)).where(Amendment.version_id == version.id)
    if clause_key is not None:
        q = q.where((Amendment.target_key == clause_key) | (Amendment.after_key == clause_key))
    if order == "support":
        q = q.order_by(Amendment.support_count.desc(), Amendment.id)
    else:
        q = q.order_by(Amendment.id)
    return db.session.execute(q).scalars().all()


def supported_ids(user, amendment_ids: list[int]) -> set[int]:
    if user is None or not amendment_ids:
        return set()
    return set(db.session.execute(select(AmendmentSupport.amendment_id).where(
        AmendmentSupport.user_id == user.id, AmendmentSupport.amendment_id.in_(amendment_ids))).scalars())


def clauses_by_key(version) -> dict[str, RuleClause]:
    return {c.key: c for c in db.session.execute(select(RuleClause).where(
        RuleClause.version_id == version.id)).scalars()}


def document_diff(old_version, new_version):
    def load(v):
        rows = db.session.execute(select(RuleClause).where(RuleClause.version_id == v.id)
                                  .order_by(RuleClause.number)).scalars().all()
        return [ClauseText(c.key, c.number, c.text) for c in rows]
    return diff_clauses(load(old_version), load(new_version))


def assisted_support_count(a: Amendment) -> int:
    """Supports the committee recorded with a resident present (the public count by origin)."""
    from ..assisted.models import AssistedAction

    return db.session.execute(select(func.count()).select_from(AssistedAction).where(
        AssistedAction.community_id == a.community_id, AssistedAction.subject_type == "rule_amendment",
        AssistedAction.subject_id == a.id, AssistedAction.kind == "rules.amendment_supported")).scalar_one()


# -- what the loaders and pages read (portal/rules/blueprint.py, pages.py) ---------------------

def clause_of(version, clause_id: int) -> RuleClause | None:
    """The clause of this version with this id, else None."""
    c = db.session.get(RuleClause, clause_id)
    return c if c is not None and c.version_id == version.id else None


def chapter_of(version, chapter_id) -> RuleChapter | None:
    """The chapter of this version with this id, else None."""
    ch = db.session.get(RuleChapter, chapter_id) if isinstance(chapter_id, int) and 0 < chapter_id < 2**31 else None
    return ch if ch is not None and ch.version_id == version.id else None


def amendment_of(community, version, amendment_id: int) -> Amendment | None:
    """The amendment of this community's version with this id (its author loaded), else None."""
    return db.session.execute(select(Amendment).options(joinedload(Amendment.author)).where(
        Amendment.id == amendment_id, Amendment.community_id == community.id,
        Amendment.version_id == version.id)).scalar_one_or_none()


def document_of(version) -> RuleDocument:
    return db.session.get(RuleDocument, version.document_id)
