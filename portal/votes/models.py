"""Polls, their options and electorate, the roll (who took part) and the ballots (what
was chosen). Roll and ballots are separate tables and nothing joins them: a ballot row
has no user id, no timestamp and a random tracker as its key. While the poll is open its
ballots are sealed (encrypted, portal/votes/sealing.py); the plaintext ballots are written at
close, in receipt-code order (docs/architecture.md, "Votes")."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (Boolean, CheckConstraint, ForeignKey, Index, Integer, LargeBinary, PrimaryKeyConstraint, String,
                        Text, UniqueConstraint, true)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import TZDateTime, utcnow
from ..extensions import db

KINDS = ("yes_no_abstain", "single", "up_to_k")
PRESETS = ("simple_majority", "two_thirds", "villagers_meeting")
STATES = ("draft", "open", "closed")
ORIGINS = ("web", "assisted", "paper")
YES_NO_ABSTAIN = ("yes", "no", "abstain")


class Poll(db.Model):
    __tablename__ = "poll"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id"))
    question: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(16))
    k: Mapped[int | None] = mapped_column(Integer, default=None)  # up_to_k only
    secret: Mapped[bool] = mapped_column(Boolean, default=True)
    preset: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(8), default="draft")
    opens_at: Mapped[datetime] = mapped_column(TZDateTime)
    closes_at: Mapped[datetime] = mapped_column(TZDateTime)
    # Set by the first ballot (or paper mark): from then on question, options, rules and
    # electorate are frozen.
    frozen: Mapped[bool] = mapped_column(Boolean, default=False)
    electorate_count: Mapped[int] = mapped_column(Integer, default=0)
    # Households of the electorate snapshot (at least one member on the list) when the
    # community records households; None where it does not (the villagers' meeting rule).
    households_count: Mapped[int | None] = mapped_column(Integer, default=None)
    link_kind: Mapped[str | None] = mapped_column(String(30), default=None)
    link_id: Mapped[int | None] = mapped_column(Integer, default=None)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    opened_at: Mapped[datetime | None] = mapped_column(TZDateTime, default=None)
    closed_at: Mapped[datetime | None] = mapped_column(TZDateTime, default=None)
    # Stored at close, never recomputed per request.
    quorum_met: Mapped[bool] = mapped_column(Boolean, default=False)
    passed: Mapped[bool | None] = mapped_column(Boolean, default=None)

    options = relationship("PollOption", lazy="raise", order_by="PollOption.position",
                           cascade="all, delete-orphan")

    __table_args__ = (
        CheckConstraint("kind in ('yes_no_abstain', 'single', 'up_to_k')", name="kind"),
        CheckConstraint("preset in ('simple_majority', 'two_thirds', 'villagers_meeting')", name="preset"),
        CheckConstraint("state in ('draft', 'open', 'closed')", name="state"),
        CheckConstraint("(kind = 'up_to_k' AND k >= 1) OR (kind <> 'up_to_k' AND k IS NULL)", name="k"),
        CheckConstraint("closes_at > opens_at", name="window"),
        Index("ix_poll_list", "community_id", "state", "closes_at", "id"),
        Index("ix_poll_due", "state", "closes_at"),
    )


class PollOption(db.Model):
    __tablename__ = "poll_option"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("poll.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    # yes / no / abstain for a yes-no-abstain poll (shown translated, with a pictogram).
    key: Mapped[str | None] = mapped_column(String(8), default=None)
    label: Mapped[str] = mapped_column(String(120), default="")

    __table_args__ = (UniqueConstraint("poll_id", "position"),)


class ElectorateEntry(db.Model):
    """The verified residents of the community when the poll opened (snapshot), each with
    the household (户) they belonged to then, if the roster records one: the villagers'
    meeting rule counts households taking part against this snapshot, not against
    households as they are at close."""

    __tablename__ = "poll_electorate"

    poll_id: Mapped[int] = mapped_column(ForeignKey("poll.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id"), default=None)


class RollEntry(db.Model):
    """Who took part and how. One person, one vote: UNIQUE(poll_id, user_id)."""

    __tablename__ = "poll_roll"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("poll.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    origin: Mapped[str] = mapped_column(String(8))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), default=None)

    user = relationship("User", foreign_keys=[user_id], lazy="raise")
    recorded_by = relationship("User", foreign_keys=[recorded_by_id], lazy="raise")

    __table_args__ = (
        UniqueConstraint("poll_id", "user_id"),
        CheckConstraint("origin in ('web', 'assisted', 'paper')", name="origin"),
        CheckConstraint("(origin = 'web' AND recorded_by_id IS NULL) OR "
                        "(origin <> 'web' AND recorded_by_id IS NOT NULL AND recorded_by_id <> user_id)",
                        name="recorded_by"),
    )


class Ballot(db.Model):
    """What was chosen, published after close: no user id, no timestamp, keyed by a random
    tracker. Written only at close, by one statement in tracker order (closing.py), so on
    PostgreSQL every row has the close's xmin and the heap follows the receipt codes; on SQLite
    the table has no rowid, so rows are stored in tracker order too.

    `choice` holds the chosen option positions, ascending, joined by ','. For a
    roll-call poll `voter_id` names the voter (published with the choice after close);
    for a secret poll it is always NULL (a check constraint cannot see the poll, so the
    service guarantees it, and the secrecy tests check it)."""

    __tablename__ = "poll_ballot"

    poll_id: Mapped[int] = mapped_column(ForeignKey("poll.id", ondelete="CASCADE"))
    tracker: Mapped[str] = mapped_column(String(16))
    choice: Mapped[str] = mapped_column(String(200))

    __table_args__ = (
        PrimaryKeyConstraint("poll_id", "tracker"),
        {"sqlite_with_rowid": False},
    )


class SealedBallot(db.Model):
    """An open poll's ballot: AES-GCM of (tracker, choice), padded to one length, under the
    poll's data key (sealing.py). Deleted at close, when the plaintext ballots are written."""

    __tablename__ = "poll_sealed_ballot"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("poll.id", ondelete="CASCADE"), index=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)


class PollKey(db.Model):
    """An open poll's data key, wrapped by the server key BALLOT_KEY. Deleted at close."""

    __tablename__ = "poll_ballot_key"

    poll_id: Mapped[int] = mapped_column(ForeignKey("poll.id", ondelete="CASCADE"), primary_key=True)
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)


class RollCallVote(db.Model):
    """Roll-call polls only: who chose what, public after close. Secret polls never
    write here."""

    __tablename__ = "poll_rollcall"

    poll_id: Mapped[int] = mapped_column(ForeignKey("poll.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
    tracker: Mapped[str] = mapped_column(String(16))

    user = relationship("User", lazy="raise")


class PaperTotals(db.Model):
    """Totals counted at an offline polling station. They count only once a second
    committee member has confirmed them (two-person rule, also a check constraint)."""

    __tablename__ = "poll_paper_totals"

    poll_id: Mapped[int] = mapped_column(ForeignKey("poll.id", ondelete="CASCADE"), primary_key=True)
    ballots: Mapped[int] = mapped_column(Integer)  # paper ballots in the box, invalid ones included
    invalid: Mapped[int] = mapped_column(Integer, default=0)
    counts: Mapped[str] = mapped_column(Text)  # canonical JSON: [count of option 0, count of option 1, ...]
    entered_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    entered_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), default=None)
    confirmed_at: Mapped[datetime | None] = mapped_column(TZDateTime, default=None)

    entered_by = relationship("User", foreign_keys=[entered_by_id], lazy="raise")
    confirmed_by = relationship("User", foreign_keys=[confirmed_by_id], lazy="raise")

    __table_args__ = (
        CheckConstraint("confirmed_by_id IS NULL OR confirmed_by_id <> entered_by_id", name="two_person"),
        CheckConstraint("ballots >= 0 AND invalid >= 0 AND invalid <= ballots", name="counts"),
    )


class PollResult(db.Model):
    """The result, computed once at close and published."""

    __tablename__ = "poll_result"

    poll_id: Mapped[int] = mapped_column(ForeignKey("poll.id", ondelete="CASCADE"), primary_key=True)
    totals: Mapped[str] = mapped_column(Text)  # canonical JSON list, one count per option position
    turnout_web: Mapped[int] = mapped_column(Integer, default=0)
    turnout_assisted: Mapped[int] = mapped_column(Integer, default=0)
    turnout_paper: Mapped[int] = mapped_column(Integer, default=0)
    online_ballots: Mapped[int] = mapped_column(Integer, default=0)
    paper_invalid: Mapped[int] = mapped_column(Integer, default=0)
    paper_counted: Mapped[bool] = mapped_column(Boolean, default=True)
    winners: Mapped[str] = mapped_column(String(200), default="")
    # Households of the snapshot with at least one member on the roll (any origin); None
    # when the poll had no households recorded.
    households_taking_part: Mapped[int | None] = mapped_column(Integer, default=None)
    # False: a secret poll where too few took part (closing.small_turnout): only the totals and
    # the outcome are published, not the ballots table nor the named roll; each voter still finds
    # their own ballot with their code. Decided once, at close.
    ballots_published: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true(),
                                                    nullable=False)
    ballots_sha256: Mapped[str] = mapped_column(String(64))
    roll_sha256: Mapped[str] = mapped_column(String(64))
    computed_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)

    @property
    def turnout(self) -> int:
        return self.turnout_web + self.turnout_assisted + self.turnout_paper
