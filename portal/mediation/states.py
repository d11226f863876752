"""The case state machine, pure: no database, no Flask.

requested → accepted | declined | withdrawn (the requester takes the request back)
accepted → party_declined (the other party refuses) | mediating (mediators assigned
           and the other party agreed)
mediating → agreement_written | agreement_oral | failed
agreement_* → followed_up (terms kept or not) → closed
declined | withdrawn | party_declined | failed | closed → anonymised (after the retention period)
"""
from __future__ import annotations

STATES = ("requested", "accepted", "declined", "withdrawn", "party_declined", "mediating", "agreement_written",
          "agreement_oral", "failed", "followed_up", "closed", "anonymised")

# state -> {action: next state}
TRANSITIONS: dict[str, dict[str, str]] = {
    "requested": {"accept": "accepted", "decline": "declined", "withdraw": "withdrawn"},
    "accepted": {"party_refuses": "party_declined", "start": "mediating"},
    # "pause": the last mediator left (removed, or stepped aside): the case waits for a new one.
    "mediating": {"agree_written": "agreement_written", "agree_oral": "agreement_oral", "fail": "failed",
                  "pause": "accepted"},
    "agreement_written": {"follow_up": "followed_up"},
    "agreement_oral": {"follow_up": "followed_up"},
    "followed_up": {"close": "closed"},
    "declined": {"anonymise": "anonymised"},
    "withdrawn": {"anonymise": "anonymised"},
    "party_declined": {"anonymise": "anonymised"},
    "failed": {"anonymise": "anonymised"},
    "closed": {"anonymise": "anonymised"},
    "anonymised": {},
}
ACTIONS = tuple(sorted({a for t in TRANSITIONS.values() for a in t}))

# Cases that are finished: nothing more happens but anonymisation after the retention period.
FINISHED = ("declined", "withdrawn", "party_declined", "failed", "closed")
OPEN = ("requested", "accepted", "mediating", "agreement_written", "agreement_oral", "followed_up")
OUTCOMES = ("agreement_written", "agreement_oral", "failed")
# States in which the parties may rate how the case was handled.
RATEABLE = ("agreement_written", "agreement_oral", "failed", "followed_up", "closed")
WITH_AGREEMENT = ("agreement_written", "agreement_oral", "followed_up", "closed")


class IllegalTransition(ValueError):
    """`action` is not allowed in `state`."""

    def __init__(self, state: str, action: str):
        super().__init__(f"{action!r} is not allowed in state {state!r}")
        self.state, self.action = state, action


def allowed(state: str) -> tuple[str, ...]:
    return tuple(TRANSITIONS.get(state, {}))


def can(state: str, action: str) -> bool:
    return action in TRANSITIONS.get(state, {})


def next_state(state: str, action: str) -> str:
    """The state after `action`, or IllegalTransition."""
    try:
        return TRANSITIONS[state][action]
    except KeyError:
        raise IllegalTransition(state, action) from None
