"""Village rules (村规民约): documents, immutable versions, chapters, clauses, amendments."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import TZDateTime, utcnow
from ..extensions import db
from ..moderation.models import Hideable

KINDS = ("village_rules", "residents_convention", "sanitation_agreement", "other")
# drafting -> consultation -> revision -> (revised: its amendments went into the next version)
# drafting (made by a revision) -> adoption_vote -> adopted (-> superseded) | returned
STATUSES = ("drafting", "consultation", "revision", "revised", "adoption_vote", "adopted", "superseded", "returned")
OPEN_STATUSES = ("drafting", "consultation", "revision", "adoption_vote")
AMENDMENT_KINDS = ("change", "new", "delete")
DECISIONS = ("accepted", "merged", "rejected")

TITLE_MAX = 120
CLAUSE_MAX = 2000
CHAPTER_MAX = 120
REASON_MAX = 300
RATIONALE_MAX = 2000
VOTE_RESULT_MAX = 500
FILING_REF_MAX = 60


def _in(values) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


class RuleDocument(db.Model):
    __tablename__ = "rule_document"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    kind: Mapped[str] = mapped_column(String(24), default="village_rules")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    __table_args__ = (CheckConstraint(f"kind in {_in(KINDS)}", name="kind"),)


class RuleVersion(db.Model):
    """One version of a document. Its text changes only while it is being drafted."""

    __tablename__ = "rule_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    document_id: Mapped[int] = mapped_column(ForeignKey("rule_document.id"))
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(14), default="drafting")
    based_on_id: Mapped[int | None] = mapped_column(ForeignKey("rule_version.id"), default=None)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    reason: Mapped[str] = mapped_column(String(REASON_MAX), default="")
    status_changed_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    # Calendar days in the community's time zone, both included.
    consultation_start: Mapped[date | None] = mapped_column(Date, default=None)
    consultation_end: Mapped[date | None] = mapped_column(Date, default=None)
    adopted_at: Mapped[datetime | None] = mapped_column(TZDateTime, default=None)
    vote_result: Mapped[str] = mapped_column(String(VOTE_RESULT_MAX), default="")
    poll_id: Mapped[int | None] = mapped_column(Integer, default=None)  # portal.votes poll, when wired
    filed_on: Mapped[date | None] = mapped_column(Date, default=None)
    filing_reference: Mapped[str] = mapped_column(String(FILING_REF_MAX), default="")
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), default=None)

    document = relationship("RuleDocument", lazy="raise")
    created_by = relationship("User", foreign_keys=[created_by_id], lazy="raise")

    __table_args__ = (
        UniqueConstraint("document_id", "number"),
        CheckConstraint(f"status in {_in(STATUSES)}", name="status"),
        CheckConstraint("consultation_end IS NULL OR consultation_end >= consultation_start", name="window"),
        Index("ix_rule_version_document", "community_id", "document_id", "status"),
    )

    @property
    def is_draft(self) -> bool:
        return self.status == "drafting"


class RuleChapter(db.Model):
    __tablename__ = "rule_chapter"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("rule_version.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(CHAPTER_MAX))


class RuleClause(db.Model):
    """One article (条). `key` is the clause's identity across versions: it survives
    renumbering and moves, so diffs and amendments can follow it."""

    __tablename__ = "rule_clause"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("rule_version.id"))
    chapter_id: Mapped[int] = mapped_column(ForeignKey("rule_chapter.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # 第 n 条, counted through the whole document
    key: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("version_id", "key"),
        Index("ix_rule_clause_order", "version_id", "number"),
    )

    # The moderation registry knows clauses only so that comments on them can link back;
    # a clause is the committee's text and is not reported or hidden (the flag pages 404).
    is_public = False


class Amendment(Hideable, db.Model):
    __tablename__ = "rule_amendment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("rule_version.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[str] = mapped_column(String(8))
    target_key: Mapped[str | None] = mapped_column(String(16), default=None)  # change, delete
    after_key: Mapped[str | None] = mapped_column(String(16), default=None)  # new: after this clause
    proposed_text: Mapped[str] = mapped_column(Text, default="")
    rationale: Mapped[str] = mapped_column(Text, default="")
    support_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    decision: Mapped[str | None] = mapped_column(String(8), default=None)
    decision_reason: Mapped[str] = mapped_column(String(REASON_MAX), default="")
    merged_text: Mapped[str | None] = mapped_column(Text, default=None)  # the committee's edit
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(TZDateTime, default=None)

    author = relationship("User", foreign_keys=[author_id], lazy="raise")

    __table_args__ = (
        CheckConstraint(f"kind in {_in(AMENDMENT_KINDS)}", name="kind"),
        CheckConstraint(f"decision IS NULL OR decision in {_in(DECISIONS)}", name="decision"),
        CheckConstraint("support_count >= 0", name="support_count"),
        Index("ix_rule_amendment_version", "community_id", "version_id", "support_count"),
    )

    is_public = True

    @property
    def final_text(self) -> str:
        """The text that goes into the next version when accepted or merged."""
        return self.merged_text if self.decision == "merged" and self.merged_text is not None else self.proposed_text


class AmendmentSupport(db.Model):
    __tablename__ = "rule_amendment_support"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    amendment_id: Mapped[int] = mapped_column(ForeignKey("rule_amendment.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    # One person, one support: a database constraint, not an if.
    __table_args__ = (UniqueConstraint("amendment_id", "user_id"),)
