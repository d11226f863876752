"""The published tables (ballots, roll), their hashes, and the words for a result.

The ballots table is published as CSV, `tracker,choice` sorted by tracker, where
choice is the chosen option numbers (1, 2, ...) joined by ';'. Its sha256 is taken
over exactly the bytes of that file, so anyone can download it, hash it and count it.
The roll is `user_id,origin` sorted by user id.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from .models import Ballot, PaperTotals, Poll, PollOption, PollResult, RollEntry

BALLOTS_HEADER = "tracker,choice\n"
ROLL_HEADER = "user_id,origin\n"
KEY_LABELS = {"yes": _l("Yes"), "no": _l("No"), "abstain": _l("Abstain")}


def ballot_lines(poll_id: int, batch: int = 5000) -> Iterator[str]:
    """The published ballots file, line by line (streamed in tracker order)."""
    yield BALLOTS_HEADER
    q = (select(Ballot.tracker, Ballot.choice).where(Ballot.poll_id == poll_id).order_by(Ballot.tracker)
         .execution_options(yield_per=batch))
    for tracker, choice in db.session.execute(q):
        yield f"{tracker},{choice}\n"


def roll_lines(poll_id: int) -> Iterator[str]:
    yield ROLL_HEADER
    q = select(RollEntry.user_id, RollEntry.origin).where(RollEntry.poll_id == poll_id).order_by(RollEntry.user_id)
    for user_id, origin in db.session.execute(q):
        yield f"{user_id},{origin}\n"


def sha256_of(lines) -> str:
    h = hashlib.sha256()
    for line in lines:
        h.update(line.encode("utf-8"))
    return h.hexdigest()


def parse_choice(choice: str) -> list[int]:
    return [int(x) for x in choice.split(";")] if choice else []


def format_choice(positions) -> str:
    return ";".join(str(p) for p in sorted(set(positions)))


def tally_lines(lines, n_options: int) -> tuple[list[int], int]:
    """Count a published ballots file: (votes per option, number of ballots)."""
    totals, ballots = [0] * n_options, 0
    it = iter(lines)
    header = next(it, "")
    if header != BALLOTS_HEADER:
        raise ValueError("not a ballots table")
    for line in it:
        _tracker, choice = line.rstrip("\n").split(",")
        for pos in parse_choice(choice):
            totals[pos - 1] += 1
        ballots += 1
    return totals, ballots


def paper_counts(p: PaperTotals | None) -> list[int]:
    return json.loads(p.counts) if p is not None else []


def option_label(option) -> str:
    if option.key:
        return str(KEY_LABELS[option.key])
    return option.label


def result_of(poll: Poll) -> PollResult | None:
    return db.session.get(PollResult, poll.id)


def summary(poll: Poll) -> str:
    """One sentence: outcome, votes per option, turnout."""
    if poll.state != "closed":
        return _("Voting is open.") if poll.state == "open" else _("Not open yet.")
    r = result_of(poll)
    if r is None:  # pragma: no cover - a closed poll always has its result
        return ""
    totals = json.loads(r.totals)
    opts = db.session.execute(select(PollOption).where(PollOption.poll_id == poll.id)
                              .order_by(PollOption.position)).scalars().all()
    counts = _(", ").join(_("%(option)s: %(num)d", option=option_label(o), num=totals[o.position - 1]) for o in opts)
    if not poll.quorum_met:
        verdict = _("Not valid: too few took part")
    elif poll.kind == "yes_no_abstain":
        verdict = _("Passed") if poll.passed else _("Not passed")
    elif poll.passed:
        names = [option_label(o) for o in opts if str(o.position) in r.winners.split(";")]
        verdict = _("Chosen: %(names)s", names="、".join(names))
    else:
        verdict = _("No option reached the required majority")
    return _("%(verdict)s (%(counts)s; %(turnout)d of %(eligible)d took part)", verdict=verdict, counts=counts,
             turnout=r.turnout, eligible=poll.electorate_count)
