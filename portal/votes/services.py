"""Poll use cases: explicit community and actor, one use case per function, the audit
event in the same transaction; the view commits.

Secrecy: the audit payloads name who took part and how (web / assisted / paper),
never what they chose. The roll and the ballots are written in one transaction but
share no column; a secret ballot has no user id and no timestamp.
"""
from __future__ import annotations

import json
import secrets
from base64 import b32encode
from datetime import datetime, timezone
from typing import NamedTuple

from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, String, and_, func, insert, literal, select, update
from sqlalchemy import cast as sa_cast
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql.expression import bindparam

from .. import audit
from ..assisted import services as assisted
from ..communities.models import Membership
from ..db import pk_of, utcnow
from ..web.errors import RuleViolation
from ..extensions import db
from ..roster.models import Household, HouseholdMember
from . import households, links, results, rules
from .models import (KINDS, PRESETS, YES_NO_ABSTAIN, Ballot, ElectorateEntry, PaperTotals, Poll, PollOption,
                     PollResult, RollCallVote, RollEntry)

QUESTION_MAX = 200
DESCRIPTION_MAX = 5000
OPTION_MAX = 120
MAX_OPTIONS = 20


class PollFrozen(RuleViolation):
    """Question, options, rules and electorate cannot change after the first ballot."""


class AlreadyVoted(RuleViolation):
    """The roll already has this person for this poll (the UNIQUE constraint said so)."""


class NotOpen(RuleViolation):
    """The poll is not open for voting (not yet, or no longer)."""


def new_tracker() -> str:
    """80 random bits as 16 base-32 characters (A-Z, 2-7)."""
    return b32encode(secrets.token_bytes(10)).decode("ascii")


def normalise_tracker(text: str) -> str:
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())[:32]


# -- creating and editing ---------------------------------------------------------

def _aware(dt: datetime) -> datetime:
    return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt


def _check(community, question, description, options, kind, k, opens_at, closes_at, preset, link_kind, link_id):
    question, description = (question or "").strip(), (description or "").strip()
    if not question or len(question) > QUESTION_MAX or len(description) > DESCRIPTION_MAX:
        raise RuleViolation(_l("A poll needs a question (at most 200 characters)."))
    if kind not in KINDS or preset not in PRESETS:
        raise RuleViolation(_l("Please choose the kind of poll and its rule from the list."))
    if kind == "yes_no_abstain":
        labels, k = [], None
    else:
        labels = [o.strip() for o in options if o and o.strip()]
        if len(labels) < 2 or len(labels) > MAX_OPTIONS:
            raise RuleViolation(_l("A choice poll needs between 2 and 20 options, one per line."))
        if any(len(o) > OPTION_MAX for o in labels) or len(set(labels)) != len(labels):
            raise RuleViolation(_l("Each option must be different and at most 120 characters long."))
        if kind == "single":
            k = None
        elif k is None or not 1 <= k < len(labels):
            raise RuleViolation(_l("For “up to k” choose a k from 1 to one less than the number of options."))
    if opens_at is None or closes_at is None:
        raise RuleViolation(_l("Please give the opening and the closing time."))
    opens_at, closes_at = _aware(opens_at), _aware(closes_at)
    if closes_at <= opens_at or closes_at <= utcnow():
        raise RuleViolation(_l("The closing time must be in the future and after the opening time."))
    if link_kind is not None:
        try:
            kind_ = links.get(link_kind)
        except KeyError:
            raise RuleViolation(_l("This poll cannot be linked to that.")) from None
        if link_id is None or kind_.load(community, link_id) is None:
            raise RuleViolation(_l("The linked item was not found in this community."))
    elif link_id is not None:
        raise RuleViolation(_l("This poll cannot be linked to that."))
    return question, description, labels, k, opens_at, closes_at


def _options_for(kind, labels):
    if kind == "yes_no_abstain":
        return [PollOption(position=i, key=key, label="") for i, key in enumerate(YES_NO_ABSTAIN, start=1)]
    return [PollOption(position=i, label=label) for i, label in enumerate(labels, start=1)]


def create_poll(community, actor, *, question, description, options: list[str], kind, k=None, secret,
                opens_at, closes_at, preset, link_kind=None, link_id=None) -> Poll:
    question, description, labels, k, opens_at, closes_at = _check(
        community, question, description, options, kind, k, opens_at, closes_at, preset, link_kind, link_id)
    poll = Poll(community_id=community.id, question=question, description=description, kind=kind, k=k,
                secret=bool(secret), preset=preset, state="draft", opens_at=opens_at, closes_at=closes_at,
                link_kind=link_kind, link_id=link_id, created_by_id=actor.id, frozen=False, electorate_count=0,
                quorum_met=False, passed=None)
    poll.options = _options_for(kind, labels)
    db.session.add(poll)
    db.session.flush()
    audit.record(community, actor, "poll.created", poll, _described(poll, labels), actor_role="committee")
    return poll


def _described(poll, labels) -> dict:
    return {"question": poll.question, "kind": poll.kind, "k": poll.k, "secret": poll.secret,
            "preset": poll.preset, "options": labels,
            "opens_at": poll.opens_at.strftime("%Y-%m-%dT%H:%MZ"), "closes_at": poll.closes_at.strftime("%Y-%m-%dT%H:%MZ"),
            "link": [poll.link_kind, poll.link_id] if poll.link_kind else None}


def _lock(poll: Poll) -> Poll:
    """Re-read the poll under a row lock (PostgreSQL); SQLite has one writer anyway."""
    db.session.flush()
    q = select(Poll).where(Poll.id == poll.id).execution_options(populate_existing=True)
    if db.session.get_bind().dialect.name == "postgresql":
        q = q.with_for_update()
    return db.session.execute(q).scalar_one()


def edit_poll(community, actor, poll: Poll, *, question, description, options: list[str], kind, k=None, secret,
              opens_at, closes_at, preset, link_kind=None, link_id=None) -> Poll:
    poll = _lock(poll)
    if poll.frozen or poll.state == "closed":
        raise PollFrozen(_l("Votes have been cast: the question, options and rules can no longer change."))
    question, description, labels, k, opens_at, closes_at = _check(
        community, question, description, options, kind, k, opens_at, closes_at, preset, link_kind, link_id)
    if poll.state == "open":
        opens_at = poll.opens_at  # already open: the start stays what it was
    before = _described(poll, [o.label for o in _options(poll)])
    db.session.execute(PollOption.__table__.delete().where(PollOption.poll_id == poll.id))
    db.session.expire(poll, ["options"])
    poll.question, poll.description, poll.kind, poll.k, poll.secret = question, description, kind, k, bool(secret)
    poll.preset, poll.opens_at, poll.closes_at = preset, opens_at, closes_at
    poll.link_kind, poll.link_id = link_kind, link_id
    db.session.add_all([PollOption(poll_id=poll.id, position=o.position, key=o.key, label=o.label)
                        for o in _options_for(kind, labels)])
    db.session.flush()
    after = _described(poll, labels)
    audit.record(community, actor, "poll.edited", poll, {k_: v for k_, v in after.items() if before.get(k_) != v},
                 actor_role="committee")
    return poll


def _options(poll: Poll) -> list[PollOption]:
    return db.session.execute(select(PollOption).where(PollOption.poll_id == poll.id)
                              .order_by(PollOption.position)).scalars().all()


options_of = _options


# -- opening ----------------------------------------------------------------------

def open_poll(community, actor, poll: Poll) -> Poll:
    poll = _lock(poll)
    if poll.state != "draft":
        raise RuleViolation(_l("Only a draft poll can be opened."))
    now = utcnow()
    if poll.closes_at <= now:
        raise RuleViolation(_l("The closing time has passed: change it before opening the poll."))
    # The snapshot: every verified resident, with their household of this community if
    # the roster records one (the villagers' meeting rule counts households).
    db.session.execute(insert(ElectorateEntry).from_select(
        ["poll_id", "user_id", "household_id"],
        select(literal(poll.id, Integer), Membership.user_id, Household.id)
        .outerjoin(HouseholdMember, HouseholdMember.membership_id == Membership.id)
        .outerjoin(Household, and_(Household.id == HouseholdMember.household_id,
                                   Household.community_id == community.id))
        .where(Membership.community_id == community.id, Membership.status == "verified")))
    count = db.session.execute(select(func.count()).select_from(ElectorateEntry)
                               .where(ElectorateEntry.poll_id == poll.id)).scalar_one()
    poll.state, poll.opened_at, poll.electorate_count = "open", now, count
    poll.households_count = households.electorate_households(poll)
    if poll.opens_at > now:
        poll.opens_at = now
    db.session.flush()
    payload = {"electorate": count}
    if poll.households_count is not None:
        payload["households"] = poll.households_count
    audit.record(community, actor, "poll.opened", poll, payload, actor_role="committee")
    return poll


# -- casting ----------------------------------------------------------------------
#
# The cast path is the hot path of a vote day (issue 5: >= 500 ballots/s on two cores), so
# it is written with prebuilt Core statements (compiled once per process, no ORM unit of
# work) and reads what it needs about the poll from the row it locks, not from the
# possibly stale (or, after a commit, expired) Poll object: 5 statements for a cast on
# PostgreSQL and on SQLite (freeze, roll, ballot, audit head, audit event + head).

_P, _O, _E, _R = Poll.__table__, PollOption.__table__, ElectorateEntry.__table__, RollEntry.__table__

# Freeze (the row lock: casts of one poll queue here, and a close or an edit waits for
# them) and read, under that lock, what the cast needs to know about the poll.
_FREEZE = (update(_P).where(_P.c.id == bindparam("p_poll"), _P.c.state == "open",
                            _P.c.closes_at > bindparam("p_now")).values(frozen=True)
           .returning(_P.c.kind, _P.c.k, _P.c.secret,
                      select(func.count()).where(_O.c.poll_id == bindparam("p_poll")).scalar_subquery()))


def _roll_insert(insert_):
    # One statement: copy the voter's electorate entry into the roll unless the roll has
    # them already. The UNIQUE(poll_id, user_id) constraint decides (ON CONFLICT DO NOTHING).
    return insert_(_R).from_select(
        ["poll_id", "user_id", "origin", "recorded_by_id"],
        select(_E.c.poll_id, _E.c.user_id, sa_cast(bindparam("p_origin", type_=String), String),
               sa_cast(bindparam("p_recorder", type_=Integer), Integer))
        .where(_E.c.poll_id == bindparam("p_poll"), _E.c.user_id == bindparam("p_user"))
    ).on_conflict_do_nothing(index_elements=["poll_id", "user_id"]).returning(_R.c.id)


_ROLL = {"postgresql": _roll_insert(pg_insert), "sqlite": _roll_insert(sqlite_insert)}
_IN_ELECTORATE = select(_E.c.user_id).where(_E.c.poll_id == bindparam("p_poll"), _E.c.user_id == bindparam("p_user"))
_BALLOT = insert(Ballot.__table__)
_ROLLCALL = insert(RollCallVote.__table__)


class _Facts(NamedTuple):
    """The poll as read under its row lock by the freezing statement."""
    kind: str
    k: int | None
    secret: bool
    options: int


def _option_count(poll: Poll) -> int:
    return db.session.execute(select(func.count()).select_from(PollOption)
                              .where(PollOption.poll_id == poll.id)).scalar_one()


def _parse_choice(positions) -> list[int]:
    try:
        chosen = sorted({int(p) for p in positions})
    except (TypeError, ValueError):
        raise RuleViolation(_l("Please choose one of the listed options.")) from None
    if not chosen:
        raise RuleViolation(_l("Please choose one of the listed options."))
    return chosen


def _check_range(chosen: list[int], n: int, kind: str, k: int | None) -> list[int]:
    if any(not 1 <= p <= n for p in chosen):
        raise RuleViolation(_l("Please choose one of the listed options."))
    if len(chosen) > (k if kind == "up_to_k" else 1):
        raise RuleViolation(_l("You chose more options than allowed."))
    return chosen


def check_choice(poll: Poll, positions) -> list[int]:
    chosen = _parse_choice(positions)
    return _check_range(chosen, _option_count(poll), poll.kind, poll.k)


def _take_part(community, poll: Poll, voter, origin: str, recorded_by) -> _Facts:
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
    if conn.execute(_ROLL[conn.dialect.name], params).first() is None:
        if conn.execute(_IN_ELECTORATE, params).first() is None:
            raise RuleViolation(_l("This person is not on the list of voters of this poll."))
        raise AlreadyVoted(_l("A vote has already been recorded for this person in this poll. "
                              "A vote cannot be changed."))
    return _Facts(*row)


def _write_ballot(poll: Poll, voter, chosen: list[int], secret: bool | None = None) -> str:
    """The ballot row (no user id, no time, a random tracker); for a roll-call poll the
    public (voter, tracker) row too. `secret`: as read under the poll's lock, if known."""
    poll_id = pk_of(poll)
    tracker = new_tracker()
    conn = db.session.connection()
    conn.execute(_BALLOT, {"poll_id": poll_id, "tracker": tracker, "choice": results.format_choice(chosen)})
    if not (poll.secret if secret is None else secret):
        conn.execute(_ROLLCALL, {"poll_id": poll_id, "user_id": pk_of(voter), "tracker": tracker})
    return tracker


def cast(community, actor, poll: Poll, positions) -> str:
    """A resident votes on the web. Returns the tracker (their receipt).

    The choice is checked against the poll as read under its lock (the freezing
    statement returns its kind, k and number of options). A refused choice, like a
    refused second vote, raises after the freeze: the caller rolls back, as for every
    RuleViolation (the error handler does)."""
    chosen = _parse_choice(positions)
    facts = _take_part(community, poll, actor, "web", None)
    _check_range(chosen, facts.options, facts.kind, facts.k)
    tracker = _write_ballot(poll, actor, chosen, facts.secret)
    audit.record(community, actor, "poll.participated", poll, {"origin": "web"}, actor_role="resident")
    return tracker


ASSISTED_KIND = "poll.participated"


def cast_assisted(community, actor, poll: Poll, voter, positions, *, present: bool, agreed: bool) -> str:
    """A committee member records the choice of a resident present in person, who agrees.

    It goes on the shared ledger of assisted actions (portal.assisted): the resident sees
    "recorded by X with Y" in their history, is told at the next sign-in and can object
    within 7 days. The ledger's subject is the poll, never the ballot or its tracker, and
    neither the ledger nor any audit payload holds the choice: for a secret poll nothing
    joins the resident to what was chosen."""
    if voter.id == actor.id:
        raise RuleViolation(_l("You cannot record your own vote as assisted; vote yourself."))
    chosen = check_choice(poll, positions)
    tracker = None

    def take_part():
        nonlocal tracker
        _take_part(community, poll, voter, "assisted", actor)
        tracker = _write_ballot(poll, voter, chosen)
        audit.record(community, actor, "poll.participated", poll, {"origin": "assisted", "voter": voter.id},
                     actor_role="committee")
        return poll

    assisted.act_for(actor, community, voter, ASSISTED_KIND, present, agreed, take_part)
    return tracker


# -- paper ballots ----------------------------------------------------------------

def _paper_totals(poll: Poll) -> PaperTotals | None:
    return db.session.get(PaperTotals, poll.id, populate_existing=True)


paper_totals = _paper_totals


def mark_paper(community, actor, poll: Poll, voters) -> int:
    """Residents who voted at the paper polling station: they can no longer vote online."""
    voters = list(voters)
    if not voters:
        raise RuleViolation(_l("Choose at least one resident."))
    pt = _paper_totals(poll)
    if pt is not None and pt.confirmed_by_id is not None:
        raise RuleViolation(_l("The paper totals are already confirmed; no more paper voters can be added."))
    for voter in voters:
        if voter.id == actor.id:
            raise RuleViolation(_l("Another committee member must record your own paper vote."))
        _take_part(community, poll, voter, "paper", actor)
        audit.record(community, actor, "poll.participated", poll, {"origin": "paper", "voter": voter.id},
                     actor_role="committee")
    return len(voters)


def _paper_roll_count(poll: Poll) -> int:
    return db.session.execute(select(func.count()).select_from(RollEntry).where(
        RollEntry.poll_id == poll.id, RollEntry.origin == "paper")).scalar_one()


paper_roll_count = _paper_roll_count


def _check_paper(poll: Poll, ballots: int, invalid: int, counts: list[int]) -> None:
    n = _option_count(poll)
    if len(counts) != n or any(c < 0 for c in counts) or invalid < 0 or invalid > ballots:
        raise RuleViolation(_l("Please give a count (0 or more) for every option."))
    if ballots != _paper_roll_count(poll):
        raise RuleViolation(_l("The number of paper ballots must equal the number of residents marked as "
                               "having voted on paper."))
    valid = ballots - invalid
    if poll.kind == "up_to_k":
        if any(c > valid for c in counts) or sum(counts) > poll.k * valid:
            raise RuleViolation(_l("These counts do not fit the number of valid paper ballots."))
    elif sum(counts) != valid:
        raise RuleViolation(_l("The counts must add up to the number of valid paper ballots."))


def enter_paper_totals(community, actor, poll: Poll, ballots: int, invalid: int, counts: list[int]) -> PaperTotals:
    poll = _lock(poll)
    if poll.state != "open":
        raise NotOpen(_l("This poll is not open for voting."))
    pt = _paper_totals(poll)
    if pt is not None and pt.confirmed_by_id is not None:
        raise RuleViolation(_l("The paper totals are already confirmed."))
    _check_paper(poll, ballots, invalid, counts)
    if pt is None:
        pt = PaperTotals(poll_id=poll.id)
        db.session.add(pt)
    with db.session.no_autoflush:
        pt.ballots, pt.invalid, pt.counts = ballots, invalid, json.dumps(counts)
        pt.entered_by_id, pt.entered_at = actor.id, utcnow()
    db.session.flush()
    audit.record(community, actor, "poll.paper_entered", poll,
                 {"ballots": ballots, "invalid": invalid, "counts": counts}, actor_role="committee")
    return pt


def confirm_paper_totals(community, actor, poll: Poll) -> PaperTotals:
    poll = _lock(poll)
    pt = _paper_totals(poll)
    if poll.state != "open" or pt is None or pt.confirmed_by_id is not None:
        raise RuleViolation(_l("There are no paper totals waiting for confirmation."))
    if pt.entered_by_id == actor.id:
        raise RuleViolation(_l("A second committee member must confirm the paper totals."))
    _check_paper(poll, pt.ballots, pt.invalid, json.loads(pt.counts))
    pt.confirmed_by_id, pt.confirmed_at = actor.id, utcnow()
    db.session.flush()
    audit.record(community, actor, "poll.paper_confirmed", poll,
                 {"ballots": pt.ballots, "invalid": pt.invalid, "counts": json.loads(pt.counts),
                  "entered_by": pt.entered_by_id}, actor_role="committee")
    return pt


# -- closing ----------------------------------------------------------------------

def roll_count(poll: Poll) -> int:
    return db.session.execute(select(func.count()).select_from(RollEntry)
                              .where(RollEntry.poll_id == poll.id)).scalar_one()


def close_poll(community, actor, poll: Poll, *, automatic: bool = False) -> Poll:
    """Close and publish the result. Early (before the closing time) only when every
    eligible resident has voted and any paper totals are confirmed."""
    now = utcnow()
    poll = _lock(poll)
    if poll.state != "open":
        raise RuleViolation(_l("Only an open poll can be closed."))
    due = poll.closes_at <= now
    if automatic and not due:
        raise RuleViolation(_l("The closing time has not come yet."))
    if not due:
        if roll_count(poll) < poll.electorate_count:
            raise RuleViolation(_l("The poll can close early only when every eligible resident has voted."))
        pt = _paper_totals(poll)
        if _paper_roll_count(poll) and (pt is None or pt.confirmed_by_id is None):
            raise RuleViolation(_l("The paper totals must be entered and confirmed before closing."))
    poll.state, poll.closed_at = "closed", now
    db.session.flush()
    audit.record(community, actor, "poll.closed", poll, {"automatic": automatic, "early": not due},
                 actor_role="system" if actor is None else "committee")
    _publish_result(community, poll, actor)
    return poll


def _publish_result(community, poll: Poll, actor=None) -> PollResult:
    opts = _options(poll)
    n = len(opts)
    totals = [0] * n
    online = 0
    for choice, count in db.session.execute(
            select(Ballot.choice, func.count()).where(Ballot.poll_id == poll.id).group_by(Ballot.choice)):
        online += count
        for pos in results.parse_choice(choice):
            totals[pos - 1] += count
    turnout = dict(db.session.execute(select(RollEntry.origin, func.count()).where(RollEntry.poll_id == poll.id)
                                      .group_by(RollEntry.origin)).all())
    pt = _paper_totals(poll)
    paper_counted = pt is not None and pt.confirmed_by_id is not None
    invalid = 0
    if paper_counted:
        totals = [a + b for a, b in zip(totals, json.loads(pt.counts))]
        invalid = pt.invalid
    people = sum(turnout.values())
    # Paper voters whose ballots were never confirmed took part but have no valid ballot.
    valid = online + ((pt.ballots - pt.invalid) if paper_counted else 0)
    hh_part = households.households_taking_part(poll)
    tally = rules.Tally(poll.kind, tuple(totals), people, valid, poll.electorate_count, poll.k,
                        poll.households_count, hh_part)
    outcome = rules.decide(poll.preset, tally)
    r = PollResult(poll_id=poll.id, totals=json.dumps(totals), turnout_web=turnout.get("web", 0),
                   turnout_assisted=turnout.get("assisted", 0), turnout_paper=turnout.get("paper", 0),
                   online_ballots=online, paper_invalid=invalid, paper_counted=paper_counted or not turnout.get("paper"),
                   winners=results.format_choice(p + 1 for p in outcome.winners), households_taking_part=hh_part,
                   ballots_sha256=results.sha256_of(results.ballot_lines(poll.id)),
                   roll_sha256=results.sha256_of(results.roll_lines(poll.id)), computed_at=utcnow())
    db.session.add(r)
    poll.quorum_met, poll.passed = outcome.quorum_met, outcome.passed
    db.session.flush()
    audit.record(community, None, "poll.result_published", poll,
                 {"totals": totals, "turnout": {"web": r.turnout_web, "assisted": r.turnout_assisted,
                                                "paper": r.turnout_paper},
                  "eligible": poll.electorate_count, "quorum_met": outcome.quorum_met, "passed": outcome.passed,
                  "winners": r.winners, "paper_counted": r.paper_counted,
                  "ballots_sha256": r.ballots_sha256, "roll_sha256": r.roll_sha256,
                  **({"households": {"taking_part": hh_part, "total": poll.households_count}}
                     if hh_part is not None else {})}, actor_role="system")
    if poll.link_kind:
        try:
            kind = links.get(poll.link_kind)
        except KeyError:
            kind = None
        if kind is not None and kind.on_closed is not None:
            kind.on_closed(poll, kind.load(community, poll.link_id), actor)  # None: closed at its time
    return r


def close_if_due(community, poll: Poll) -> bool:
    """Checked on access: an open poll past its closing time is closed now."""
    if poll.state != "open" or poll.closes_at > utcnow():
        return False
    try:
        with db.session.begin_nested():
            close_poll(community, None, poll, automatic=True)
    except RuleViolation:
        db.session.refresh(poll)  # closed by a concurrent request meanwhile
        return False
    return True


def close_due(now: datetime | None = None) -> list[int]:
    """`flask votes close-due`: close every open poll past its closing time."""
    from ..communities.models import Community

    now = now or utcnow()
    closed = []
    due = db.session.execute(select(Poll.id, Poll.community_id).where(Poll.state == "open", Poll.closes_at <= now)
                             .order_by(Poll.id)).all()
    for poll_id, community_id in due:
        community = db.session.get(Community, community_id)
        poll = db.session.get(Poll, poll_id)
        if close_if_due(community, poll):
            closed.append(poll_id)
            db.session.commit()
    return closed


# -- recount ----------------------------------------------------------------------

def recount(poll: Poll) -> tuple[bool, list[int], list[int], list[str]]:
    """Recount from the published ballots table: (all agree, stored totals, recounted
    totals, problems)."""
    r = results.result_of(poll)
    if poll.state != "closed" or r is None:
        raise RuleViolation(_l("Only a closed poll can be recounted."))
    stored = json.loads(r.totals)
    lines = list(results.ballot_lines(poll.id))
    problems = []
    if results.sha256_of(lines) != r.ballots_sha256:
        problems.append("ballots table hash differs from the published hash")
    if results.sha256_of(results.roll_lines(poll.id)) != r.roll_sha256:
        problems.append("roll hash differs from the published hash")
    counted, ballots = results.tally_lines(lines, len(stored))
    if ballots != r.online_ballots:
        problems.append(f"{ballots} ballots in the table, {r.online_ballots} published")
    pt = _paper_totals(poll)
    if pt is not None and pt.confirmed_by_id is not None:
        counted = [a + b for a, b in zip(counted, json.loads(pt.counts))]
    if counted != stored:
        problems.append("totals differ")
    return (not problems, stored, counted, problems)
