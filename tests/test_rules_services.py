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
    v = services.create_document(a, "卫生公约", "sanitation_agreement", actor=coma)
    first = services.chapters_of(v)[0]
    c1 = services.add_clause(a, v, first, "一", actor=coma)
    c2 = services.add_clause(a, v, first, "二", actor=coma)
    second = services.add_chapter(a, v, "附则", actor=coma)
    c3 = services.add_clause(a, v, second, "三", actor=coma)
    c4 = services.add_clause(a, v, first, "一点五", actor=coma)  # at the end of chapter 1, before chapter 2
    assert _texts(v) == ["一", "二", "一点五", "三"] and [c.number for c in services.clauses_of(v)] == [1, 2, 3, 4]
    services.move_clause(a, v, c3, "up", actor=coma)  # first of chapter 2: crosses into chapter 1
    assert c3.chapter_id == first.id and _texts(v) == ["一", "二", "一点五", "三"]
    services.move_clause(a, v, c3, "up", actor=coma)
    assert _texts(v) == ["一", "二", "三", "一点五"]
    with pytest.raises(RuleViolation):
        services.move_clause(a, v, c1, "up", actor=coma)
    services.delete_clause(a, v, c2, actor=coma)
    assert _texts(v) == ["一", "三", "一点五"] and [c.number for c in services.clauses_of(v)] == [1, 2, 3]
    services.edit_clause(a, v, c4, "一又二分之一", actor=coma)
    assert _last_action() == "rules.clause_edited"
    with pytest.raises(RuleViolation):
        services.add_clause(a, v, first, " ", actor=coma)
    assert verify_community(a).ok


def test_consultation_dates_and_the_fixed_text(app, world):
    v = make_rules(world, "drafting")
    coma, a, t = world["coma"], world.a, today()
    with pytest.raises(RuleViolation):
        phases.open_consultation(a, v, t - timedelta(days=1), t + timedelta(days=3), t, actor=coma)  # in the past
    with pytest.raises(RuleViolation):
        phases.open_consultation(a, v, t + timedelta(days=3), t + timedelta(days=2), t, actor=coma)  # ends before start
    phases.open_consultation(a, v, t + timedelta(days=1), t + timedelta(days=3), t, actor=coma)
    assert phases.days_left(v, t) is None  # not started yet
    assert phases.days_left(v, t + timedelta(days=1)) == 3
    clause = services.clauses_of(v)[0]
    for edit in (lambda: services.edit_clause(a, v, clause, "新", actor=coma), lambda: services.delete_clause(a, v, clause, actor=coma),
                 lambda: services.add_chapter(a, v, "x", actor=coma), lambda: services.move_clause(a, v, clause, "down", actor=coma)):
        with pytest.raises(RuleViolation):
            edit()
    with pytest.raises(RuleViolation):  # not started: no amendments yet
        phases.propose_amendment(a, v, "delete", clause, "", "why", t, actor=world["resa"])
    with pytest.raises(RuleViolation):  # the revision waits for the last day to pass
        phases.start_revision(a, v, t + timedelta(days=3), actor=coma)
    phases.start_revision(a, v, t + timedelta(days=4), actor=coma)
    assert v.status == "revision"


def test_amendments_and_one_support_per_person(app, world):
    v = make_rules(world, "consultation")
    a, t = world.a, today()
    first, second = services.clauses_of(v)[:2]
    with pytest.raises(RuleViolation):
        phases.propose_amendment(a, v, "change", first, first.text, "same", t, actor=world["resa"])
    with pytest.raises(RuleViolation):
        phases.propose_amendment(a, v, "change", first, "新文字", "", t, actor=world["resa"])  # no reason
    am = phases.propose_amendment(a, v, "new", second, "禁止高空抛物。", "安全", t, actor=world["resa"])
    assert am.after_key == second.key and am.target_key is None
    assert phases.support_amendment(a, v, am, t, actor=world["meda"]) is True
    assert phases.support_amendment(a, v, am, t, actor=world["meda"]) is False
    with pytest.raises(RuleViolation):
        phases.support_amendment(a, v, am, t, actor=world["resa"])  # the author
    assert am.support_count == 1
    assert db.session.execute(select(func.count()).select_from(AmendmentSupport)).scalar_one() == 1


def test_revision_applies_accepted_merged_new_and_deletions(app, world):
    v = make_rules(world, "consultation")
    a, t, coma = world.a, today(), world["coma"]
    c = services.clauses_of(v)
    change = phases.propose_amendment(a, v, "change", c[1], "Burning straw is forbidden all year.",
                                      "clearer", t, actor=world["resa"])
    rival = phases.propose_amendment(a, v, "change", c[1], "Burning straw is allowed.", "tradition", t, actor=world["meda"])
    new = phases.propose_amendment(a, v, "new", c[0], "禁止高空抛物。", "安全", t, actor=world["meda"])
    gone = phases.propose_amendment(a, v, "delete", c[4], "", "dogs are fine", t, actor=world["resa"])
    keep = phases.propose_amendment(a, v, "change", c[2], "红白喜事随意。", "no", t, actor=world["resa"])
    with pytest.raises(RuleViolation):
        phases.decide_amendment(a, v, change, "accepted", "ok", actor=coma)  # still in consultation
    end_consultation(v)
    phases.start_revision(a, v, t, actor=coma)
    with pytest.raises(RuleViolation):
        phases.propose_amendment(a, v, "delete", c[0], "", "late", t, actor=world["resa"])
    with pytest.raises(RuleViolation):
        phases.conclude_revision(a, v, "not yet", actor=coma)  # undecided amendments
    phases.decide_amendment(a, v, change, "merged", "Shorter", "Burning straw is forbidden.  All year.", actor=coma)
    with pytest.raises(RuleViolation):
        phases.decide_amendment(a, v, rival, "accepted", "both?", actor=coma)  # one text per clause
    with pytest.raises(RuleViolation):
        phases.decide_amendment(a, v, gone, "merged", "edit a deletion?", "x", actor=coma)
    with pytest.raises(RuleViolation):
        phases.decide_amendment(a, v, keep, "rejected", "  ", actor=coma)  # a public reason is required
    phases.decide_amendment(a, v, rival, "rejected", "Against the county rules", actor=coma)
    phases.decide_amendment(a, v, new, "accepted", "Good", actor=coma)
    phases.decide_amendment(a, v, gone, "accepted", "Covered elsewhere", actor=coma)
    phases.decide_amendment(a, v, keep, "rejected", "No", actor=coma)
    nxt = phases.conclude_revision(a, v, "三条修改被采纳", actor=coma)
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

    draft = services.start_redraft(a, db.session.get(RuleDocument, doc), "停车规定", actor=coma)
    with pytest.raises(RuleViolation):  # a redraft goes through consultation first
        adoption.start_adoption_vote(draft, coma)
    t = today()
    phases.open_consultation(a, draft, t, t, t, actor=coma)
    end_consultation(draft)
    phases.start_revision(a, draft, t, actor=coma)
    nxt = phases.conclude_revision(a, draft, "无修改", actor=coma)
    adoption.start_adoption_vote(nxt, coma)
    with pytest.raises(RuleViolation):  # no amendments, no edits during the adoption vote
        services.edit_clause(a, nxt, services.clauses_of(nxt)[0], "偷偷改", actor=coma)
    assert adoption.record_adoption_result(nxt, coma, passed=True, poll_id=42, summary="通过") is None
    assert nxt.status == "adopted" and nxt.poll_id == 42 and nxt.vote_result == "通过"
    assert db.session.get(RuleVersion, first.id).status == "superseded"
    with pytest.raises(RuleViolation):  # only once, only in the adoption vote
        adoption.record_adoption_result(nxt, coma, passed=True, poll_id=42, summary="again")
    with pytest.raises(RuleViolation):  # nobody edits an adopted version
        services.edit_clause(a, nxt, services.clauses_of(nxt)[0], "改", actor=coma)
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
        phases.file_version(a, v, t + timedelta(days=1), "ref", t, actor=coma)  # in the future
    with pytest.raises(RuleViolation):
        phases.file_version(a, v, t, "", t, actor=coma)
    phases.file_version(a, v, t, "递铺备〔2026〕12号", t, actor=coma)
    assert v.filed_on == t and v.filing_reference == "递铺备〔2026〕12号"
    with pytest.raises(RuleViolation):
        phases.file_version(a, v, t, "again", t, actor=coma)
    draft = make_rules(world, "drafting")
    with pytest.raises(RuleViolation):
        phases.file_version(a, draft, t, "ref", t, actor=coma)


def test_hidden_amendment_cannot_be_supported(app, world):
    from portal.moderation import services as mod

    v = make_rules(world, "consultation")
    t = today()
    am = phases.propose_amendment(world.a, v, "delete", services.clauses_of(v)[0], "", "why", t, actor=world["resa"])
    mod.hide(world.a, am, "insulting", actor=world["coma"])
    with pytest.raises(RuleViolation):
        phases.support_amendment(world.a, v, am, t, actor=world["meda"])
    assert db.session.get(Amendment, am.id).support_count == 0
