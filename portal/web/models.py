"""What the web layer itself stores: the one-time tokens of submitted forms (portal/web/once.py)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import TZDateTime, utcnow
from ..extensions import db


class SubmittedForm(db.Model):
    """A rendered form that creates something, once it was sent: its token (unique, so a second
    send of the same form is refused by the database), who sent it, to which endpoint, and the
    page of what it made, where a second send lands. Nothing else: never what was typed."""

    __tablename__ = "submitted_form"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(43), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    endpoint: Mapped[str] = mapped_column(String(80))
    target: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    __table_args__ = (Index("ix_submitted_form_user_created", "user_id", "created_at"),)
