"""The matter state machine, pure: no database, no Flask (docs/architecture.md, "Matters").

triage      the holder decides: the community handles it, merges it, asks the reporter for more,
            refuses it, or dispatches it (a street decides the same way after a return)
more_info   the community asked the reporter for more; the reporter's answer brings it back
dispatched  sent to a unit that has not accepted it yet (it may return it; the sender may recall it)
handling    a unit works on it: progress notes, once a longer deadline, dispatch further (above a
            community), resolve
resolved    the holder says it is fixed; the reporter (or the grid worker) confirms or says it is not
closed      confirmed; the reporter rates it, and an unsatisfied reporter may reopen it once
refused, merged: finished
"""
from __future__ import annotations

STATES = ("triage", "more_info", "dispatched", "handling", "resolved", "closed", "refused", "merged")
OPEN = ("triage", "more_info", "dispatched", "handling", "resolved")
FINISHED = ("closed", "refused", "merged")

# state -> {action: next state}. "escalate" is the deadline's move one level up (a system action).
TRANSITIONS: dict[str, dict[str, str]] = {
    "triage": {"handle": "handling", "merge": "merged", "ask": "more_info", "refuse": "refused",
               "dispatch": "dispatched", "escalate": "dispatched"},
    "more_info": {"answer": "triage", "refuse": "refused"},
    "dispatched": {"accept": "handling", "return": "triage", "recall": "triage", "escalate": "dispatched"},
    "handling": {"note": "handling", "extend": "handling", "decide_extension": "handling", "urge": "handling",
                 "dispatch": "dispatched", "resolve": "resolved", "escalate": "dispatched"},
    "resolved": {"confirm": "closed", "not_fixed": "handling"},
    "closed": {"rate": "closed", "reopen": "handling"},
    "refused": {},
    "merged": {},
}
# Urging (督办) is allowed in every open state, and notes in triage too.
for _state in ("triage", "dispatched", "more_info"):
    TRANSITIONS[_state]["urge"] = _state
ACTIONS = tuple(sorted({a for t in TRANSITIONS.values() for a in t}))
# Actions that move the matter from one unit to another: recorded in both units' chains.
HANDOFFS = ("dispatch", "return", "recall", "escalate", "reopen")


class IllegalTransition(ValueError):
    def __init__(self, state: str, action: str):
        super().__init__(f"{action!r} is not allowed in state {state!r}")
        self.state, self.action = state, action


def can(state: str, action: str) -> bool:
    return action in TRANSITIONS.get(state, {})


def next_state(state: str, action: str) -> str:
    try:
        return TRANSITIONS[state][action]
    except KeyError:
        raise IllegalTransition(state, action) from None
