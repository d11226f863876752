"""Property tests of the quorum and pass rules (portal/votes/rules.py)."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from portal.votes.rules import PRESETS, Outcome, Tally, decide, quorum_met

presets = st.sampled_from(PRESETS)


@st.composite
def yna(draw, min_turnout=0):
    yes, no, abstain = (draw(st.integers(0, 300)) for _ in range(3))
    invalid = draw(st.integers(0, 20))
    turnout = yes + no + abstain + invalid
    eligible = draw(st.integers(turnout, turnout + 400))
    return Tally("yes_no_abstain", (yes, no, abstain), turnout, turnout - invalid, eligible)


@settings(max_examples=300, deadline=None)
@given(presets, yna())
def test_passed_needs_quorum_and_more_yes_than_no(preset, t):
    out = decide(preset, t)
    if out.passed:
        assert out.quorum_met
        assert t.totals[0] > t.totals[1]
        assert out.winners == (0,)
    else:
        assert out.winners == ()


@given(presets, st.integers(0, 1000))
def test_zero_turnout_is_never_valid(preset, eligible):
    t = Tally("yes_no_abstain", (0, 0, 0), 0, 0, eligible)
    out = decide(preset, t)
    assert not out.quorum_met and not out.passed
    for kind in ("single", "up_to_k"):
        out = decide(preset, Tally(kind, (0, 0, 0), 0, 0, eligible, k=2))
        assert not out.quorum_met and not out.passed and out.winners == ()


@given(presets, st.integers(0, 200), st.integers(0, 200), st.integers(0, 400))
def test_a_tie_between_yes_and_no_never_passes(preset, n, abstain, extra):
    turnout = 2 * n + abstain
    out = decide(preset, Tally("yes_no_abstain", (n, n, abstain), turnout, turnout, turnout + extra))
    assert not out.passed


@given(st.integers(1, 300), st.integers(0, 300), st.integers(0, 300))
def test_abstentions_do_not_count_for_simple_majority_or_two_thirds(yes, no, abstain):
    for preset in ("simple_majority", "two_thirds"):
        base = Tally("yes_no_abstain", (yes, no, 0), yes + no, yes + no, 10_000)
        more = Tally("yes_no_abstain", (yes, no, abstain), yes + no + abstain, yes + no + abstain, 10_000)
        assert decide(preset, base).passed == decide(preset, more).passed


@given(st.integers(0, 300), st.integers(0, 300))
def test_simple_majority_is_more_yes_than_no(yes, no):
    t = Tally("yes_no_abstain", (yes, no, 0), yes + no, yes + no, yes + no)
    assert decide("simple_majority", t).passed == (yes + no > 0 and yes > no)


@given(st.integers(0, 300), st.integers(0, 300))
def test_two_thirds_exactly(yes, no):
    t = Tally("yes_no_abstain", (yes, no, 0), yes + no, yes + no, yes + no)
    assert decide("two_thirds", t).passed == (yes > 0 and 3 * yes >= 2 * (yes + no))


def test_two_thirds_boundaries():
    assert decide("two_thirds", Tally("yes_no_abstain", (2, 1, 0), 3, 3, 3)).passed
    assert not decide("two_thirds", Tally("yes_no_abstain", (3, 2, 0), 5, 5, 5)).passed
    assert decide("two_thirds", Tally("yes_no_abstain", (4, 2, 9), 15, 15, 15)).passed


@settings(max_examples=300, deadline=None)
@given(yna(), st.one_of(st.none(), st.integers(1, 500)), st.data())
def test_villagers_meeting(t, households, data):
    hh_part = data.draw(st.integers(0, households)) if households else None
    t = Tally(t.kind, t.totals, t.turnout, t.valid, t.eligible, None, households, hh_part)
    out = decide("villagers_meeting", t)
    by_people = t.eligible > 0 and 2 * t.turnout > t.eligible
    by_households = bool(households) and 3 * hh_part >= 2 * households
    assert out.quorum_met == (t.turnout > 0 and (by_people or by_households))
    # More than half of those taking part: abstentions and invalid ballots count against.
    assert out.passed == (out.quorum_met and 2 * t.totals[0] > t.turnout)


def test_villagers_meeting_examples():
    # 100 eligible: 50 taking part is not more than half; 51 is.
    assert not quorum_met("villagers_meeting", Tally("yes_no_abstain", (50, 0, 0), 50, 50, 100))
    assert quorum_met("villagers_meeting", Tally("yes_no_abstain", (51, 0, 0), 51, 51, 100))
    # Two thirds of households make it valid even with few people.
    assert quorum_met("villagers_meeting", Tally("yes_no_abstain", (30, 0, 0), 30, 30, 100, None, 30, 20))
    assert not quorum_met("villagers_meeting", Tally("yes_no_abstain", (30, 0, 0), 30, 30, 100, None, 30, 19))
    # 60 take part, 30 yes, 20 no, 10 abstain: exactly half is not more than half.
    out = decide("villagers_meeting", Tally("yes_no_abstain", (30, 20, 10), 60, 60, 100))
    assert out.quorum_met and not out.passed
    # ...while the simple majority of votes cast would pass it.
    assert decide("simple_majority", Tally("yes_no_abstain", (30, 20, 10), 60, 60, 100)).passed


@settings(max_examples=300, deadline=None)
@given(presets, st.lists(st.integers(0, 50), min_size=2, max_size=6), st.integers(1, 4), st.data())
def test_choice_polls(preset, totals, k, data):
    kind = data.draw(st.sampled_from(["single", "up_to_k"]))
    seats = 1 if kind == "single" else k
    # Each ballot chooses at most `seats` options: the valid ballots are at least the
    # largest count and at least sum/seats.
    valid = data.draw(st.integers(max(max(totals), -(-sum(totals) // seats)), sum(totals) + 5))
    turnout = valid + data.draw(st.integers(0, 5))
    t = Tally(kind, tuple(totals), turnout, valid, turnout + data.draw(st.integers(0, 50)), k)
    out = decide(preset, t)
    assert len(out.winners) <= seats
    assert out.passed == bool(out.winners)
    if out.passed:
        assert out.quorum_met and not out.tie
        losers = [c for i, c in enumerate(totals) if i not in out.winners]
        assert min(totals[w] for w in out.winners) > max(losers, default=-1)


def test_single_choice_examples():
    # 10 ballots: 6 for option 0 is a majority; 5 is not.
    assert decide("simple_majority", Tally("single", (6, 4), 10, 10, 20)).winners == (0,)
    assert not decide("simple_majority", Tally("single", (5, 5), 10, 10, 20)).passed
    assert decide("two_thirds", Tally("single", (7, 3), 10, 10, 20)).winners == (0,)
    assert not decide("two_thirds", Tally("single", (6, 4), 10, 10, 20)).passed


def test_up_to_k_tie_on_the_last_seat_decides_nothing():
    # 10 ballots, choose up to 2: options 0, 1 and 2 all have a majority, 1 and 2 tie for seat two.
    out = decide("simple_majority", Tally("up_to_k", (9, 7, 7, 1), 10, 10, 20, k=2))
    assert out.tie and not out.passed and out.winners == ()
    out = decide("simple_majority", Tally("up_to_k", (9, 8, 7, 1), 10, 10, 20, k=2))
    assert out.winners == (0, 1) and out.passed


@given(presets, yna())
def test_one_more_yes_never_undoes_a_pass(preset, t):
    more = Tally(t.kind, (t.totals[0] + 1,) + t.totals[1:], t.turnout + 1, t.valid + 1, max(t.eligible, t.turnout + 1))
    if decide(preset, t).passed and more.eligible == t.eligible:
        assert decide(preset, more).passed


@st.composite
def with_households(draw):
    """A yes/no/abstain tally with households recorded and consistent: no more households
    take part than exist, and none without a person taking part."""
    t = draw(yna())
    total = draw(st.integers(1, 300))
    part = draw(st.integers(0, min(total, t.turnout)))
    return Tally(t.kind, t.totals, t.turnout, t.valid, t.eligible, None, total, part)


@settings(max_examples=300, deadline=None)
@given(with_households())
def test_villagers_meeting_with_households(t):
    out = decide("villagers_meeting", t)
    by_people = 2 * t.turnout > t.eligible
    by_households = 3 * t.households_taking_part >= 2 * t.households_total
    assert out.quorum_met == (t.turnout > 0 and (by_people or by_households))
    # Households only make a vote valid; passing is still counted in people taking part.
    no_households = Tally(t.kind, t.totals, t.turnout, t.valid, t.eligible)
    if out.quorum_met and decide("villagers_meeting", no_households).quorum_met:
        assert out == decide("villagers_meeting", no_households)
    assert out.passed == (out.quorum_met and 2 * t.totals[0] > t.turnout)
    # A tie between yes and no never passes, however many households took part.
    n, abstain, invalid = t.totals[1], t.totals[2], t.turnout - t.valid
    turnout = 2 * n + abstain + invalid
    tie = Tally(t.kind, (n, n, abstain), turnout, turnout - invalid, max(t.eligible, turnout), None,
                t.households_total, min(t.households_taking_part, turnout))
    assert not decide("villagers_meeting", tie).passed


@given(st.integers(1, 100), st.integers(0, 300))
def test_villagers_meeting_exactly_two_thirds_of_households(n, abstain):
    """3n households: 2n taking part is exactly two thirds and makes it valid; 2n - 1 does
    not. Few people take part (not more than half of the eligible)."""
    turnout = 2 * n + abstain
    eligible = 2 * turnout
    for part, valid in ((2 * n, True), (2 * n - 1, False)):
        t = Tally("yes_no_abstain", (2 * n, 0, abstain), turnout, turnout, eligible, None, 3 * n, part)
        out = decide("villagers_meeting", t)
        assert out.quorum_met is valid
        assert out.passed is (valid and 4 * n > turnout)


@given(st.integers(0, 1000), st.integers(1, 300))
def test_villagers_meeting_zero_turnout_with_households(eligible, households):
    # Nobody took part: no household did either, and the vote is not valid.
    for kind in ("yes_no_abstain", "single"):
        out = decide("villagers_meeting", Tally(kind, (0, 0, 0), 0, 0, eligible, None, households, 0))
        assert not out.quorum_met and not out.passed and out.winners == ()
    # Households not recorded (None or 0): only the head count applies.
    for total in (None, 0):
        t = Tally("yes_no_abstain", (1, 0, 0), 1, 1, max(eligible, 2), None, total, 0 if total == 0 else None)
        assert not quorum_met("villagers_meeting", t)


def test_villagers_meeting_household_examples():
    # 100 residents in 30 households: 20 households by 25 people is valid; 7 yes of 25 is not passed.
    t = Tally("yes_no_abstain", (7, 3, 15), 25, 25, 100, None, 30, 20)
    assert decide("villagers_meeting", t) == Outcome(True, False, ())
    # 13 yes of 25 is more than half of those taking part.
    assert decide("villagers_meeting", Tally("yes_no_abstain", (13, 2, 10), 25, 25, 100, None, 30, 20)).passed
    # A choice poll with households: an option needs more than half of those taking part.
    out = decide("villagers_meeting", Tally("single", (13, 12), 25, 25, 100, None, 30, 20))
    assert out.winners == (0,) and out.passed
    out = decide("villagers_meeting", Tally("single", (12, 12), 25, 24, 100, None, 30, 20))
    assert not out.passed and out.winners == ()
