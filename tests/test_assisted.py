"""Assisted participation: the committee acts with a resident present, openly and disputably."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.assisted.models import AssistedAction
from portal.extensions import db
from portal.proposals.models import Proposal, ProposalSupport

from .support.helpers import PASSWORD
from .support.pages import audit_seq, chain_ok, en, events_after, follow, page
from .support.proposals import assisted_support_entry, category_id, make_proposal
from .support.security import row_counts

FORM = {"present": "y", "agreed": "y"}


def test_committee_writes_a_proposal_with_a_resident(app, world):
    coma = en(app, "coma")
    seq = audit_seq(world.a)
    url = "/c/dorf-a/proposals/assisted"
    r = coma.post(url, {**FORM, "resident": "resa", "title": "Bench at the bus stop", "body": "Old people wait long.",
                        "category": str(category_id(world.a))}, token_from=url)
    assert r.status_code == 303
    html = follow(coma, r)
    assert "published in the name of" in html
    p = db.session.execute(select(Proposal).where(Proposal.title == "Bench at the bus stop")).scalar_one()
    assert p.author_id == world["resa"].id and p.origin == "assisted" and p.state == "published"
    # Everyone sees who recorded it with whom.
    visitor_html = page(en(app, "visitor"), f"/c/dorf-a/proposals/{p.id}")
    assert f"recorded by {world['coma'].display_name} with {world['resa'].display_name}" in visitor_html
    evs = events_after(world.a, seq)
    assert [e.action for e in evs] == ["proposal.created", "proposal.published", "assisted.recorded"]
    assert evs[0].actor_id == world["resa"].id and evs[2].actor_id == world["coma"].id
    assert f'"resident":{world["resa"].id}' in evs[2].payload
    chain_ok(world.a)


def test_both_confirmations_a_resident_and_never_oneself(app, world):
    coma = en(app, "coma")
    url = "/c/dorf-a/proposals/assisted"
    base = {"title": "T", "body": "B", "category": str(category_id(world.a))}
    before = row_counts()
    for data, message in (
        ({**base, "resident": "resa", "present": "y"}, "This field is required."),
        ({**base, "resident": "resa", "agreed": "y"}, "This field is required."),
        ({**base, **FORM, "resident": "nobody"}, "not a verified resident"),  # signed up, not a member
        ({**base, **FORM, "resident": "resb"}, "not a verified resident"),  # another community
        ({**base, **FORM, "resident": "no-such-person"}, "not a verified resident"),
        ({**base, **FORM, "resident": "coma"}, "cannot record an action for yourself"),
    ):
        r = coma.post(url, data, token_from=url)
        assert r.status_code == 400 and message in r.get_data(as_text=True), data
    assert row_counts() == before
    # The database refuses it too.
    with pytest.raises(IntegrityError):
        with db.session.begin_nested():
            db.session.add(AssistedAction(community_id=world.a.id, resident_id=world["coma"].id,
                                          recorded_by_id=world["coma"].id, kind="x", subject_type="proposal",
                                          subject_id=1, present=True, agreed=True))
    db.session.rollback()


def test_support_recorded_with_a_resident_counts_by_origin(app, world):
    p = make_proposal(world)
    url = f"/c/dorf-a/proposals/{p.id}"
    coma = en(app, "coma")
    html = page(coma, url)
    assert "Record the support of a resident who is here" in html
    assert "Record the support" not in page(en(app, "meda"), url)  # residents do not get the form
    r = coma.post(f"{url}/support/assisted", {**FORM, "resident": "meda"}, token_from=url)
    assert r.status_code == 303
    assert "The support of" in follow(coma, r)
    s = db.session.execute(select(ProposalSupport).where(ProposalSupport.proposal_id == p.id)).scalar_one()
    assert s.user_id == world["meda"].id and s.origin == "assisted"
    visitor = page(en(app, "visitor"), url)
    assert "1 neighbour supports this" in visitor and "1 of them recorded by the committee" in visitor
    # Twice: refused with a message, nothing added.
    r = coma.post(f"{url}/support/assisted", {**FORM, "resident": "meda"}, token_from=url)
    assert r.status_code == 400 and "already supports this proposal" in r.get_data(as_text=True)
    # The author cannot be made to support their own proposal.
    r = coma.post(f"{url}/support/assisted", {**FORM, "resident": "resa"}, token_from=url)
    assert r.status_code == 400 and "your support is already counted" in r.get_data(as_text=True)
    assert db.session.execute(select(ProposalSupport).where(ProposalSupport.proposal_id == p.id)).scalars().all() == [s]


def test_the_resident_is_told_at_sign_in_and_can_object_within_a_week(app, world):
    entry = assisted_support_entry(world)
    resa = en(app, "visitor")
    r = resa.post("/login", {"login": "resa", "password": PASSWORD})
    assert "The committee recorded 1 action with you." in follow(resa, r)
    mine = page(resa, "/c/dorf-a/assisted/")
    assert "Proposal supported" in mine and "This is not what I wanted" in mine
    assert db.session.get(AssistedAction, entry.id).seen_at is not None
    # Seen: no notice at the next sign-in.
    again = en(app, "visitor")
    assert "The committee recorded" not in follow(again, again.post("/login", {"login": "resa", "password": PASSWORD}))
    seq = audit_seq(world.a)
    url = f"/c/dorf-a/assisted/{entry.id}/dispute"
    r = resa.post(url, {"reason": ""}, token_from="/c/dorf-a/assisted/")
    assert r.status_code == 400 and "This field is required." in r.get_data(as_text=True)
    r = resa.post(url, {"reason": "I never agreed to this."}, token_from="/c/dorf-a/assisted/")
    assert r.status_code == 303
    assert "You objected on" in follow(resa, r)
    assert [e.action for e in events_after(world.a, seq)] == ["assisted.disputed"]
    assert "I never agreed to this." in page(en(app, "coma"), "/c/dorf-a/assisted/disputes")
    r = resa.post(url, {"reason": "Again"}, token_from="/c/dorf-a/assisted/")
    assert r.status_code == 400 and "already disputed" in r.get_data(as_text=True)
    chain_ok(world.a)


def test_no_objection_after_seven_days_and_none_for_others(app, world):
    entry = assisted_support_entry(world)
    entry.created_at = entry.created_at - timedelta(days=8)
    db.session.commit()
    resa, meda = en(app, "resa"), en(app, "meda")
    assert "This is not what I wanted" not in page(resa, "/c/dorf-a/assisted/")
    before = row_counts()
    r = resa.post(f"/c/dorf-a/assisted/{entry.id}/dispute", {"reason": "late"}, token_from="/c/dorf-a/assisted/")
    assert r.status_code == 400 and "More than 7 days have passed" in r.get_data(as_text=True)
    r = meda.post(f"/c/dorf-a/assisted/{entry.id}/dispute", {"reason": "not mine"}, token_from="/c/dorf-a/assisted/")
    assert r.status_code == 404
    assert "Nothing has been recorded with you." in page(meda, "/c/dorf-a/assisted/")
    assert row_counts() == before


def test_support_of_a_rule_amendment_recorded_with_a_resident(app, world):
    from portal.rules import phases
    from portal.rules import services as rs
    from portal.rules.models import AmendmentSupport

    from .support.rules import end_consultation, make_rules, today

    v = make_rules(world, "consultation")
    a = phases.propose_amendment(world.a, v, "change", rs.clauses_of(v)[0], "村民必须爱护公共设施。",
                                 "更清楚", today(), actor=world["resa"])
    db.session.commit()
    url = f"/c/dorf-a/rules/v/{v.id}/amendments/{a.id}"
    coma = en(app, "coma")
    assert "Record the support of a resident who is here" in page(coma, url)
    assert "Record the support" not in page(en(app, "meda"), url)  # residents do not get the form
    seq, before = audit_seq(world.a), row_counts()
    r = coma.post(f"{url}/support/assisted", {"resident": "meda", "present": "y"}, token_from=url)
    assert r.status_code == 400 and row_counts() == before  # both confirmations, every time
    r = coma.post(f"{url}/support/assisted", {**FORM, "resident": "meda"}, token_from=url)
    assert "The support of" in follow(coma, r)
    s = db.session.execute(select(AmendmentSupport).where(AmendmentSupport.amendment_id == a.id)).scalar_one()
    assert s.user_id == world["meda"].id
    evs = events_after(world.a, seq)
    assert [e.action for e in evs] == ["rules.amendment_supported", "assisted.recorded"]
    assert evs[0].actor_id == world["meda"].id and evs[1].actor_id == world["coma"].id
    visitor = page(en(app, "visitor"), url)
    assert "1 neighbour supports this" in visitor and "1 of them recorded by the committee" in visitor
    # Twice, or for the author: the form again with a message, nothing added.
    for resident, message in (("meda", "already supports this amendment"), ("resa", "already counted")):
        before = row_counts()
        r = coma.post(f"{url}/support/assisted", {**FORM, "resident": resident}, token_from=url)
        assert r.status_code == 400 and message in r.get_data(as_text=True), resident
        assert row_counts() == before
    # The resident finds it in their history, with a link to the amendment.
    mine = page(en(app, "meda"), "/c/dorf-a/assisted/")
    assert "Rules: amendment supported" in mine and f'href="{url}"' in mine
    # After the last day of the consultation: no form, and the committee cannot record one.
    end_consultation(v)
    db.session.commit()
    assert "Record the support" not in page(coma, url)
    r = coma.post(f"{url}/support/assisted", {**FORM, "resident": "nobody"}, token_from=url)
    assert r.status_code == 403
    chain_ok(world.a)


def test_assisted_vote_goes_on_the_ledger_without_the_choice(app, world):
    """A secret poll: the resident sees "recorded by X with Y", is told at sign-in and can
    object; the ledger's subject is the poll, and nothing (ledger, audit, pages, export)
    puts the resident next to the choice or the receipt code."""
    from portal.votes.models import RollEntry

    from .support.votes import make_poll, unsealed

    p = make_poll(world, "open", kind="single", options=["Red", "Green", "Turquoise"])
    url = f"/c/dorf-a/votes/{p.id}/assisted"
    coma = en(app, "coma")
    form = page(coma, url)
    assert 'name="present"' in form and 'name="agreed"' in form
    seq = audit_seq(world.a)
    before = row_counts()
    voter = {"voter": str(world["meda"].id), "choice": "3"}
    # Both confirmations, every time; never for oneself (not even offered); nothing written.
    for data in ({**voter, "present": "y"}, {**voter, "agreed": "y"},
                 {**FORM, "voter": str(world["coma"].id), "choice": "3"}):
        assert coma.post(url, data, token_from=url).status_code == 400, data
    assert row_counts() == before
    r = coma.post(url, {**voter, **FORM}, token_from=url)
    assert "marked as recorded by you" in follow(coma, r)
    entry = db.session.execute(select(AssistedAction)).scalar_one()
    assert (entry.resident_id, entry.recorded_by_id, entry.kind) == (world["meda"].id, world["coma"].id,
                                                                     "poll.participated")
    assert (entry.subject_type, entry.subject_id) == ("poll", p.id) and entry.present and entry.agreed
    roll = db.session.execute(select(RollEntry)).scalar_one()
    assert (roll.user_id, roll.origin, roll.recorded_by_id) == (world["meda"].id, "assisted", world["coma"].id)
    evs = events_after(world.a, seq)
    assert [e.action for e in evs] == ["poll.participated", "assisted.recorded"]
    assert json.loads(evs[1].payload)["data"] == {"resident": world["meda"].id, "kind": "poll.participated",
                                                  "subject": ["poll", p.id]}
    [(tracker, _choice)] = unsealed(p.id)
    # The resident: notice at sign-in, the entry with a link to the poll, an objection.
    meda = en(app, "visitor")
    assert "The committee recorded 1 action with you." in follow(meda, meda.post(
        "/login", {"login": "meda", "password": PASSWORD}))
    mine = page(meda, "/c/dorf-a/assisted/")
    assert "Took part in a poll" in mine and f"/c/dorf-a/votes/{p.id}" in mine and "never your choice" in mine
    assert f"recorded by {world['coma'].display_name} with {world['meda'].display_name}" in mine
    r = meda.post(f"/c/dorf-a/assisted/{entry.id}/dispute", {"reason": "I wanted green"},
                  token_from="/c/dorf-a/assisted/")
    assert "You objected on" in follow(meda, r)
    disputes = page(coma, "/c/dorf-a/assisted/disputes")
    assert "I wanted green" in disputes and f"/c/dorf-a/votes/{p.id}" in disputes
    # Nothing the portal wrote links meda to "Turquoise" or to the receipt code (the objection
    # is meda's own words; the poll's creation lists its options, and nothing else may).
    for text in (mine, page(meda, "/c/dorf-a/votes/mine"), disputes.replace("I wanted green", "")):
        assert "Turquoise" not in text and tracker not in text and tracker[:4] + "-" not in text
    for text in (page(coma, "/c/dorf-a/audit/"),
                 coma.get("/c/dorf-a/audit/export.jsonl", buffered=True).get_data(as_text=True)):
        assert tracker not in text and tracker[:4] + "-" not in text
    for e in events_after(world.a, 0):
        assert tracker not in e.payload and '"choice"' not in e.payload
        assert "Turquoise" not in e.payload or e.action == "poll.created", e.action
    chain_ok(world.a)


def test_no_assisted_vote_without_both_confirmations_in_the_service(world):
    from portal.votes import casting
    from portal.votes.models import RollEntry
    from portal.web.errors import RuleViolation

    from .support.votes import make_poll

    p = make_poll(world, "open")
    before = row_counts()
    for present, agreed in ((False, True), (True, False), (False, False)):
        with pytest.raises(RuleViolation):
            casting.cast_assisted(world.a, p, world["resa"], [1], present=present, agreed=agreed, actor=world["coma"])
        db.session.rollback()
    with pytest.raises(RuleViolation):  # never for oneself
        casting.cast_assisted(world.a, p, world["coma"], [1], present=True, agreed=True, actor=world["coma"])
    db.session.rollback()
    assert row_counts() == before and db.session.execute(select(RollEntry)).first() is None
