"""Mediation cases and what belongs to them. Personal fields are marked: anonymisation
(retention.anonymise) empties exactly those and keeps what the statistics need."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import TZDateTime, utcnow
from ..extensions import db
from .states import STATES

CATEGORIES = ("neighbours", "family", "land_housing", "property_money", "noise_sanitation", "other")
ORIGINS = ("self", "on_behalf")
URGENCIES = ("normal", "urgent")
REFERRALS = ("court", "arbitration", "government", "police", "other")
TERM_KEPT = ("kept", "partly", "not_kept")


def _in(column: str, values) -> str:
    return f"{column} in (" + ", ".join(f"'{v}'" for v in values) + ")"


class MediationCase(db.Model):
    __tablename__ = "mediation_case"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    state: Mapped[str] = mapped_column(String(20), default="requested")
    category: Mapped[str] = mapped_column(String(20))
    urgency: Mapped[str] = mapped_column(String(10), default="normal")
    origin: Mapped[str] = mapped_column(String(10), default="self")
    # Personal (emptied by anonymisation):
    requester_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    what_happened: Mapped[str] = mapped_column(Text, default="")
    what_they_want: Mapped[str] = mapped_column(Text, default="")
    other_party_name: Mapped[str] = mapped_column(String(80), default="")
    other_party_contact: Mapped[str] = mapped_column(String(80), default="")
    other_party_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    contact_time: Mapped[str] = mapped_column(String(80), default="")
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    outcome_note: Mapped[str] = mapped_column(Text, default="")
    # The consent the requester gave, as shown to them.
    consent_version: Mapped[str] = mapped_column(String(20))
    consent_text: Mapped[str] = mapped_column(Text)
    referral: Mapped[str] = mapped_column(String(12), default="")
    other_party_agreed: Mapped[bool | None] = mapped_column(Boolean, default=None)
    # The state the case ended in, kept when it is anonymised (for the statistics).
    final_state: Mapped[str] = mapped_column(String(20), default="")
    # Timestamps for deadlines and statistics (kept after anonymisation).
    requested_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    triaged_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    assigned_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    outcome_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    anonymised_at: Mapped[datetime | None] = mapped_column(TZDateTime)

    requester = relationship("User", foreign_keys=[requester_id], lazy="raise")
    other_party = relationship("User", foreign_keys=[other_party_id], lazy="raise")
    recorded_by = relationship("User", foreign_keys=[recorded_by_id], lazy="raise")

    __table_args__ = (
        CheckConstraint(_in("state", STATES), name="state"),
        CheckConstraint(_in("category", ("neighbours", "family", "land_housing", "property_money",
                                         "noise_sanitation", "other")), name="category"),
        CheckConstraint(_in("origin", ORIGINS), name="origin"),
        CheckConstraint(_in("urgency", URGENCIES), name="urgency"),
        Index("ix_mediation_case_state", "community_id", "state", "requested_at"),
        Index("ix_mediation_case_requester", "requester_id"),
        Index("ix_mediation_case_other_party", "other_party_id"),
    )

    @property
    def finished_at(self) -> datetime | None:
        """When nothing more happened on the case (a withdrawn request: closed_at, when withdrawn)."""
        return self.closed_at or (self.outcome_at if self.state == "failed" else None) or \
            (self.triaged_at if self.state in ("declined", "party_declined") else None)


class MediatorAssignment(db.Model):
    """A mediator on a case. `active` False: recused (回避, a declared conflict of
    interest) or removed by the committee; the row stays as the record."""

    __tablename__ = "mediation_assignment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("mediation_case.id"), index=True)
    mediator_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    assigned_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    assigned_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    # The mediator declared that they have no conflict of interest in this case (回避): his own
    # act, on his own page (services.declare_no_conflict), never the committee's. `declared_at`
    # is when; it is empty on assignments made before mediators declared for themselves (the
    # committee ticked a box for them then: migration 0016 kept those as they were).
    no_conflict_declared: Mapped[bool] = mapped_column(Boolean, default=False)
    no_conflict_declared_at: Mapped[datetime | None] = mapped_column(TZDateTime, default=None)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    conflict_declared: Mapped[bool] = mapped_column(Boolean, default=False)
    ended_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    change_requested_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    change_reason: Mapped[str] = mapped_column(Text, default="")

    mediator = relationship("User", foreign_keys=[mediator_id], lazy="raise")

    __table_args__ = (UniqueConstraint("case_id", "mediator_id"),)


class CaseSession(db.Model):
    __tablename__ = "mediation_session"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("mediation_case.id"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(120), default="")
    attendees: Mapped[str] = mapped_column(String(300), default="")
    # Private: mediators and committee only.
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)


class Agreement(db.Model):
    """An agreement reached in mediation. `year` and `serial` are its number, per community and
    year (调字〔2026〕第 3 号), given when it is recorded (services.record_outcome, under the
    community's lock) and printed on the agreement."""

    __tablename__ = "mediation_agreement"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("mediation_case.id"), unique=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("community.id"), default=None)
    year: Mapped[int | None] = mapped_column(Integer, default=None)
    serial: Mapped[int | None] = mapped_column(Integer, default=None)
    kind: Mapped[str] = mapped_column(String(10))
    facts: Mapped[str] = mapped_column(Text, default="")
    issues: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    terms = relationship("AgreementTerm", lazy="selectin", order_by="AgreementTerm.position",
                         cascade="all, delete-orphan")

    __table_args__ = (CheckConstraint("kind in ('written', 'oral')", name="kind"),
                      UniqueConstraint("community_id", "year", "serial"))


class AgreementTerm(db.Model):
    """One agreed term: what, how it is carried out, and by when."""

    __tablename__ = "mediation_term"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("mediation_agreement.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    what: Mapped[str] = mapped_column(Text, default="")
    how: Mapped[str] = mapped_column(Text, default="")
    due_on: Mapped[date | None] = mapped_column(Date)


class FollowUp(db.Model):
    __tablename__ = "mediation_follow_up"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("mediation_case.id"), index=True)
    kept: Mapped[str] = mapped_column(String(10))
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    __table_args__ = (CheckConstraint(_in("kept", TERM_KEPT), name="kept"),)


class Rating(db.Model):
    """A party's rating of the handling, 1–5: shown in aggregate only."""

    __tablename__ = "mediation_rating"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("mediation_case.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    stars: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("case_id", "user_id"),
                      CheckConstraint("stars >= 1 AND stars <= 5", name="stars"))


class CorrectionRequest(db.Model):
    __tablename__ = "mediation_correction"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("mediation_case.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
