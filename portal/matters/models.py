"""Matters (事件/诉求) and their path, categories per street, and the figures' counters
(docs/architecture.md, "Matters")."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import TZDateTime, utcnow
from ..extensions import db
from .states import STATES

RATINGS = ("satisfied", "fair", "unsatisfied")  # 满意 / 基本满意 / 不满意


def _in(column: str, values) -> str:
    return f"{column} in (" + ", ".join(f"'{v}'" for v in values) + ")"


class MatterCategory(db.Model):
    """A street's categories, each with its default deadline (urgent 24 h, ordinary 72 h, …)."""

    __tablename__ = "matter_category"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    street_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    key: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(String(60))
    name_en: Mapped[str] = mapped_column(String(60), default="")
    deadline_hours: Mapped[int] = mapped_column(Integer, default=72)
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    __table_args__ = (UniqueConstraint("street_id", "key"),
                      CheckConstraint("deadline_hours between 1 and 2160", name="deadline_hours"))


class Matter(db.Model):
    __tablename__ = "matter"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The community it was reported in, and (denormalised, for the ledgers and the visibility
    # rules of the levels above) that community's street and district.
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    street_id: Mapped[int | None] = mapped_column(ForeignKey("community.id"), index=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("community.id"), index=True)
    serial: Mapped[int] = mapped_column(Integer)  # 1, 2, … per community
    category_id: Mapped[int] = mapped_column(ForeignKey("matter_category.id"))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grid.id"), index=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    reporter_role: Mapped[str] = mapped_column(String(20), default="resident")  # resident | grid_worker | committee
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))  # committee, for someone present
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    place: Mapped[str] = mapped_column(String(200), default="")
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    state: Mapped[str] = mapped_column(String(12), default="triage")
    # Who holds it now, since when, until when; the unit that sent it there (decides a return or
    # an extension); the unit that resolved it (a reopened matter goes back there).
    holder_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    held_since: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    deadline: Mapped[datetime] = mapped_column(TZDateTime)
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("community.id"))
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("community.id"))
    # The whole matter's deadline (from its category; later by a granted extension): "closed on time".
    due_at: Mapped[datetime] = mapped_column(TZDateTime)
    extension_asked: Mapped[bool] = mapped_column(Boolean, default=False)
    extension_hours: Mapped[int | None] = mapped_column(Integer)
    extension_reason: Mapped[str] = mapped_column(String(500), default="")
    extension_decided: Mapped[str | None] = mapped_column(String(10))  # granted | refused
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("matter.id"))
    public_reason: Mapped[str] = mapped_column(String(500), default="")  # a refusal's reason
    outcome: Mapped[str] = mapped_column(String(1000), default="")  # what was done (public)
    reported_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    closed_on_time: Mapped[bool | None] = mapped_column(Boolean)
    rating: Mapped[str | None] = mapped_column(String(12))
    rated_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    reopened: Mapped[bool] = mapped_column(Boolean, default=False)
    urged: Mapped[int] = mapped_column(Integer, default=0)
    steps: Mapped[int] = mapped_column(Integer, default=0)  # the path's length (the next step's seq - 1)

    __table_args__ = (
        UniqueConstraint("community_id", "serial"),
        CheckConstraint(_in("state", STATES), name="state"),
        CheckConstraint("rating is null or " + _in("rating", RATINGS), name="rating"),
        CheckConstraint("latitude is null or latitude between -90 and 90", name="latitude"),
        CheckConstraint("longitude is null or longitude between -180 and 180", name="longitude"),
        # A unit's queue and the overdue lists: open matters by holder and deadline.
        Index("ix_matter_holder_open", "holder_id", "state", "deadline"),
        Index("ix_matter_community_serial", "community_id", "id"),
    )

    @property
    def is_open(self) -> bool:
        from .states import OPEN
        return self.state in OPEN


class MatterStep(db.Model):
    """One step of a matter's path, in order: who did what, from which unit to which, with the
    note and deadline they gave. Public but for `private_note` (the reporter's contact, say)."""

    __tablename__ = "matter_step"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matter.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    action: Mapped[str] = mapped_column(String(20))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("community.id"), index=True)  # the acting unit
    to_unit_id: Mapped[int | None] = mapped_column(ForeignKey("community.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    actor_role: Mapped[str] = mapped_column(String(20), default="")
    state: Mapped[str] = mapped_column(String(12))  # the state after the step
    note: Mapped[str] = mapped_column(String(2000), default="")
    deadline: Mapped[datetime | None] = mapped_column(TZDateTime)

    __table_args__ = (UniqueConstraint("matter_id", "seq"),)


class MatterTally(db.Model):
    """The figures' counters, kept in the same transaction as each change: per unit (the community
    reported in, its street and district, a department that received it), grid (0: all grids),
    category and month (yyyymm, in the portal's time zone). Never a scan of `matter` per request."""

    __tablename__ = "matter_tally"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    grid_id: Mapped[int] = mapped_column(Integer, default=0)
    category_id: Mapped[int] = mapped_column(ForeignKey("matter_category.id"))
    month: Mapped[int] = mapped_column(Integer)
    reported: Mapped[int] = mapped_column(Integer, default=0)
    closed: Mapped[int] = mapped_column(Integer, default=0)
    on_time: Mapped[int] = mapped_column(Integer, default=0)
    satisfied: Mapped[int] = mapped_column(Integer, default=0)
    fair: Mapped[int] = mapped_column(Integer, default=0)
    unsatisfied: Mapped[int] = mapped_column(Integer, default=0)
    # Days from report to close, summed per whole day in MatterCloseDays (for the median).

    __table_args__ = (UniqueConstraint("unit_id", "grid_id", "category_id", "month"),)


class MatterCloseDays(db.Model):
    """How many matters of a unit (and grid) closed after d whole days: the median without a scan."""

    __tablename__ = "matter_close_days"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    grid_id: Mapped[int] = mapped_column(Integer, default=0)
    days: Mapped[int] = mapped_column(Integer)
    n: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (UniqueConstraint("unit_id", "grid_id", "days"),)
