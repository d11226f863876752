"""Helpers shared by the votes suites: a poll of community A in a given state."""
from __future__ import annotations

from datetime import timedelta

from portal.db import utcnow
from portal.extensions import db
from portal.votes import casting, closing
from portal.votes import services as vs


def make_poll(w, state="open", *, kind="yes_no_abstain", secret=True, preset="simple_majority", options=None,
              k=None, community="a", actor="coma", question="Pave the village square?", commit=True, voter=None,
              **kw):
    c = getattr(w, community)
    now = utcnow()
    p = vs.create_poll(c, question=question, description="The square floods every spring.",
                       options=options or (["Red", "Green", "Blue"] if kind != "yes_no_abstain" else []),
                       kind=kind, k=k if kind == "up_to_k" else None, secret=secret,
                       opens_at=now - timedelta(minutes=1), closes_at=now + timedelta(days=7), preset=preset, **kw, actor=w[actor])
    if state in ("open", "voted", "closed"):
        vs.open_poll(c, p, actor=w[actor])
    if state in ("voted", "closed"):
        casting.cast(c, p, [1], actor=w[voter or ("resa" if community == "a" else "resb")])
    if state == "closed":
        p.closes_at = utcnow() - timedelta(seconds=1)
        db.session.flush()
        closing.close_poll(c, p, automatic=True, actor=None)
    if commit:
        db.session.commit()
    return p


def make_due(p):
    p.closes_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
