from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import TZDateTime, utcnow
from ..extensions import db
from ..moderation.models import Hideable

STATES = ("draft", "published", "under_review", "accepted", "rejected", "planned", "implemented", "withdrawn")
ANSWER_STATES = ("accepted", "rejected", "planned")
OPEN_STATES = ("published", "under_review")
PUBLIC_STATES = tuple(s for s in STATES if s != "draft")
DEFAULT_CATEGORIES = (
    ("roads", "道路交通", "Roads and transport"),
    ("sanitation", "环境卫生", "Sanitation and environment"),
    ("safety", "治安安全", "Safety"),
    ("funds", "集体资金", "Public funds"),
    ("other", "其他", "Other"),
)


class ProposalSettings(db.Model):
    __tablename__ = "proposal_settings"

    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), primary_key=True)
    support_threshold: Mapped[int] = mapped_column(Integer, default=10)
    # When set, the threshold is this percentage of verified residents (rounded up).
    threshold_percent: Mapped[int | None] = mapped_column(Integer, default=None)
    answer_days: Mapped[int] = mapped_column(Integer, default=15)

    __table_args__ = (
        CheckConstraint("support_threshold >= 1 AND support_threshold <= 100000", name="threshold"),
        CheckConstraint("threshold_percent IS NULL OR (threshold_percent >= 1 AND threshold_percent <= 100)",
                        name="percent"),
        CheckConstraint("answer_days >= 1 AND answer_days <= 365", name="days"),
    )


class ProposalCategory(db.Model):
    __tablename__ = "proposal_category"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    key: Mapped[str] = mapped_column(String(30))
    name_zh: Mapped[str] = mapped_column(String(40))
    name_en: Mapped[str] = mapped_column(String(60))
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    __table_args__ = (UniqueConstraint("community_id", "key"),)

    def label(self, locale: str) -> str:
        return self.name_en if locale == "en" and self.name_en else self.name_zh


class Proposal(Hideable, db.Model):
    __tablename__ = "proposal"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    category_id: Mapped[int] = mapped_column(ForeignKey("proposal_category.id"))
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(14), default="draft")
    origin: Mapped[str] = mapped_column(String(10), default="web")
    support_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(TZDateTime, default=None)
    review_started_at: Mapped[datetime | None] = mapped_column(TZDateTime, default=None)
    answer_due_at: Mapped[datetime | None] = mapped_column(TZDateTime, default=None)
    answered_at: Mapped[datetime | None] = mapped_column(TZDateTime, default=None)
    implemented_at: Mapped[datetime | None] = mapped_column(TZDateTime, default=None)
    withdrawn_at: Mapped[datetime | None] = mapped_column(TZDateTime, default=None)

    author = relationship("User", foreign_keys=[author_id], lazy="raise")
    category = relationship("ProposalCategory", lazy="raise")

    @property
    def is_public(self) -> bool:
        """Ever published. A draft withdrawn by its author was never public and stays the author's."""
        return self.state != "draft" and self.published_at is not None

    __table_args__ = (
        CheckConstraint("state in ('draft', 'published', 'under_review', 'accepted', 'rejected', 'planned', "
                        "'implemented', 'withdrawn')", name="state"),
        CheckConstraint("support_count >= 0", name="support_count"),
        Index("ix_proposal_newest", "community_id", "published_at", "id"),
        Index("ix_proposal_supported", "community_id", "support_count", "id"),
        Index("ix_proposal_state", "community_id", "state", "published_at", "id"),
        Index("ix_proposal_due", "community_id", "state", "answer_due_at"),
        Index("ix_proposal_author", "author_id", "community_id"),
    )


class ProposalSupport(db.Model):
    __tablename__ = "proposal_support"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    origin: Mapped[str] = mapped_column(String(10), default="web")
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    # One person, one support: a database constraint, not an if.
    __table_args__ = (UniqueConstraint("proposal_id", "user_id"),)


class OfficialAnswer(db.Model):
    __tablename__ = "proposal_answer"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"), unique=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    decision: Mapped[str] = mapped_column(String(10))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    author = relationship("User", lazy="raise")

    __table_args__ = (CheckConstraint("decision in ('accepted', 'rejected', 'planned')", name="decision"),)


class ProgressUpdate(db.Model):
    __tablename__ = "proposal_progress"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    body: Mapped[str] = mapped_column(Text)
    implemented: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    author = relationship("User", lazy="raise")
