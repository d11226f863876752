"""Quorum and pass rules: pure functions, no database, no Flask.

Presets (docs/architecture.md, "Votes"; issue 5):

simple_majority    valid with at least one participant; passes with more yes than no
                   (abstentions and invalid ballots are not votes for or against).
two_thirds         valid with at least one participant; passes with at least two thirds
                   of the yes and no votes being yes.
villagers_meeting  村民会议: valid only if more than half of the eligible residents take
                   part, or, where households are recorded, at least two thirds of the
                   households take part; passes with more than half of those taking part
                   (so abstentions and invalid ballots count against).

For single-choice and up-to-k polls each option is measured on its own: simple
majority = more than half of the valid ballots chose it, two thirds = at least two
thirds of the valid ballots, villagers' meeting = more than half of those taking part.
At most one (single) or k (up to k) options win; a tie on the last winning place
decides nothing (passed is False, tie is True). All arithmetic is on integers.
"""
from __future__ import annotations

from dataclasses import dataclass

PRESETS = ("simple_majority", "two_thirds", "villagers_meeting")


@dataclass(frozen=True)
class Tally:
    kind: str                       # yes_no_abstain | single | up_to_k
    totals: tuple[int, ...]         # votes per option position
    turnout: int                    # people who took part (web + assisted + paper)
    valid: int                      # ballots with a valid choice (turnout minus invalid paper ballots)
    eligible: int                   # electorate snapshot
    k: int | None = None
    households_total: int | None = None
    households_taking_part: int | None = None


@dataclass(frozen=True)
class Outcome:
    quorum_met: bool
    passed: bool
    winners: tuple[int, ...] = ()   # option positions
    tie: bool = False


def quorum_met(preset: str, t: Tally) -> bool:
    if preset not in PRESETS:
        raise ValueError(preset)
    if t.turnout <= 0:
        return False
    if preset != "villagers_meeting":
        return True
    if t.eligible > 0 and 2 * t.turnout > t.eligible:
        return True
    hh_total, hh_part = t.households_total, t.households_taking_part
    return bool(hh_total and hh_part is not None and 3 * hh_part >= 2 * hh_total)


def _option_meets(preset: str, count: int, t: Tally) -> bool:
    if count <= 0:
        return False
    if preset == "simple_majority":
        return 2 * count > t.valid
    if preset == "two_thirds":
        return 3 * count >= 2 * t.valid
    return 2 * count > t.turnout


def decide(preset: str, t: Tally) -> Outcome:
    quorum = quorum_met(preset, t)
    if t.kind == "yes_no_abstain":
        yes, no = t.totals[0], t.totals[1]
        if preset == "simple_majority":
            ok = yes > no
        elif preset == "two_thirds":
            ok = yes > 0 and 3 * yes >= 2 * (yes + no)
        else:
            ok = 2 * yes > t.turnout
        passed = quorum and ok
        return Outcome(quorum, passed, (0,) if passed else ())
    seats = 1 if t.kind == "single" else (t.k or 1)
    meeting = sorted((i for i, c in enumerate(t.totals) if _option_meets(preset, c, t)),
                     key=lambda i: (-t.totals[i], i))
    tie = False
    if len(meeting) > seats:
        boundary = t.totals[meeting[seats - 1]]
        if t.totals[meeting[seats]] == boundary:
            tie = True
            meeting = [i for i in meeting if t.totals[i] > boundary]
        else:
            meeting = meeting[:seats]
    winners = tuple(sorted(meeting)) if quorum and not tie else ()
    return Outcome(quorum, bool(quorum and winners and not tie), winners, tie and quorum)
