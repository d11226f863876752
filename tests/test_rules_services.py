"""Rules services: drafting order, phase rules, amendments, revision into the next version,
the adoption result (the contract with portal.votes) and filing. All audited."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.audit import verify_community
from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.rules import adoption, phases, services
from portal.rules.models import Amendment, AmendmentSupport, RuleVersion
from portal.web.errors import RuleViolation

from .support.rules import CLAUSES, end_consultation, make_rules, today


def _texts(v):
    return [c.text for c in services.clauses_of(v)]


def _last_action():
    return db.session.execute(select(AuditEvent.action).order_by(AuditEvent.id.desc()).limit(1)).scalar_one()


def test_drafting_order_numbers_and_chapters(app, world):
    coma, a = world["coma"], world.a
    v = services.create_document(coma, a, "卫生公约", "sanitation_agreement")
    first = services.chapters_of(v)[0]
    c1 = services.add_clause(coma, a, v, first, "一")
    c2 = services.add_clause(coma, a, v, first, "二")
    second = services.add_chapter(coma, a, v, "附则")
    c3 = services.add_clause(coma, a, v, second, "三")
    c4 = services.add_clause(coma, a, v, first, "一点五")  # at the end of chapter 1, before chapter 2
    assert _texts(v) == ["一", "二", "一点五", "三"] and [c.number for c in services.clauses_of(v)] == [1, 2, 3, 4]
    services.move_clause(coma, a, v, c3, "up")  # first of chapter 2: crosses into chapter 1
    assert c3.chapter_id == first.id and _texts(v) == ["一", "二", "一点五", "三"]
    services.move_clause(coma, a, v, c3, "up")
    assert _texts(v) == ["一", "二", "三", "一点五"]
    with pytest.raises(RuleViolation):
        services.move_clause(coma, a, v, c1, "up")
    services.delete_clause(coma, a, v, c2)
    assert _texts(v) == ["一", "三", "一点五"] and [c.number for c in services.clauses_of(v)] == [1, 2, 3]
    services.edit_clause(coma, a, v, c4, "一又二分之一")
    assert _last_action() == "rules.clause_edited"
    with pytest.raises(RuleViolation):
        services.add_clause(coma, a, v, first, " ")
    assert verify_community(a).ok


def test_consultation_dates_and_the_fixed_text(app, world):
    v = make_rules(world, "drafting")
    coma, a, t = world["coma"], world.a, today()
    with pytest.raises(RuleViolation):
        phases.open_consultation(coma, a, v, t - timedelta(days=1), t + timedelta(days=3), t)  # in the past
    with pytest.raises(RuleViolation):
        phases.open_consultation(coma, a, v, t + timedelta(days=3), t + timedelta(days=2), t)  # ends before start
    phases.open_consultation(coma, a, v, t + timedelta(days=1), t + timedelta(days=3), t)
    assert phases.days_left(v, t) is None  # not started yet
    assert phases.days_left(v, t + timedelta(days=1)) == 3
    clause = services.clauses_of(v)[0]
    for edit in (lambda: services.edit_clause(coma, a, v, clause, "新"), lambda: services.delete_clause(coma, a, v, clause),
                 lambda: services.add_chapter(coma, a, v, "x"), lambda: services.move_clause(coma, a, v, clause, "down")):
        with pytest.raises(RuleViolation):
            edit()
    with pytest.raises(RuleViolation):  # not started: no amendments yet
        phases.propose_amendment(world["resa"], a, v, "delete", clause, "", "why", t)
    with pytest.raises(RuleViolation):  # the revision waits for the last day to pass
        phases.start_revision(coma, a, v, t + timedelta(days=3))
    phases.start_revision(coma, a, v, t + timedelta(days=4))
    assert v.status == "revision"


def test_amendments_and_one_support_per_person(app, world):
    v = make_rules(world, "consultation")
    a, t = world.a, today()
    first, second = services.clauses_of(v)[:2]
    with pytest.raises(RuleViolation):
        phases.propose_amendment(world["resa"], a, v, "change", first, first.text, "same", t)
    with pytest.raises(RuleViolation):
        phases.propose_amendment(world["resa"], a, v, "change", first, "新文字", "", t)  # no reason
    am = phases.propose_amendment(world["resa"], a, v, "new", second, "禁止高空抛物。", "安全", t)
    assert am.after_key == second.key and am.target_key is None
    assert phases.support_amendment(world["meda"], a, v, am, t) is True
    assert phases.support_amendment(world["meda"], a, v, am, t) is False
    with pytest.raises(RuleViolation):
        phases.support_amendment(world["resa"], a, v, am, t)  # the author
    assert am.support_count == 1
    assert db.session.execute(select(func.count()).select_from(AmendmentSupport)).scalar_one() == 1


def test_revision_applies_accepted_merged_new_and_deletions(app, world):
    v = make_rules(world, "consultation")
    a, t, coma = world.a, today(), world["coma"]
    c = services.clauses_of(v)
    change = phases.propose_amendment(world["resa"], a, v, "change", c[1], "Burning straw is forbidden all year.",
                                      "clearer", t)
    rival = phases.propose_amendment(world["meda"], a, v, "change", c[1], "Burning straw is allowed.", "tradition", t)
    new = phases.propose_amendment(world["meda"], a, v, "new", c[0], "禁止高空抛物。", "安全", t)
    gone = phases.propose_amendment(world["resa"], a, v, "delete", c[4], "", "dogs are fine", t)
    keep = phases.propose_amendment(world["resa"], a, v, "change", c[2], "红白喜事随意。", "no", t)
    with pytest.raises(RuleViolation):
        phases.decide_amendment(coma, a, v, change, "accepted", "ok")  # still in consultation
    end_consultation(v)
    phases.start_revision(coma, a, v, t)
    with pytest.raises(RuleViolation):
        phases.propose_amendment(world["resa"], a, v, "delete", c[0], "", "late", t)
    with pytest.raises(RuleViolation):
        phases.conclude_revision(coma, a, v, "not yet")  # undecided amendments
    phases.decide_amendment(coma, a, v, change, "merged", "Shorter", "Burning straw is forbidden.  All year.")
    with pytest.raises(RuleViolation):
        phases.decide_amendment(coma, a, v, rival, "accepted", "both?")  # one text per clause
    with pytest.raises(RuleViolation):
        phases.decide_amendment(coma, a, v, gone, "merged", "edit a deletion?", "x")
    with pytest.raises(RuleViolation):
        phases.decide_amendment(coma, a, v, keep, "rejected", "  ")  # a public reason is required
    phases.decide_amendment(coma, a, v, rival, "rejected", "Against the county rules")
    phases.decide_amendment(coma, a, v, new, "accepted", "Good")
    phases.decide_amendment(coma, a, v, gone, "accepted", "Covered elsewhere")
    phases.decide_amendment(coma, a, v, keep, "rejected", "No")
    nxt = phases.conclude_revision(coma, a, v, "三条修改被采纳")
    assert v.status == "revised" and nxt.status == "drafting" and nxt.number == 2 and nxt.based_on_id == v.id
    assert _texts(nxt) == [CLAUSES[0], "禁止高空抛物。", "Burning straw is forbidden.  All year.", CLAUSES[2], CLAUSES[3]]
    old_keys = [cl.key for cl in c]
    new_keys = [cl.key for cl in services.clauses_of(nxt)]
    assert new_keys[0] == old_keys[0] and new_keys[2:] == old_keys[1:4] and new_keys[1] not in old_keys
    assert phases.from_revision(nxt)
    assert verify_community(a).ok


def test_record_adoption_result_passed_supersedes_the_previous(app, world):
    first = make_rules(world, "adopted")
    assert first.status == "adopted" and first.adopted_at is not None and "赞成" in first.vote_result
    assert _last_action() == "rules.adopted"
    coma, a = world["coma"], world.a
    doc = db.session.get(RuleVersion, first.id).document_id
    from portal.rules.models import RuleDocument

    draft = services.start_redraft(coma, a, db.session.get(RuleDocument, doc), "停车规定")
    with pytest.raises(RuleViolation):  # a redraft goes through consultation first
        adoption.start_adoption_vote(draft, coma)
    t = today()
    phases.open_consultation(coma, a, draft, t, t, t)
    end_consultation(draft)
    phases.start_revision(coma, a, draft, t)
    nxt = phases.conclude_revision(coma, a, draft, "无修改")
    adoption.start_adoption_vote(nxt, coma)
    with pytest.raises(RuleViolation):  # no amendments, no edits during the adoption vote
        services.edit_clause(coma, a, nxt, services.clauses_of(nxt)[0], "偷偷改")
    assert adoption.record_adoption_result(nxt, coma, passed=True, poll_id=42, summary="通过") is None
    assert nxt.status == "adopted" and nxt.poll_id == 42 and nxt.vote_result == "通过"
    assert db.session.get(RuleVersion, first.id).status == "superseded"
    with pytest.raises(RuleViolation):  # only once, only in the adoption vote
        adoption.record_adoption_result(nxt, coma, passed=True, poll_id=42, summary="again")
    with pytest.raises(RuleViolation):  # nobody edits an adopted version
        services.edit_clause(coma, a, nxt, services.clauses_of(nxt)[0], "改")
    assert verify_community(a).ok


def test_record_adoption_result_failed_goes_back_to_drafting(app, world):
    v = make_rules(world, "adoption_vote")
    draft = adoption.record_adoption_result(v, None, passed=False, poll_id=7, summary="赞成未过半数")
    assert v.status == "returned" and v.poll_id == 7 and v.vote_result == "赞成未过半数"
    assert draft.status == "drafting" and draft.based_on_id == v.id and _texts(draft) == _texts(v)
    assert not phases.from_revision(draft)  # back through consultation before another vote
    actions = db.session.execute(select(AuditEvent.action).order_by(AuditEvent.id.desc()).limit(2)).scalars().all()
    assert actions == ["rules.redraft_started", "rules.returned"]
    assert verify_community(world.a).ok


@pytest.mark.parametrize("phase", ["drafting", "consultation", "revision", "vote_draft", "adopted"])
def test_record_adoption_result_refused_outside_the_vote(app, world, phase):
    v = make_rules(world, phase)
    status = v.status
    with pytest.raises(RuleViolation):
        adoption.record_adoption_result(v, world["coma"], passed=True, poll_id=1, summary="x")
    assert v.status == status


def test_filing(app, world):
    v = make_rules(world, "adopted")
    coma, a, t = world["coma"], world.a, today()
    with pytest.raises(RuleViolation):
        phases.file_version(coma, a, v, t + timedelta(days=1), "ref", t)  # in the future
    with pytest.raises(RuleViolation):
        phases.file_version(coma, a, v, t, "", t)
    phases.file_version(coma, a, v, t, "递铺备〔2026〕12号", t)
    assert v.filed_on == t and v.filing_reference == "递铺备〔2026〕12号"
    with pytest.raises(RuleViolation):
        phases.file_version(coma, a, v, t, "again", t)
    draft = make_rules(world, "drafting")
    with pytest.raises(RuleViolation):
        phases.file_version(coma, a, draft, t, "ref", t)


def test_hidden_amendment_cannot_be_supported(app, world):
    from portal.moderation import services as mod

    v = make_rules(world, "consultation")
    t = today()
    am = phases.propose_amendment(world["resa"], world.a, v, "delete", services.clauses_of(v)[0], "", "why", t)
    mod.hide(world["coma"], world.a, am, "insulting")
    with pytest.raises(RuleViolation):
        phases.support_amendment(world["meda"], world.a, v, am, t)
    assert db.session.get(Amendment, am.id).support_count == 0
