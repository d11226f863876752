"""The ledger of actions recorded by the committee with a resident present."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import TZDateTime, utcnow
from ..extensions import db


class AssistedAction(db.Model):
    __tablename__ = "assisted_action"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    resident_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[str] = mapped_column(String(40))  # e.g. "proposal.created", "proposal.supported"
    subject_type: Mapped[str] = mapped_column(String(30))
    subject_id: Mapped[int] = mapped_column(Integer)
    present: Mapped[bool] = mapped_column(Boolean)  # the committee member confirmed both, every time
    agreed: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    seen_at: Mapped[datetime | None] = mapped_column(TZDateTime, default=None)
    disputed_at: Mapped[datetime | None] = mapped_column(TZDateTime, default=None)
    dispute_reason: Mapped[str] = mapped_column(String(500), default="")

    resident = relationship("User", foreign_keys=[resident_id], lazy="joined")
    recorded_by = relationship("User", foreign_keys=[recorded_by_id], lazy="joined")

    __table_args__ = (
        CheckConstraint("resident_id <> recorded_by_id", name="not_for_oneself"),
        CheckConstraint("present AND agreed", name="present_and_agreed"),
        Index("ix_assisted_resident", "resident_id", "community_id", "id"),
        Index("ix_assisted_community", "community_id", "disputed_at"),
    )
