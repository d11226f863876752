"""Attachment: one stored photo or recording belonging to a community object."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import TZDateTime, utcnow
from ..extensions import db

KINDS = ("image", "audio")


class Attachment(db.Model):
    """A file owned by (owner_type, owner_id) in one community.

    The bytes live under the upload root at `storage_key`
    ("<community_id>/<sha256[:2]>/<sha256>.<ext>"); identical files in one
    community share one stored file (two rows, one path). `sha256` is the hash
    of the stored bytes (after re-encoding for images).
    """

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    owner_type: Mapped[str] = mapped_column(String(30))
    owner_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10))
    original_name: Mapped[str] = mapped_column(String(120), default="")
    content_type: Mapped[str] = mapped_column(String(40))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(120))
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    __table_args__ = (
        CheckConstraint("kind in ('image', 'audio')", name="kind"),
        Index("ix_attachment_owner", "community_id", "owner_type", "owner_id"),
    )

    @property
    def is_image(self) -> bool:
        return self.kind == "image"

    @property
    def is_audio(self) -> bool:
        return self.kind == "audio"
