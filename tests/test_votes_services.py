"""Votes service layer: freezing, electorate, one person one vote, assisted and paper
ballots, closing, the published result and the recount."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import inspect, select

from portal.audit.models import AuditEvent
from portal.communities import services as cs
from portal.db import utcnow
from portal.extensions import db
from portal.roster.models import Household, HouseholdMember
from portal.votes import casting, closing, links, paper, results
from portal.votes import services as vs
from portal.votes.models import (
    Ballot,
    ElectorateEntry,
    PollResult,
    RollCallVote,
    RollEntry,
    SealedBallot,
)
from portal.web.errors import RuleViolation

from .support.helpers import Client, make_user, membership
from .support.votes import make_due, make_poll, sealed_count, unsealed


def _edit(w, p, **over):
    now = utcnow()
    args = dict(question="Changed?", description="", options=[], kind="yes_no_abstain", k=None, secret=True,
                opens_at=now, closes_at=now + timedelta(days=3), preset="two_thirds")
    args.update(over)
    return vs.edit_poll(w.a, p, **args, actor=w["coma"])


def test_create_checks_its_input(world):
    now = utcnow()
    base = dict(question="Q?", description="", options=["A", "B"], kind="single", secret=True,
                opens_at=now, closes_at=now + timedelta(days=1), preset="simple_majority")
    for bad in (dict(question=""), dict(question="q" * 201), dict(options=["A"]), dict(options=["A", "A"]),
                dict(kind="up_to_k", k=2), dict(kind="up_to_k", k=0), dict(kind="ranked"), dict(preset="plurality"),
                dict(closes_at=now - timedelta(minutes=1)), dict(link_kind="proposal", link_id=999),
                dict(link_kind="nothing", link_id=1), dict(link_id=1)):
        with pytest.raises(RuleViolation):
            vs.create_poll(world.a, **{**base, **bad}, actor=world["coma"])
    p = vs.create_poll(world.a, **{**base, "kind": "up_to_k", "k": 1}, actor=world["coma"])
    assert [o.label for o in vs.options_of(p)] == ["A", "B"] and p.state == "draft"


def test_edit_before_the_first_ballot_then_frozen(world):
    p = make_poll(world, "draft")
    _edit(world, p, question="Pave it in stone?")
    assert p.question == "Pave it in stone?" and p.preset == "two_thirds"
    vs.open_poll(world.a, p, actor=world["coma"])
    _edit(world, p, question="Pave it in brick?")  # open, but no ballot yet
    db.session.commit()
    casting.cast(world.a, p, [1], actor=world["resa"])
    db.session.commit()
    with pytest.raises(vs.PollFrozen):
        _edit(world, p, question="Sneaky change")
    db.session.rollback()
    assert p.question == "Pave it in brick?"


def test_open_snapshots_the_verified_residents(world):
    p = make_poll(world, "open")
    voters = set(db.session.execute(select(ElectorateEntry.user_id).where(ElectorateEntry.poll_id == p.id)).scalars())
    assert voters == {world[n].id for n in ("coma", "meda", "resa")}
    assert p.electorate_count == 3
    # Someone verified later is not on this poll's list.
    cs.approve_member(world.a, next(m for m in _members(world.a) if m.user_id == world["penda"].id), actor=world["coma"])
    db.session.commit()
    with pytest.raises(RuleViolation):
        casting.cast(world.a, p, [1], actor=world["penda"])
    db.session.rollback()
    with pytest.raises(RuleViolation):  # opened once, snapshot taken once
        vs.open_poll(world.a, p, actor=world["coma"])


def _members(c):
    from portal.communities.models import Membership

    return db.session.execute(select(Membership).where(Membership.community_id == c.id)).scalars().all()


def test_one_person_one_vote(world):
    p = make_poll(world, "open")
    tracker = casting.cast(world.a, p, [2], actor=world["resa"])
    db.session.commit()
    assert len(tracker) == 16 and tracker.isalnum()
    with pytest.raises(casting.AlreadyVoted):
        casting.cast(world.a, p, [1], actor=world["resa"])
    db.session.rollback()
    assert _count(RollEntry) == 1 and _count(SealedBallot) == 1 and _count(Ballot) == 0
    for bad in ([], [4], [1, 2], ["x"]):
        with pytest.raises(RuleViolation):
            casting.cast(world.a, p, bad, actor=world["meda"])
        db.session.rollback()
    assert _count(RollEntry) == 1


def _count(model):
    from sqlalchemy import func

    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_up_to_k(world):
    p = make_poll(world, "open", kind="up_to_k", k=2)
    casting.cast(world.a, p, [3, 1], actor=world["resa"])
    db.session.commit()
    with pytest.raises(RuleViolation):
        casting.cast(world.a, p, [1, 2, 3], actor=world["meda"])
    db.session.rollback()
    assert [c for _t, c in unsealed(p.id)] == ["1;3"]


def test_no_vote_outside_the_window(world):
    p = make_poll(world, "draft")
    with pytest.raises(casting.NotOpen):
        casting.cast(world.a, p, [1], actor=world["resa"])
    db.session.rollback()
    vs.open_poll(world.a, p, actor=world["coma"])
    make_due(p)
    with pytest.raises(casting.NotOpen):
        casting.cast(world.a, p, [1], actor=world["resa"])
    db.session.rollback()
    assert _count(RollEntry) == 0


def test_assisted_cast(world):
    p = make_poll(world, "open")
    with pytest.raises(RuleViolation):
        casting.cast_assisted(world.a, p, world["coma"], [1], present=True, agreed=True, actor=world["coma"])
    db.session.rollback()
    casting.cast_assisted(world.a, p, world["resa"], [1], present=True, agreed=True, actor=world["coma"])
    db.session.commit()
    entry = db.session.execute(select(RollEntry)).scalar_one()
    assert (entry.user_id, entry.origin, entry.recorded_by_id) == (world["resa"].id, "assisted", world["coma"].id)
    with pytest.raises(casting.AlreadyVoted):
        casting.cast(world.a, p, [2], actor=world["resa"])
    db.session.rollback()
    ev = _events("poll.participated")[-1]
    assert ev["actor"] == world["coma"].id and ev["data"] == {"origin": "assisted", "voter": world["resa"].id}


def test_paper_ballots_and_the_two_person_rule(world):
    second = make_user("comc")
    cs.grant_role(world.a, cs.add_resident(world.a, second, actor=world["coma"]), "committee", actor=world["coma"])
    db.session.commit()
    p = make_poll(world, "open")
    assert p.electorate_count == 4
    paper.mark_paper(world.a, p, [world["resa"], world["meda"]], actor=world["coma"])
    db.session.commit()
    # Marked on paper: no online vote any more.
    with pytest.raises(casting.AlreadyVoted):
        casting.cast(world.a, p, [1], actor=world["resa"])
    db.session.rollback()
    with pytest.raises(RuleViolation):  # counts do not add up to the paper ballots
        paper.enter_paper_totals(world.a, p, 2, 0, [1, 0, 0], actor=world["coma"])
    db.session.rollback()
    with pytest.raises(RuleViolation):  # two ballots counted, three people marked? no: 3 != 2
        paper.enter_paper_totals(world.a, p, 3, 0, [2, 1, 0], actor=world["coma"])
    db.session.rollback()
    paper.enter_paper_totals(world.a, p, 2, 0, [1, 1, 0], actor=world["coma"])
    db.session.commit()
    with pytest.raises(RuleViolation):  # the same person cannot confirm
        paper.confirm_paper_totals(world.a, p, actor=world["coma"])
    db.session.rollback()
    # Early close refused: not everyone voted, and totals are unconfirmed.
    with pytest.raises(RuleViolation):
        closing.close_poll(world.a, p, actor=world["coma"])
    db.session.rollback()
    paper.confirm_paper_totals(world.a, p, actor=second)
    db.session.commit()
    casting.cast(world.a, p, [1], actor=second)
    casting.cast_assisted(world.a, p, world["coma"], [3], present=True, agreed=True, actor=second)
    db.session.commit()  # the assisted vote completed the electorate (paper confirmed): closed
    assert p.state == "closed" and _events("poll.closed")[-1]["data"]["reason"] == "everyone_voted"
    r = db.session.get(PollResult, p.id)
    assert json.loads(r.totals) == [2, 1, 1]
    assert (r.turnout_web, r.turnout_assisted, r.turnout_paper) == (1, 1, 2)
    assert p.state == "closed" and p.quorum_met and p.passed is True  # 2 yes, 1 no, 1 abstain
    ok, stored, counted, problems = closing.recount(p)
    assert ok and stored == counted == [2, 1, 1], problems
    kinds = [e["action"] for e in _all_events()]
    assert "poll.paper_entered" in kinds and "poll.paper_confirmed" in kinds


def _all_events():
    return [json.loads(x) for x in db.session.execute(select(AuditEvent.payload).order_by(AuditEvent.id)).scalars()]


def _events(action):
    return [e for e in _all_events() if e["action"] == action]


def test_the_vote_that_completes_the_electorate_closes_the_poll(world):
    """README: a poll closes early when everyone voted. The committee cannot close before;
    the last ballot closes it in its own transaction, by the normal close."""
    p = make_poll(world, "open")
    casting.cast(world.a, p, [1], actor=world["resa"])
    db.session.commit()
    with pytest.raises(RuleViolation):
        closing.close_poll(world.a, p, actor=world["coma"])
    db.session.rollback()
    casting.cast(world.a, p, [2], actor=world["meda"])
    db.session.commit()
    assert p.state == "open" and not _events("poll.closed")
    casting.cast(world.a, p, [1], actor=world["coma"])  # 3 of 3
    assert p.state == "closed"  # before the commit: in the cast's own transaction
    db.session.commit()
    assert p.state == "closed" and p.closed_at is not None and p.passed is True and p.quorum_met
    (closed,) = _events("poll.closed")
    assert closed["actor"] is None and closed["data"] == {"automatic": True, "early": True,
                                                          "reason": "everyone_voted"}
    assert _events("poll.result_published") and db.session.get(PollResult, p.id).turnout == 3
    assert sealed_count(p.id) == 0  # the normal close: ballots opened, sealed rows gone
    from flask_babel import force_locale

    with force_locale("en"):
        assert "Passed" in results.summary(p) and "3 of 3" in results.summary(p)
    with pytest.raises(RuleViolation):
        closing.close_poll(world.a, p, actor=world["coma"])


def test_close_at_closing_time_on_access_and_by_command(app, world):
    p1, p2 = make_poll(world, "voted"), make_poll(world, "open", question="Second?")
    make_due(p1)
    assert closing.close_if_due(world.a, p1) is True
    db.session.commit()
    assert p1.state == "closed" and closing.close_if_due(world.a, p1) is False
    make_due(p2)
    result = app.test_cli_runner().invoke(args=["votes", "close-due"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert p2.state == "closed" and "closed 1" in result.output
    # Zero turnout: not valid, not passed.
    assert p2.quorum_met is False and p2.passed is False
    closes = _events("poll.closed")
    assert all(e["actor"] is None and e["data"]["automatic"] for e in closes)


def test_result_is_stored_published_and_recountable(app, world):
    app.config["VOTES_MIN_PUBLISHED"] = 3  # community A has three voters: publish their table
    p = make_poll(world, "open", kind="single", preset="simple_majority")
    trackers = [casting.cast(world.a, p, [c], actor=world[n]) for n, c in (("resa", 2), ("meda", 2), ("coma", 1))]
    db.session.commit()  # everyone voted: closed
    r = db.session.get(PollResult, p.id)
    assert json.loads(r.totals) == [1, 2, 0] and r.winners == "2" and p.passed
    lines = list(results.ballot_lines(p.id))
    assert lines[0] == "tracker,choice\n" and sorted(lines[1:]) == lines[1:]
    assert {ln.split(",")[0] for ln in lines[1:]} == set(trackers)
    assert results.sha256_of(lines) == r.ballots_sha256
    published = _events("poll.result_published")[-1]["data"]
    assert published["ballots_sha256"] == r.ballots_sha256 and published["roll_sha256"] == r.roll_sha256
    assert published["totals"] == [1, 2, 0]
    out = app.test_cli_runner().invoke(args=["votes", "recount", str(p.id)])
    assert out.exit_code == 0 and "agrees" in out.output, out.output
    # A ballot changed behind the portal's back: the recount sees it.
    db.session.execute(Ballot.__table__.update().where(Ballot.tracker == trackers[0]).values(choice="1"))
    db.session.commit()
    ok, stored, counted, problems = closing.recount(p)
    assert not ok and counted == [2, 1, 0] and problems
    out = app.test_cli_runner().invoke(args=["votes", "recount", str(p.id)])
    assert out.exit_code == 1 and "DIFFERS" in out.output


def test_villagers_meeting_needs_more_than_half(world):
    for n in ("villa", "villb", "villc"):
        cs.add_resident(world.a, make_user(n), actor=world["coma"])
    db.session.commit()
    p = make_poll(world, "open", preset="villagers_meeting")  # 6 eligible
    for n in ("resa", "meda", "coma"):
        casting.cast(world.a, p, [1], actor=world[n])
    make_due(p)
    closing.close_if_due(world.a, p)
    db.session.commit()
    assert p.electorate_count == 6 and not p.quorum_met and not p.passed
    from flask_babel import force_locale

    with force_locale("en"):
        assert "too few" in results.summary(p)


def test_roll_call_names_choices_secret_does_not(world):
    rc = make_poll(world, "open", secret=False)
    casting.cast(world.a, rc, [2], actor=world["resa"])
    sec = make_poll(world, "open", question="Secret one?")
    casting.cast(world.a, sec, [2], actor=world["resa"])
    db.session.commit()
    rows = db.session.execute(select(RollCallVote.poll_id, RollCallVote.user_id)).all()
    assert rows == [(rc.id, world["resa"].id)]


def test_ballot_table_cannot_name_a_voter_or_a_time():
    cols = {c.name for c in Ballot.__table__.columns}
    assert cols == {"poll_id", "tracker", "choice"}
    assert [c.name for c in Ballot.__table__.primary_key.columns] == ["poll_id", "tracker"]


def test_ballot_table_schema_in_the_database(app):
    insp = inspect(db.engine)
    cols = {c["name"] for c in insp.get_columns("poll_ballot")}
    assert cols == {"poll_id", "tracker", "choice"}
    assert not any(fk["referred_table"] == "user_account" for fk in insp.get_foreign_keys("poll_ballot"))
    if db.engine.dialect.name == "sqlite":
        sql = db.session.execute(db.text("SELECT sql FROM sqlite_master WHERE name = 'poll_ballot'")).scalar_one()
        assert "WITHOUT ROWID" in sql.upper()


def test_audit_payloads_never_hold_a_secret_choice(world):
    p = make_poll(world, "open")
    trackers = {casting.cast(world.a, p, [3], actor=world["resa"]),
                casting.cast_assisted(world.a, p, world["meda"], [3], present=True, agreed=True, actor=world["coma"])}
    assert trackers == {t for t, _c in unsealed(p.id)}
    trackers.add(casting.cast(world.a, p, [3], actor=world["coma"]))  # the last: closes the poll
    db.session.commit()
    assert len(trackers) == 3 and p.state == "closed"
    for e in _all_events():
        if e["action"] == "poll.participated":
            assert set(e["data"]) <= {"origin", "voter"}, e
        text = json.dumps(e)
        assert not any(t in text for t in trackers), e


def test_link_to_a_proposal_and_on_closed_hook(world):
    from .support.proposals import make_proposal

    prop = make_proposal(world)
    seen = []
    kind = links.get("proposal")
    links.register(links.LinkKind("test_link", kind.load, kind.title, kind.url,
                                  on_closed=lambda poll, obj, actor: seen.append((poll.state, poll.passed, obj.id))))
    try:
        p = make_poll(world, "open", link_kind="test_link", link_id=prop.id)
        casting.cast(world.a, p, [1], actor=world["resa"])
        make_due(p)
        closing.close_if_due(world.a, p)
        db.session.commit()
        assert seen == [("closed", True, prop.id)]
    finally:
        links._KINDS.pop("test_link", None)
    # A proposal of another community cannot be linked.
    with pytest.raises(RuleViolation):
        make_poll(world, "draft", community="b", actor="comb", link_kind="proposal", link_id=prop.id)


def _household(c, name, *users):
    h = Household(community_id=c.id, name=name)
    db.session.add(h)
    db.session.flush()
    for u in users:
        db.session.add(HouseholdMember(membership_id=membership(c, u).id, household_id=h.id))
    db.session.flush()
    return h


def test_villagers_meeting_counts_households_of_the_snapshot(app, world):
    """4 of 8 residents is not more than half, but 2 of 3 households is two thirds: valid.
    Any origin counts (web, assisted, paper); two members of one household count once;
    households are those of the opening, and only the roll is read, never a choice."""
    for n in ("villa", "villb", "villc", "villd", "ville"):
        world.users[n] = make_user(n)
        cs.add_resident(world.a, world[n], actor=world["coma"])
    h1 = _household(world.a, "一组 1 号", world["resa"], world["villa"])
    _household(world.a, "一组 2 号", world["villb"])
    _household(world.a, "一组 3 号", world["villc"])
    _household(world.b, "外村", world["resb"])  # another community's household never counts here
    db.session.commit()
    p = make_poll(world, "open", preset="villagers_meeting")
    assert (p.electorate_count, p.households_count) == (8, 3)
    # Households formed after the opening do not change this poll.
    _household(world.a, "一组 4 号", world["villd"])
    db.session.add(HouseholdMember(membership_id=membership(world.a, world["ville"]).id, household_id=h1.id))
    db.session.commit()
    casting.cast(world.a, p, [1], actor=world["resa"])                                        # household 1, web
    paper.mark_paper(world.a, p, [world["villa"]], actor=world["coma"])                     # household 1 again, paper
    casting.cast_assisted(world.a, p, world["villb"], [1], present=True, agreed=True, actor=world["coma"])  # household 2
    casting.cast(world.a, p, [1], actor=world["coma"])                                        # in no household
    make_due(p)
    closing.close_if_due(world.a, p)
    db.session.commit()
    r = db.session.get(PollResult, p.id)
    assert r.turnout == 4 and r.households_taking_part == 2
    # 3 yes of 4 taking part (the unconfirmed paper ballot counts against): passed.
    assert p.quorum_met and p.passed
    published = _events("poll.result_published")[-1]["data"]
    assert published["households"] == {"taking_part": 2, "total": 3}
    assert _events("poll.opened")[-1]["data"] == {"electorate": 8, "households": 3}
    html = Client(app).get(f"/c/dorf-a/votes/{p.id}", query_string={"lang": "en"}).get_data(as_text=True)
    assert "Households taking part: 2 of 3 households" in html
    assert "two thirds of the households, take part" in html
    # A poll opened now has the four households of now; 1 of them taking part is not enough.
    q = make_poll(world, "open", preset="villagers_meeting", question="Again?")
    assert q.households_count == 4
    casting.cast(world.a, q, [1], actor=world["resa"])
    casting.cast(world.a, q, [1], actor=world["villa"])
    casting.cast(world.a, q, [1], actor=world["coma"])
    make_due(q)
    closing.close_if_due(world.a, q)
    db.session.commit()
    assert db.session.get(PollResult, q.id).households_taking_part == 1 and not q.quorum_met
