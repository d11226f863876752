"""Casting a ballot: on the web (the resident) and assisted (a committee member records the choice
of a resident who is present). Refusals of the choice name the form field "choice".

Secrecy: the audit payloads name who took part and how, never what they chose nor the receipt
code; a secret ballot has no user id and no timestamp, and a random tracker (the voter's receipt)
as its key. While the poll is open the ballot is sealed (sealing.py): written in the transaction of
the roll entry, so on PostgreSQL the sealed row's xmin equals the roll row's, but its content opens
only with BALLOT_KEY; the plaintext ballots are written at close (closing.py).
"""
from __future__ import annotations

import secrets
from base64 import b32encode
from typing import NamedTuple

from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, String, func, insert, literal_column, select, update
from sqlalchemy import cast as sa_cast
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql.expression import bindparam

from ..assisted import services as assisted
from ..audit import chain as audit
from ..db import pk_of, utcnow
from ..extensions import db
from ..web.errors import RuleViolation
from . import closing, results, sealing
from .models import (
    ElectorateEntry,
    Poll,
    PollKey,
    PollOption,
    RollCallVote,
    RollEntry,
    SealedBallot,
)
from .services import option_count


class AlreadyVoted(RuleViolation):
    """The roll already has this person for this poll (the UNIQUE constraint said so)."""


class NotOpen(RuleViolation):
    """The poll is not open for voting (not yet, or no longer)."""


# Receipt codes: 80 random bits as 16 characters of Crockford's base 32, which has no I, L, O or U,
# so nothing on a receipt can be read as another character. Codes made before (RFC 4648 base 32:
# A-Z and 2-7, with I, L and O) stay valid: "find my ballot" tries both readings (tracker_candidates).
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_RFC4648 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_TO_CROCKFORD = bytes.maketrans(_RFC4648.encode(), ALPHABET.encode())
TRACKER_RE = r"[0-9A-Z]{16}"  # a code of either alphabet, as stored (no dashes)


def new_tracker() -> str:
    """80 random bits as 16 characters of Crockford base 32 (no I, L, O, U)."""
    return b32encode(secrets.token_bytes(10)).translate(_TO_CROCKFORD).decode("ascii")


def normalise_tracker(text: str) -> str:
    """What was typed, upper case, without spaces, dashes or other marks."""
    return "".join(ch for ch in (text or "").upper() if ch.isascii() and ch.isalnum())[:32]


_FOLD = str.maketrans({"O": "0", "I": "1", "L": "1"})


def tracker_candidates(text: str) -> list[str]:
    """The codes a typed code can mean, the usual confusions allowed: a new code with O for 0 or
    I / L for 1 (folded), and an old code (A-Z, 2-7) typed with 0 for O or 1 for I or L. At most
    a few hundred; empty if nothing code-like was typed."""
    asked = normalise_tracker(text)
    if not asked:
        return []
    folded = asked.translate(_FOLD)
    out = {asked, folded}
    old = [""]
    for ch in folded:
        if ch == "0":
            opts = "O"
        elif ch == "1":
            opts = "IL"
        elif ch in _RFC4648:
            opts = ch
        else:  # 8 or 9: not an old code
            old = []
            break
        old = [o + c for o in old for c in opts]
        if len(old) > 256:
            old = []
            break
    out.update(old)
    return sorted(out)


# The cast path is the hot path of a vote day (issue 5: >= 500 ballots/s on two cores), so
# it is written with prebuilt Core statements (compiled once per process, no ORM unit of
# work) and reads what it needs about the poll from the row it locks, not from the
# possibly stale (or, after a commit, expired) Poll object: 5 statements for a cast on
# PostgreSQL and on SQLite (freeze, roll, ballot, audit head, audit event + head).

_P, _O, _E, _R, _K = (Poll.__table__, PollOption.__table__, ElectorateEntry.__table__, RollEntry.__table__,
                      PollKey.__table__)

# Freeze (the row lock: casts of one poll queue here, and a close or an edit waits for
# them) and read, under that lock, what the cast needs to know about the poll.
_FREEZE = (update(_P).where(_P.c.id == bindparam("p_poll"), _P.c.state == "open",
                            _P.c.closes_at > bindparam("p_now")).values(frozen=True)
           .returning(_P.c.kind, _P.c.k, _P.c.secret,
                      select(func.count()).where(_O.c.poll_id == bindparam("p_poll")).scalar_subquery(),
                      select(_K.c.wrapped).where(_K.c.poll_id == bindparam("p_poll")).scalar_subquery(),
                      _P.c.electorate_count))


def _roll_insert(insert_):
    # One statement: copy the voter's electorate entry into the roll unless the roll has
    # them already. The UNIQUE(poll_id, user_id) constraint decides (ON CONFLICT DO NOTHING).
    # It also returns how many others are on the roll: the statement starts after the freeze
    # took the poll's row lock, so on PostgreSQL its snapshot holds every cast committed before
    # this one (a cast running beside it waits at the freeze); "others" leaves out the new row,
    # whether or not a dialect's RETURNING sees it. The vote that completes the electorate
    # closes the poll (closing.close_if_complete).
    # (Written out: SQLAlchemy renders RETURNING's columns without their table, which would make
    # the correlated subquery ambiguous.)
    others = literal_column("(SELECT count(*) FROM poll_roll AS others "
                            "WHERE others.poll_id = poll_roll.poll_id AND others.id <> poll_roll.id)", Integer)
    return insert_(_R).from_select(
        ["poll_id", "user_id", "origin", "recorded_by_id"],
        select(_E.c.poll_id, _E.c.user_id, sa_cast(bindparam("p_origin", type_=String), String),
               sa_cast(bindparam("p_recorder", type_=Integer), Integer))
        .where(_E.c.poll_id == bindparam("p_poll"), _E.c.user_id == bindparam("p_user"))
    ).on_conflict_do_nothing(index_elements=["poll_id", "user_id"]).returning(_R.c.id, others)


_ROLL = {"postgresql": _roll_insert(pg_insert), "sqlite": _roll_insert(sqlite_insert)}
_IN_ELECTORATE = select(_E.c.user_id).where(_E.c.poll_id == bindparam("p_poll"), _E.c.user_id == bindparam("p_user"))
_SEALED = insert(SealedBallot.__table__)
_KEY = insert(_K)
_ROLLCALL = insert(RollCallVote.__table__)


class _Facts(NamedTuple):
    """The poll as read under its row lock by the freezing statement."""
    kind: str
    k: int | None
    secret: bool
    options: int
    wrapped_key: bytes | None  # the poll's data key, wrapped by BALLOT_KEY (None: not made yet)
    electorate: int
    complete: bool = False  # this participation completes the electorate (everyone has taken part)


def _parse_choice(positions) -> list[int]:
    try:
        chosen = sorted({int(p) for p in positions})
    except (TypeError, ValueError):
        raise RuleViolation(_l("Please choose one of the listed options."), field="choice") from None
    if not chosen:
        raise RuleViolation(_l("Please choose one of the listed options."), field="choice")
    return chosen


def _check_range(chosen: list[int], n: int, kind: str, k: int | None) -> list[int]:
    if any(not 1 <= p <= n for p in chosen):
        raise RuleViolation(_l("Please choose one of the listed options."), field="choice")
    if len(chosen) > (k if kind == "up_to_k" else 1):
        raise RuleViolation(_l("You chose more options than allowed."), field="choice")
    return chosen


def check_choice(poll: Poll, positions) -> list[int]:
    chosen = _parse_choice(positions)
    return _check_range(chosen, option_count(poll), poll.kind, poll.k)


def take_part(community, poll: Poll, voter, origin: str, recorded_by) -> _Facts:
    """Freeze the poll (row lock: casts of one poll queue here, and a close or an edit
    waits for them), check the electorate, and write the roll entry: the UNIQUE
    constraint refuses a second one. Returns the poll's facts read under the lock."""
    session = db.session
    session.flush()  # pending changes first, as an ORM statement's autoflush would
    conn = session.connection()  # Core statements straight on the transaction's connection
    poll_id, voter_id = pk_of(poll), pk_of(voter)
    row = conn.execute(_FREEZE, {"p_poll": poll_id, "p_now": utcnow()}).first()
    if row is None:
        raise NotOpen(_l("This poll is not open for voting."))
    params = {"p_poll": poll_id, "p_user": voter_id, "p_origin": origin,
              "p_recorder": pk_of(recorded_by) if recorded_by is not None else None}
    entry = conn.execute(_ROLL[conn.dialect.name], params).first()
    if entry is None:
        if conn.execute(_IN_ELECTORATE, params).first() is None:
            raise RuleViolation(_l("This person is not on the list of voters of this poll."))
        raise AlreadyVoted(_l("A vote has already been recorded for this person in this poll. "
                              "A vote cannot be changed."))
    return _Facts(*row, complete=entry[1] + 1 >= row.electorate_count)


def data_key(poll_id: int, wrapped: bytes | None) -> bytes:
    """The poll's data key, unwrapped; made (and stored wrapped) if the poll has none yet: a
    poll opened before ballots were sealed. Called under the poll's row lock."""
    if wrapped is None:
        wrapped = sealing.new_wrapped_key(poll_id)
        db.session.connection().execute(_KEY, {"poll_id": poll_id, "wrapped": wrapped})
    return sealing.unwrap(wrapped, poll_id)


def write_ballot(poll: Poll, voter, chosen: list[int], facts: _Facts) -> str:
    """The sealed ballot (no user id, no time, the tracker and the choice inside the seal); for
    a roll-call poll the public (voter, tracker) row too. `facts`: as read under the poll's lock."""
    poll_id = pk_of(poll)
    tracker = new_tracker()
    conn = db.session.connection()
    key = data_key(poll_id, facts.wrapped_key)
    conn.execute(_SEALED, {"poll_id": poll_id,
                           "sealed": sealing.seal(key, poll_id, tracker, results.format_choice(chosen))})
    if not facts.secret:
        conn.execute(_ROLLCALL, {"poll_id": poll_id, "user_id": pk_of(voter), "tracker": tracker})
    return tracker


def cast(community, poll: Poll, positions, *, actor) -> str:
    """A resident votes on the web. Returns the tracker (their receipt).

    The choice is checked against the poll as read under its lock (the freezing
    statement returns its kind, k and number of options). A refused choice, like a
    refused second vote, raises after the freeze: the caller rolls back, as for every
    RuleViolation (the action wrapper does)."""
    chosen = _parse_choice(positions)
    facts = take_part(community, poll, actor, "web", None)
    _check_range(chosen, facts.options, facts.kind, facts.k)
    tracker = write_ballot(poll, actor, chosen, facts)
    audit.record(community, "poll.participated", poll, {"origin": "web"}, actor_role="resident", actor=actor)
    if facts.complete:  # the last one on the list: the poll closes in this transaction
        closing.close_if_complete(community, poll)
    return tracker


ASSISTED_KIND = "poll.participated"


def cast_assisted(community, poll: Poll, voter, positions, *, present: bool, agreed: bool, actor) -> str:
    """A committee member records the choice of a resident present in person, who agrees.

    It goes on the shared ledger of assisted actions (portal.assisted): the resident sees
    "recorded by X with Y" in their history, is told at the next sign-in and can object
    within 7 days. The ledger's subject is the poll, never the ballot or its tracker, and
    neither the ledger nor any audit payload holds the choice: for a secret poll nothing
    joins the resident to what was chosen."""
    if voter.id == actor.id:
        raise RuleViolation(_l("You cannot record your own vote as assisted; vote yourself."), field="voter")
    chosen = check_choice(poll, positions)
    tracker = None

    def record():
        nonlocal tracker
        facts = take_part(community, poll, voter, "assisted", actor)
        tracker = write_ballot(poll, voter, _check_range(chosen, facts.options, facts.kind, facts.k), facts)
        audit.record(community, "poll.participated", poll, {"origin": "assisted", "voter": voter.id},
                     actor_role="committee", actor=actor)
        if facts.complete:
            closing.close_if_complete(community, poll)
        return poll

    assisted.act_for(community, voter, ASSISTED_KIND, present, agreed, record, actor=actor)
    return tracker
