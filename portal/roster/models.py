"""Households and login cards."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import TZDateTime, utcnow
from ..extensions import db


class Household(db.Model):
    """A household (户) of a community, with the member who represents it (户代表).
    Used by the villagers' meeting rule of votes (two thirds of households)."""

    __tablename__ = "household"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    representative_id: Mapped[int | None] = mapped_column(ForeignKey("membership.id"), default=None)
    # The grid (网格) the household lives in, chosen by the committee (docs/architecture.md, "Levels").
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grid.id"), index=True, default=None)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("community_id", "name"),)


class HouseholdMember(db.Model):
    """A verified member belongs to at most one household of their community."""

    __tablename__ = "household_member"

    membership_id: Mapped[int] = mapped_column(ForeignKey("membership.id", ondelete="CASCADE"), primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id", ondelete="CASCADE"), index=True)

    household = relationship("Household", lazy="joined")


class LoginCard(db.Model):
    """A printed, single-use sign-in link. Only the token's hash is kept: a lost card is
    voided by printing a new one."""

    __tablename__ = "login_card"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    issued_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(TZDateTime)
    used_at: Mapped[datetime | None] = mapped_column(TZDateTime, default=None)
    voided_at: Mapped[datetime | None] = mapped_column(TZDateTime, default=None)

    user = relationship("User", foreign_keys=[user_id], lazy="joined")
