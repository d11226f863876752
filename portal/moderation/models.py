from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from ..db import TZDateTime, utcnow
from ..extensions import db


class Hideable:
    """Columns of content the committee can hide (never delete)."""

    hidden_at: Mapped[datetime | None] = mapped_column(TZDateTime, default=None)
    hidden_reason: Mapped[str] = mapped_column(String(300), default="")

    @declared_attr
    def hidden_by_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("user_account.id"), default=None)

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


class Flag(db.Model):
    __tablename__ = "content_flag"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    subject_type: Mapped[str] = mapped_column(String(30))
    subject_id: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    reason: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(TZDateTime, default=None)

    __table_args__ = (
        # A person reports an item once (subject ids are unique per type across communities).
        UniqueConstraint("subject_type", "subject_id", "user_id"),
        Index("ix_content_flag_open", "community_id", "resolved_at", "subject_type", "subject_id"),
        # The per-person hourly count of reports (moderation/services.py, REPORTS_PER_HOUR).
        Index("ix_content_flag_user_created", "user_id", "created_at"),
    )
