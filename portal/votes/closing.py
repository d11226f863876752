"""Closing a poll and its result: close (by the committee, early only when everyone has voted;
or at its time, by the first request that sees it or by `flask votes close-due`), the stored
result with the hashes of the published tables, and the recount from those tables.

In the close transaction the sealed ballots are opened and written as plaintext ballots in
receipt-code order (one statement's rows: on PostgreSQL they all carry the close's xmin), and the
sealed rows and the poll's wrapped key are deleted. After that transaction commits, a session
hook (`watch_closes`) runs sealing.scrub: VACUUM on PostgreSQL, the write-ahead log truncated on
SQLite, so that nothing in the database links a ballot to a roll entry.
"""
from __future__ import annotations

import json
import logging
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, event, func, insert, select
from sqlalchemy.orm import Session

from ..audit import chain as audit
from ..db import utcnow
from ..extensions import db
from ..web.errors import RuleViolation
from . import households, links, results, rules, sealing
from .models import Ballot, Poll, PollKey, PollResult, RollEntry, SealedBallot
from .services import lock, options_of, paper_roll_count, paper_totals


def roll_count(poll: Poll) -> int:
    return db.session.execute(select(func.count()).select_from(RollEntry)
                              .where(RollEntry.poll_id == poll.id)).scalar_one()


def paper_waiting(poll: Poll) -> bool:
    """Paper voters are on the roll but their totals are not confirmed yet."""
    if not paper_roll_count(poll):
        return False
    pt = paper_totals(poll)
    return pt is None or pt.confirmed_by_id is None


def close_poll(community, poll: Poll, *, automatic: bool = False, complete: bool = False, actor) -> Poll:
    """Close and publish the result. Early (before the closing time) only when every
    eligible resident has voted and any paper totals are confirmed: by the committee, or
    (`complete`) by the participation that completed the electorate (close_if_complete)."""
    now = utcnow()
    poll = lock(poll)
    if poll.state != "open":
        raise RuleViolation(_l("Only an open poll can be closed."))
    due = poll.closes_at <= now
    if automatic and not due and not complete:
        raise RuleViolation(_l("The closing time has not come yet."))
    if not due:
        if roll_count(poll) < poll.electorate_count:
            raise RuleViolation(_l("The poll can close early only when every eligible resident has voted."))
        if paper_waiting(poll):
            raise RuleViolation(_l("The paper totals must be entered and confirmed before closing."))
    poll.state, poll.closed_at = "closed", now
    db.session.flush()
    open_ballots(poll.id)
    payload = {"automatic": automatic, "early": not due}
    if complete and not due:
        payload["reason"] = "everyone_voted"
    audit.record(community, "poll.closed", poll, payload,
                 actor_role="system" if actor is None else "committee", actor=actor)
    publish_result(community, poll, actor=actor)
    return poll


def close_if_complete(community, poll: Poll) -> bool:
    """In the transaction of the participation (web, assisted, paper) or of the paper totals'
    confirmation that completed the electorate: close the poll now, by the normal close (the
    audit event says why: "everyone_voted"). Nothing when someone has not taken part yet, or
    when paper totals are still to be confirmed (their confirmation closes it then). The
    caller holds the poll's row lock, so of two last ballots arriving at once exactly one
    sees the roll complete."""
    poll = lock(poll)
    if poll.state != "open" or roll_count(poll) < poll.electorate_count or paper_waiting(poll):
        return False
    close_poll(community, poll, automatic=True, complete=True, actor=None)
    return True


def open_ballots(poll_id: int) -> int:
    """The poll's sealed ballots (and any plaintext ones written before sealing existed) become
    its plaintext ballots, inserted in receipt-code order; the sealed rows and the wrapped key are
    deleted. Marks the session so that the database is scrubbed after the commit. Returns the
    number of ballots."""
    conn = db.session.connection()
    sealed = conn.execute(select(SealedBallot.sealed).where(SealedBallot.poll_id == poll_id)).scalars().all()
    rows = []
    if sealed:
        wrapped = conn.execute(select(PollKey.wrapped).where(PollKey.poll_id == poll_id)).scalar_one()
        key = sealing.unwrap(wrapped, poll_id)
        rows = [sealing.unseal(key, poll_id, blob) for blob in sealed]
    earlier = [tuple(r) for r in conn.execute(select(Ballot.tracker, Ballot.choice).where(Ballot.poll_id == poll_id))]
    if earlier:
        conn.execute(delete(Ballot).where(Ballot.poll_id == poll_id))
    rows = sorted(rows + earlier)
    for start in range(0, len(rows), 5000):
        conn.execute(insert(Ballot), [{"poll_id": poll_id, "tracker": t, "choice": c}
                                      for t, c in rows[start:start + 5000]])
    conn.execute(delete(SealedBallot).where(SealedBallot.poll_id == poll_id))
    conn.execute(delete(PollKey).where(PollKey.poll_id == poll_id))
    db.session.info[sealing.SCRUB_FLAG] = True
    return len(rows)


def _scrub_after_commit(session) -> None:
    # A savepoint's release (close_if_due's begin_nested) fires this too: wait for the real commit.
    if session.in_nested_transaction():
        return
    if session.info.pop(sealing.SCRUB_FLAG, False):
        try:
            session.info["yishi_last_scrub"] = sealing.scrub(session.get_bind())
        except Exception:  # the close is committed: a failed scrub must not turn it into an error page
            logging.getLogger(__name__).exception("votes: scrubbing the database after a close failed")


def _forget_scrub(session) -> None:
    session.info.pop(sealing.SCRUB_FLAG, None)


def watch_closes() -> None:
    """After a commit that closed a poll, scrub the database (sealing.scrub); a rolled-back
    close needs nothing. Registered once per process (votes.init_app)."""
    if not event.contains(Session, "after_commit", _scrub_after_commit):
        event.listen(Session, "after_commit", _scrub_after_commit)
        event.listen(Session, "after_rollback", _forget_scrub)


def min_published() -> int:
    """The fewest ballots a secret poll publishes its ballots table and roll with (setting
    VOTES_MIN_PUBLISHED, default 5)."""
    return max(1, int(current_app.config.get("VOTES_MIN_PUBLISHED", 5)))


def small_turnout(poll: Poll, people: int, online: int) -> bool:
    """A secret poll with fewer than the minimum taking part, or with fewer than the minimum
    online ballots (the table of a few online ballots next to the roll, which says who voted
    online, would show their choices): only totals and outcome are published."""
    least = min_published()
    return bool(poll.secret) and (people < least or 0 < online < least)


def publish_result(community, poll: Poll, *, actor=None) -> PollResult:
    opts = options_of(poll)
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
    pt = paper_totals(poll)
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
    r.ballots_published = not small_turnout(poll, people, online)
    db.session.add(r)
    poll.quorum_met, poll.passed = outcome.quorum_met, outcome.passed
    db.session.flush()
    audit.record(community, "poll.result_published", poll,
                 {"totals": totals, "turnout": {"web": r.turnout_web, "assisted": r.turnout_assisted,
                                                "paper": r.turnout_paper},
                  "eligible": poll.electorate_count, "quorum_met": outcome.quorum_met, "passed": outcome.passed,
                  "winners": r.winners, "paper_counted": r.paper_counted,
                  "ballots_sha256": r.ballots_sha256,
                  # A withheld roll's hash is not published either: with few voters, who took part
                  # could be found by hashing guesses.
                  **({"roll_sha256": r.roll_sha256} if r.ballots_published else {"ballots_published": False}),
                  **({"households": {"taking_part": hh_part, "total": poll.households_count}}
                     if hh_part is not None else {})}, actor_role="system", actor=None)
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
            close_poll(community, poll, automatic=True, actor=None)
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
    pt = paper_totals(poll)
    if pt is not None and pt.confirmed_by_id is not None:
        counted = [a + b for a, b in zip(counted, json.loads(pt.counts))]
    if counted != stored:
        problems.append("totals differ")
    return (not problems, stored, counted, problems)
