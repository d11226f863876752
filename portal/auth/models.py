"""Accounts, server-side login sessions and the platform security log."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import TZDateTime, utcnow
from ..extensions import db


class User(db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # A username or a mobile number, stored lower-cased; unique across the platform.
    username: Mapped[str] = mapped_column(String(32), unique=True)
    display_name: Mapped[str] = mapped_column(String(50))
    password_hash: Mapped[str] = mapped_column(String(255))
    locale: Mapped[str | None] = mapped_column(String(10), default=None)
    display_large: Mapped[bool] = mapped_column(Boolean, default=False)
    display_contrast: Mapped[bool] = mapped_column(Boolean, default=False)
    display_easy: Mapped[bool] = mapped_column(Boolean, default=False)
    is_platform_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    # Flask-Login protocol. The id kept in the cookie session is the token of a
    # server-side AuthSession row, so logging out or changing the password ends it.
    session_token = None  # set per instance by the login code; not a column
    is_active = True
    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str | None:
        return self.session_token

    def __repr__(self) -> str:  # pragma: no cover
        return f"<User {self.id} {self.username}>"


class AuthSession(db.Model):
    __tablename__ = "auth_session"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)


class SecurityEvent(db.Model):
    """Platform-level security log (login failures etc.); not part of any community chain."""

    __tablename__ = "security_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(String(30))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    login_attempted: Mapped[str | None] = mapped_column(String(32))
    remote_addr: Mapped[str | None] = mapped_column(String(45))
