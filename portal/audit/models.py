"""The append-only, hash-chained audit log: one chain per community."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from ..db import TZDateTime
from ..extensions import db


class AuditEvent(db.Model):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    seq: Mapped[int] = mapped_column(Integer)
    occurred_at: Mapped[datetime] = mapped_column(TZDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    actor_role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(40))
    subject_type: Mapped[str | None] = mapped_column(String(30))
    subject_id: Mapped[int | None] = mapped_column(Integer)
    # Shown to the committee only (a mediation case): decided by record() and committed to in the
    # payload ("private": true and a salt), so that the trail hides it by construction.
    private: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false(), nullable=False)
    # Canonical JSON, stored verbatim: the hash is computed over these exact bytes.
    payload: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        UniqueConstraint("community_id", "seq"),
        Index("ix_audit_event_community_action", "community_id", "action", "seq"),
        Index("ix_audit_event_community_actor", "community_id", "actor_id", "seq"),
    )
