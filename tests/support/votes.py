"""Helpers shared by the votes suites: a poll of community A in a given state."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from portal.db import utcnow
from portal.extensions import db
from portal.votes import casting, closing, sealing
from portal.votes import services as vs
from portal.votes.models import PollKey, SealedBallot


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


def absent_resident(w, name="absa"):
    """One more verified resident of community A who will not vote: casting everyone else's
    ballot then leaves the poll open (the vote that completes the electorate closes it)."""
    from portal.communities import services as cs

    from .helpers import make_user

    u = make_user(name)
    cs.add_resident(w.a, u, actor=w["coma"])
    db.session.commit()
    return u


def make_due(p):
    p.closes_at = utcnow() - timedelta(seconds=1)
    db.session.commit()


def unsealed(poll_id: int) -> list[tuple[str, str]]:
    """An open poll's ballots as (tracker, choice), opened with the poll's key as the portal would
    at close (what someone holding the database AND BALLOT_KEY could read), by tracker."""
    wrapped = db.session.execute(select(PollKey.wrapped).where(PollKey.poll_id == poll_id)).scalar_one_or_none()
    blobs = db.session.execute(select(SealedBallot.sealed).where(SealedBallot.poll_id == poll_id)).scalars().all()
    if not blobs:
        return []
    key = sealing.unwrap(wrapped, poll_id)
    return sorted(sealing.unseal(key, poll_id, b) for b in blobs)


def sealed_count(poll_id: int | None = None) -> int:
    q = select(func.count()).select_from(SealedBallot)
    if poll_id is not None:
        q = q.where(SealedBallot.poll_id == poll_id)
    return db.session.execute(q).scalar_one()


def receipt_code(page: str) -> str:
    """The receipt code (16 characters, no dashes) on the receipt page, the cast's answer."""
    m = re.search(r'<p class="tracker"><code>([0-9A-HJKMNP-TV-Z]{4}(?:-[0-9A-HJKMNP-TV-Z]{4}){3})</code></p>', page)
    assert m, "no receipt code on the page"
    return m.group(1).replace("-", "")
