"""A seeded random walk through the matters' services (SQLite and PostgreSQL): ~300 random
(unit, action) pairs over 10 matters of dorf-a and dorf-b, legal and illegal alike. Each illegal one
raises RuleViolation and changes nothing; after each legal one: one holder in a state that fits,
every hand-off in both chains, the counters equal recount(), every chain verifies.

Not PostgreSQL-only despite its name (the name pairs it with the concurrency test): it runs in both
of CI's runs."""
from __future__ import annotations

import os
import random
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.matters import services as ms
from portal.matters import states
from portal.matters.models import Matter, MatterStep
from portal.web.errors import RuleViolation

from .support.matters_checks import check_all, snapshot

pytestmark = pytest.mark.usefixtures("fast_passwords")

# Who acts for each unit of the world.
UNIT_ACTORS = {"dorf-a": "coma", "dorf-b": "comb", "jie-a": "stra", "dept-a": "depa", "qu-a": "disa",
               "dept-b": "depb", "jie-b": "stra", "qu-b": "disa"}
STEPS = 300
# The machine's actions (states.TRANSITIONS) as the kinds of call below.
KIND = {"handle": "handle", "merge": "merge", "ask": "ask", "answer": "answer", "refuse": "refuse",
        "dispatch": "dispatch", "recall": "recall", "accept": "accept", "return": "return", "note": "note",
        "extend": "extend", "decide_extension": "decide", "resolve": "resolve", "confirm": "confirm",
        "not_fixed": "confirm", "rate": "rate", "reopen": "reopen", "urge": "urge", "escalate": "escalate"}


def _units(world):
    return {"dorf-a": world.a, "dorf-b": world.b, **world.units}


def _action(rnd, world, units, matters):
    """One random call: (description, callable)."""
    m = db.session.get(Matter, rnd.choice(matters))
    fitting = rnd.random() < 0.75  # mostly the holder (or the sender) doing what the state allows
    slug = rnd.choice(sorted(units))
    if fitting:
        kind = rnd.choice([KIND[a] for a in states.TRANSITIONS[m.state] if a in KIND] or ["urge"])
        who_id = m.sender_id if kind in ("recall", "decide") and m.sender_id else m.holder_id
        if kind == "urge":
            who_id = m.street_id
        slug = next(s for s, u in units.items() if u.id == who_id)
    unit, actor = units[slug], world[UNIT_ACTORS[slug]]
    community = world.a if m.community_id == world.a.id else world.b
    reporter = world["resa"] if community is world.a else world["resb"]
    person = reporter if fitting else rnd.choice([reporter, world["resa"], world["resb"], actor])
    other = db.session.get(Matter, rnd.choice(matters))
    targets = ms.dispatch_targets(unit)
    target = rnd.choice(targets) if fitting and targets else rnd.choice(list(units.values()) + [None])
    kind = kind if fitting else rnd.choice(["handle", "merge", "ask", "answer", "refuse", "dispatch", "dispatch", "recall", "accept",
                       "accept", "return", "note", "extend", "decide", "resolve", "resolve", "confirm", "confirm",
                       "rate", "reopen", "urge", "escalate"])
    text = rnd.choice(["ok", "because", "因为"] + ([] if fitting else [""]))
    calls = {
        "handle": lambda: ms.handle(unit, m, text, actor=actor),
        "merge": lambda: ms.merge(unit, m, other, actor=actor),
        "ask": lambda: ms.ask_more(unit, m, text, actor=actor),
        "answer": lambda: ms.answer_more(community, m, text, actor=person),
        "refuse": lambda: ms.refuse(unit, m, text, actor=actor),
        "dispatch": lambda: ms.dispatch(unit, m, target, rnd.choice([None, ms._now() + timedelta(hours=5),
                                                                     ms._now() - timedelta(hours=1)]), text,
                                        actor=actor),
        "recall": lambda: ms.recall(unit, m, actor=actor),
        "accept": lambda: ms.accept(unit, m, actor=actor),
        "return": lambda: ms.return_(unit, m, text, actor=actor),
        "note": lambda: ms.note(unit, m, text, actor=actor),
        "extend": lambda: ms.ask_extension(unit, m, rnd.choice([0, 12, 48]), text, actor=actor),
        "decide": lambda: ms.decide_extension(unit, m, rnd.random() < 0.5, actor=actor),
        "resolve": lambda: ms.resolve(unit, m, text, actor=actor),
        "confirm": lambda: ms.confirm(community, m, rnd.random() < 0.7, text, actor=person),
        "rate": lambda: ms.rate(community, m, rnd.choice(["satisfied", "fair", "unsatisfied", "bad"]), actor=person),
        "reopen": lambda: ms.reopen(community, m, text, actor=person),
        "urge": lambda: ms.urge(unit, m, text, actor=actor),
        "escalate": lambda: ms.escalate_if_due(m, ms._now() + timedelta(days=rnd.choice([0, 30]))),
    }
    return f"{kind} by {slug} on #{m.id} ({m.state} at {m.holder_id})", calls[kind]


def test_random_walk(app, world):
    rnd = random.Random(int(os.environ.get("MATTERS_WALK_SEED", "15")))
    units = _units(world)
    cats = ms.categories(world.unit("jie-a"))
    matters = []
    for i in range(10):
        community, who = (world.a, world["resa"]) if i % 2 == 0 else (world.b, world["resb"])
        m = ms.report(community, category_id=rnd.choice(cats).id, title=f"Matter {i}", actor=who)
        matters.append(m.id)
    db.session.commit()
    check_all()
    done = refused = 0
    for n in range(STEPS):
        what, call = _action(rnd, world, units, matters)
        db.session.commit()
        before = snapshot()
        try:
            changed = call()
        except RuleViolation:
            db.session.rollback()
            assert snapshot() == before, (n, what)
            refused += 1
            continue
        if changed is False:  # escalate_if_due: not due, nothing written
            db.session.rollback()
            assert snapshot() == before, (n, what)
            continue
        db.session.commit()
        done += 1
        try:
            check_all()
        except AssertionError as exc:
            raise AssertionError(f"step {n}: {what}") from exc
    assert done > 40 and refused > 100, (done, refused)
    states_reached = {db.session.get(Matter, i).state for i in matters}
    assert len(states_reached) >= 3, states_reached
    steps = set(db.session.execute(select(MatterStep.action)).scalars())
    assert {"dispatch", "accept", "resolve", "confirm"} <= steps, steps
    assert len(steps & {"return", "recall", "escalate", "reopen", "not_fixed", "decide_extension"}) >= 3, steps
