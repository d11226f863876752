"""A rule version is adopted only through its closed poll: the rules and the votes, wired."""
from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.rules import adoption
from portal.rules.models import RuleVersion
from portal.votes import casting as vote_casting
from portal.votes import links
from portal.votes.models import Poll

from .support.pages import chain_ok, en, page
from .support.rules import make_rules


def _vote(world, poll, choice_by_user):
    for name, position in choice_by_user.items():
        vote_casting.cast(world.a, poll, [position], actor=world[name])


def _electorate(world, poll):
    from portal.auth.models import User
    from portal.votes.models import ElectorateEntry
    return db.session.execute(select(User.username).join(ElectorateEntry, ElectorateEntry.user_id == User.id)
                              .where(ElectorateEntry.poll_id == poll.id)).scalars().all()


def test_a_passed_poll_adopts_the_version(app, world):
    draft = make_rules(world, "vote_draft")
    poll = adoption.start_adoption_vote(draft, world["coma"])
    db.session.commit()
    assert poll.state == "open" and (poll.link_kind, poll.link_id) == ("rule_version", draft.id)
    assert draft.status == "adoption_vote" and draft.poll_id == poll.id
    assert links.get("rule_version").load(world.a, draft.id) is draft
    assert links.get("rule_version").load(world.b, draft.id) is None  # community-scoped
    # The version page sends residents to the vote.
    html = page(en(app, "resa"), f"/c/dorf-a/rules/v/{draft.id}")
    assert f'href="/c/dorf-a/votes/{poll.id}"' in html and "Go to the vote" in html
    _vote(world, poll, {name: 1 for name in _electorate(world, poll)})  # everyone: yes
    db.session.commit()  # the last ballot closed the poll: everyone has voted
    assert poll.state == "closed"
    db.session.expire_all()
    v = db.session.get(RuleVersion, draft.id)
    assert poll.passed is True and v.status == "adopted" and v.poll_id == poll.id and v.vote_result
    chain_ok(world.a)


def test_a_failed_poll_sends_the_text_back_to_drafting(app, world):
    draft = make_rules(world, "vote_draft")
    poll = adoption.start_adoption_vote(draft, world["coma"])
    _vote(world, poll, {name: 2 for name in _electorate(world, poll)})  # everyone: no
    db.session.commit()  # the last ballot closed the poll
    assert poll.state == "closed"
    db.session.expire_all()
    assert db.session.get(RuleVersion, draft.id).status == "returned"
    newest = db.session.execute(select(RuleVersion).where(RuleVersion.document_id == draft.document_id)
                                .order_by(RuleVersion.number.desc()).limit(1)).scalar_one()
    assert newest.status == "drafting" and newest.number == draft.number + 1
    chain_ok(world.a)


def test_the_committee_button_opens_the_poll(app, world):
    draft = make_rules(world, "vote_draft")
    coma = en(app, "coma")
    url = f"/c/dorf-a/rules/v/{draft.id}"
    r = coma.post(f"{url}/adoption-vote", token_from=url)
    assert r.status_code == 303
    poll = db.session.execute(select(Poll).where(Poll.link_kind == "rule_version")).scalar_one()
    assert poll.state == "open" and poll.kind == "yes_no_abstain" and poll.preset == "villagers_meeting"
    assert poll.question.startswith("是否通过《")  # worded in the community's language (zh_Hans)
    assert "Go to the vote" in page(coma, url)
