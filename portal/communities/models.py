"""Communities, memberships and per-community roles."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import TZDateTime, utcnow
from ..extensions import db

KINDS = ("village", "urban")
STATUSES = ("pending", "verified", "rejected")
# Roles a community's committee grants; "staff" is the one role of a unit above (a street, a district,
# a department), granted by the unit above it or the platform admin (docs/architecture.md, "Levels").
ROLES = ("committee", "mediator", "grid_worker")
UNIT_ROLES = ("staff",)
ALL_ROLES = ROLES + UNIT_ROLES
# A row of `community` is a unit of the administrative tree (the table's name predates the levels):
# district → street → community, with departments under a street or a district.
LEVELS = ("district", "street", "community", "department")


class Community(db.Model):
    __tablename__ = "community"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    region: Mapped[str] = mapped_column(String(120), default="")
    kind: Mapped[str] = mapped_column(String(10), default="village")
    default_locale: Mapped[str] = mapped_column(String(10), default="zh_Hans")
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    # Head of the community's audit chain, written by audit.record() in the same transaction.
    audit_seq: Mapped[int] = mapped_column(Integer, default=0)
    audit_head: Mapped[str] = mapped_column(String(64), default="0" * 64)
    # Moves with every audited change of what people see, not with the traces reads leave (a look
    # at a mediation case): the page caches key on it (docs/architecture.md, "Caches").
    content_seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    level: Mapped[str] = mapped_column(String(12), default="community", server_default="community")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("community.id"), index=True, default=None)

    __table_args__ = (
        CheckConstraint("kind in ('village', 'urban')", name="kind"),
        CheckConstraint("level in ('district', 'street', 'community', 'department')", name="level"),
    )

    @property
    def is_community(self) -> bool:
        return self.level == "community"


class Membership(db.Model):
    __tablename__ = "membership"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    message: Mapped[str] = mapped_column(String(300), default="")
    reason: Mapped[str] = mapped_column(String(300), default="")
    requested_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    user = relationship("User", foreign_keys=[user_id], lazy="joined")
    roles = relationship("MemberRole", lazy="selectin", cascade="all, delete-orphan",
                         order_by="MemberRole.role")

    __table_args__ = (
        UniqueConstraint("community_id", "user_id"),
        CheckConstraint("status in ('pending', 'verified', 'rejected')", name="status"),
    )

    @property
    def role_names(self) -> set[str]:
        return {r.role for r in self.roles}


class MemberRole(db.Model):
    __tablename__ = "member_role"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("membership.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(12))
    granted_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    __table_args__ = (
        UniqueConstraint("membership_id", "role"),
        CheckConstraint("role in ('committee', 'mediator', 'grid_worker', 'staff')", name="role"),
    )
