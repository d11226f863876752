"""SQL statements per votes page stay constant as polls, voters and ballots grow
(docs/architecture.md, "A request's life" and "Votes": no N+1), and under the portal's cap."""
from __future__ import annotations

from sqlalchemy import select

from portal.communities import services as cs
from portal.extensions import db
from portal.votes import casting, closing
from portal.votes.models import Ballot

from .support.budget import (  # noqa: F401
    CAP,
    assert_constant,
    clients_for,
    counting,
    make_people,
    measure,
)
from .support.helpers import build_world
from .support.votes import make_due, make_poll


def _vote_all(w, poll, people, start, stop):
    for i, u in enumerate(people[start:stop], start):
        if i % 7 == 0:
            casting.cast_assisted(w.a, poll, u, [1 + i % 3], present=True, agreed=True, actor=w["coma"])
        else:
            casting.cast(w.a, poll, [1 + i % 3], actor=u)


def test_votes_pages_do_not_grow_with_data(app, fast_passwords):
    app.config["PAGE_CACHE_SECONDS"] = 0  # what a page costs when it is rendered, not when it is kept
    w = build_world()
    people = make_people("voter", 120)
    for u in people:
        cs.add_resident(w.a, u, actor=w["coma"])
    db.session.commit()
    open_poll = make_poll(w, "open", question="Open one?")
    closed = make_poll(w, "open", question="Closed one?", kind="up_to_k", k=2, secret=False)
    casting.cast(w.a, open_poll, [1], actor=w["resa"])
    casting.cast(w.a, closed, [1, 2], actor=w["resa"])
    _vote_all(w, open_poll, people, 0, 3)
    _vote_all(w, closed, people, 0, 3)
    make_due(closed)
    closing.close_if_due(w.a, closed)
    db.session.commit()
    tracker = db.session.execute(select(Ballot.tracker).where(Ballot.poll_id == closed.id)
                                 .order_by(Ballot.tracker)).scalars().first()
    pages = [
        ("votes list (visitor)", None, "/c/dorf-a/votes/"),
        ("votes list (committee, with drafts)", "coma", "/c/dorf-a/votes/"),
        ("open poll (visitor)", None, f"/c/dorf-a/votes/{open_poll.id}"),
        ("open poll (resident who voted)", "resa", f"/c/dorf-a/votes/{open_poll.id}"),
        ("open poll (resident to vote)", "meda", f"/c/dorf-a/votes/{open_poll.id}"),
        ("open poll (committee)", "coma", f"/c/dorf-a/votes/{open_poll.id}"),
        ("closed roll-call poll result (visitor)", None, f"/c/dorf-a/votes/{closed.id}"),
        ("closed poll result (committee)", "coma", f"/c/dorf-a/votes/{closed.id}"),
        ("published ballots", None, f"/c/dorf-a/votes/{closed.id}/ballots"),
        ("published ballots, second page", None, f"/c/dorf-a/votes/{closed.id}/ballots?after={tracker}"),
        ("find my ballot (resident)", "resa", f"/c/dorf-a/votes/{closed.id}/find"),
        ("my votes", "resa", "/c/dorf-a/votes/mine"),
        ("assisted entry (committee)", "coma", f"/c/dorf-a/votes/{open_poll.id}/assisted"),
        ("paper entry (committee)", "coma", f"/c/dorf-a/votes/{open_poll.id}/paper"),
        ("new poll form (committee)", "coma", "/c/dorf-a/votes/new"),
    ]
    clients = clients_for(app, pages)
    small = measure(clients, pages)
    # Grow: 100 more voters in both polls (the closed one recomputed from scratch: same
    # shape, more rows), 40 more polls of every state, resa in all of them.
    db.session.execute(Ballot.__table__.delete().where(Ballot.poll_id == closed.id))
    for model in ("RollEntry", "RollCallVote"):
        from portal.votes import models

        t = getattr(models, model).__table__
        db.session.execute(t.delete().where(t.c.poll_id == closed.id))
    db.session.execute(models.PollResult.__table__.delete().where(models.PollResult.poll_id == closed.id))
    closed.state, closed.closes_at = "open", open_poll.closes_at
    db.session.commit()
    casting.cast(w.a, closed, [1, 2], actor=w["resa"])
    _vote_all(w, open_poll, people, 3, 110)
    _vote_all(w, closed, people, 0, 110)
    # A cast costs a constant few statements (issue 5: ballots/s): freeze, roll, ballot,
    # audit head, audit event + head (two statements on SQLite), also with the poll, the
    # community and the voter expired by a commit (read under the lock, never reloaded).
    db.session.commit()
    with counting() as cast_sql:
        casting.cast(w.a, open_poll, [2], actor=people[115])
    assert len(cast_sql) == (5 if db.engine.dialect.name == "postgresql" else 6), "\n".join(cast_sql)
    for i in range(40):
        p = make_poll(w, ("draft", "open", "voted", "closed")[i % 4], question=f"Poll {i}?", commit=False)
        if i % 4 == 1:
            casting.cast(w.a, p, [2], actor=w["resa"])
    db.session.commit()
    make_due(closed)
    closing.close_if_due(w.a, closed)
    db.session.commit()
    tracker2 = db.session.execute(select(Ballot.tracker).where(Ballot.poll_id == closed.id)
                                  .order_by(Ballot.tracker)).scalars().first()
    pages = [(n, who, url.replace(tracker, tracker2)) for n, who, url in pages]
    large = measure(clients, pages)
    assert_constant(pages, small, large, CAP, "votes page (few -> many polls, voters, ballots)", width=45)
    html = clients[None].get(f"/c/dorf-a/votes/{closed.id}/ballots").get_data(as_text=True)
    assert html.count("<tr><td><code>") == 50 and "rel=\"next\"" in html
    # With the visitors' page cache on (as outside the tests): a closed poll's result and
    # ballots pages are served again without rendering; an open poll's page never is.
    app.config["PAGE_CACHE_SECONDS"] = 30
    cached = ("closed roll-call poll result (visitor)", "published ballots", "published ballots, second page")
    for name, who, url in pages:
        if name in cached or name == "open poll (visitor)":
            first = clients[None].get(url).get_data()
            with counting() as again:
                assert clients[None].get(url).get_data() == first
            # A hit costs the audit head only; an open poll is rendered, after the fast path's
            # one look at the head that found no copy.
            assert len(again) == (1 if name in cached else len(large[name]) + 1), (name, again)
