"""Paper ballots at an offline polling station: mark who voted on paper, enter the counted
totals, and a second committee member confirms them (two-person rule). Refusals name the field of
the paper forms they are about (PaperMarkForm.voters, PaperTotalsForm.ballots, invalid, counts).
"""
from __future__ import annotations

import json

from flask_babel import lazy_gettext as _l
from ..audit import chain as audit
from ..db import utcnow
from ..extensions import db
from ..web.errors import RuleViolation
from . import closing
from .casting import NotOpen, take_part
from .models import PaperTotals, Poll
from .services import lock, option_count, paper_roll_count, paper_totals


def mark_paper(community, poll: Poll, voters, *, actor) -> int:
    """Residents who voted at the paper polling station: they can no longer vote online."""
    voters = list(voters)
    if not voters:
        raise RuleViolation(_l("Choose at least one resident."), field="voters")
    pt = paper_totals(poll)
    if pt is not None and pt.confirmed_by_id is not None:
        raise RuleViolation(_l("The paper totals are already confirmed; no more paper voters can be added."))
    for voter in voters:
        if voter.id == actor.id:
            raise RuleViolation(_l("Another committee member must record your own paper vote."), field="voters")
        take_part(community, poll, voter, "paper", actor)
        audit.record(community, "poll.participated", poll, {"origin": "paper", "voter": voter.id},
                     actor_role="committee", actor=actor)
    # A complete roll with paper voters closes only once their totals are confirmed (below).
    return len(voters)


def _check_paper(poll: Poll, ballots: int, invalid: int, counts: list[int]) -> None:
    n = option_count(poll)
    if len(counts) != n or any(c < 0 for c in counts):
        raise RuleViolation(_l("Please give a count (0 or more) for every option."), field="counts")
    if ballots < 0:
        raise RuleViolation(_l("Please give a count (0 or more) for every option."), field="ballots")
    if invalid < 0 or invalid > ballots:
        raise RuleViolation(_l("There cannot be more invalid ballots than ballots in the box."), field="invalid")
    if ballots != paper_roll_count(poll):
        raise RuleViolation(_l("The number of paper ballots must equal the number of residents marked as "
                               "having voted on paper."), field="ballots")
    valid = ballots - invalid
    if poll.kind == "up_to_k":
        if any(c > valid for c in counts) or sum(counts) > poll.k * valid:
            raise RuleViolation(_l("These counts do not fit the number of valid paper ballots."), field="counts")
    elif sum(counts) != valid:
        raise RuleViolation(_l("The counts must add up to the number of valid paper ballots."), field="counts")


def enter_paper_totals(community, poll: Poll, ballots: int, invalid: int, counts: list[int], *, actor) -> PaperTotals:
    poll = lock(poll)
    if poll.state != "open":
        raise NotOpen(_l("This poll is not open for voting."))
    pt = paper_totals(poll)
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
    audit.record(community, "poll.paper_entered", poll,
                 {"ballots": ballots, "invalid": invalid, "counts": counts}, actor_role="committee", actor=actor)
    return pt


def confirm_paper_totals(community, poll: Poll, *, actor) -> PaperTotals:
    poll = lock(poll)
    pt = paper_totals(poll)
    if poll.state != "open" or pt is None or pt.confirmed_by_id is not None:
        raise RuleViolation(_l("There are no paper totals waiting for confirmation."))
    if pt.entered_by_id == actor.id:
        raise RuleViolation(_l("A second committee member must confirm the paper totals."))
    _check_paper(poll, pt.ballots, pt.invalid, json.loads(pt.counts))
    pt.confirmed_by_id, pt.confirmed_at = actor.id, utcnow()
    db.session.flush()
    audit.record(community, "poll.paper_confirmed", poll,
                 {"ballots": pt.ballots, "invalid": pt.invalid, "counts": json.loads(pt.counts),
                  "entered_by": pt.entered_by_id}, actor_role="committee", actor=actor)
    closing.close_if_complete(community, poll)  # everyone has taken part: the poll closes now
    return pt
