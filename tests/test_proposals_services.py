"""Proposal rules at the service level: states, supports, threshold, answers, figures."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.audit import verify_community
from portal.audit.models import AuditEvent
from portal.comments import services as cs
from portal.db import utcnow
from portal.extensions import db
from portal.moderation import services as mod
from portal.proposals import queries
from portal.proposals import services as ps
from portal.proposals.models import ProposalSupport
from portal.web.errors import RuleViolation

from .support.proposals import category_id, make_proposal, set_threshold


def actions(community):
    return db.session.execute(select(AuditEvent.action).where(AuditEvent.community_id == community.id)
                              .order_by(AuditEvent.seq)).scalars().all()


def test_draft_edit_publish_and_edits_refused_after(world):
    p = make_proposal(world, publish=False)
    assert p.state == "draft"
    ps.edit_draft(world.a, p, "New title", "New body", category_id(world.a), actor=world["resa"])
    db.session.commit()
    assert p.title == "New title"
    with pytest.raises(RuleViolation):
        ps.edit_draft(world.a, p, "Hijack", "x", category_id(world.a), actor=world["coma"])
    ps.publish_proposal(world.a, p, actor=world["resa"])
    db.session.commit()
    assert p.state == "published" and p.published_at is not None
    with pytest.raises(RuleViolation):
        ps.edit_draft(world.a, p, "Late change", "x", category_id(world.a), actor=world["resa"])
    with pytest.raises(RuleViolation):
        ps.publish_proposal(world.a, p, actor=world["resa"])
    acts = actions(world.a)
    assert acts[-3:] == ["proposal.created", "proposal.edited", "proposal.published"]


def test_text_limits_and_foreign_category(world):
    with pytest.raises(RuleViolation):
        ps.create_proposal(world.a, "", "body", category_id(world.a), actor=world["resa"])
    with pytest.raises(RuleViolation):
        ps.create_proposal(world.a, "x" * 121, "body", category_id(world.a), actor=world["resa"])
    with pytest.raises(RuleViolation):
        ps.create_proposal(world.a, "t", "b" * 5001, category_id(world.a), actor=world["resa"])
    with pytest.raises(RuleViolation):
        ps.create_proposal(world.a, "t", "b", category_id(world.b), actor=world["resa"])  # B's category


def test_support_once_threshold_starts_review_with_deadline(world):
    set_threshold(world.a, 2, days=15)
    p = make_proposal(world)
    assert ps.support(world.a, p, actor=world["meda"]) is True
    assert ps.support(world.a, p, actor=world["meda"]) is False  # second time: no change
    db.session.commit()
    assert p.support_count == 1 and p.state == "published"
    with pytest.raises(RuleViolation):
        ps.support(world.a, p, actor=world["resa"])  # author
    ps.support(world.a, p, actor=world["coma"])
    db.session.commit()
    assert p.state == "under_review"
    assert p.support_count == 2
    assert timedelta(days=14, hours=23) < p.answer_due_at - p.review_started_at <= timedelta(days=15)
    assert "proposal.review_started" in actions(world.a)
    # Withdrawing support is only possible while collecting support.
    with pytest.raises(RuleViolation):
        ps.unsupport(world.a, p, actor=world["coma"])
    assert verify_community(world.a).ok


def test_unsupport_while_published(world):
    set_threshold(world.a, 10)
    p = make_proposal(world)
    ps.support(world.a, p, actor=world["meda"])
    db.session.commit()
    assert ps.unsupport(world.a, p, actor=world["meda"]) is True
    assert ps.unsupport(world.a, p, actor=world["meda"]) is False
    db.session.commit()
    assert p.support_count == 0
    assert db.session.execute(select(func.count()).select_from(ProposalSupport)).scalar_one() == 0


def test_support_unique_constraint_in_database(world):
    p = make_proposal(world)
    db.session.add(ProposalSupport(proposal_id=p.id, user_id=world["meda"].id))
    db.session.commit()
    db.session.add(ProposalSupport(proposal_id=p.id, user_id=world["meda"].id))
    with pytest.raises(Exception):
        db.session.commit()
    db.session.rollback()


def test_threshold_percentage_of_verified_residents(world):
    from portal.proposals.models import ProposalSettings

    db.session.add(ProposalSettings(community_id=world.a.id, support_threshold=99, threshold_percent=50))
    db.session.commit()
    # A has 3 verified members (coma, meda, resa): 50% → 2 (rounded up).
    assert ps.threshold_for(world.a) == 2


def test_answer_and_progress(world):
    set_threshold(world.a, 1)
    p = make_proposal(world)
    with pytest.raises(RuleViolation):
        ps.answer(world.a, p, "maybe", "text", actor=world["coma"])
    ps.support(world.a, p, actor=world["meda"])
    ps.answer(world.a, p, "accepted", "We will repair it in May.", actor=world["coma"])
    db.session.commit()
    assert p.state == "accepted" and p.answered_at
    with pytest.raises(RuleViolation):
        ps.answer(world.a, p, "rejected", "again", actor=world["coma"])
    with pytest.raises(RuleViolation):
        ps.withdraw(world.a, p, actor=world["resa"])  # answered: too late
    ps.add_progress(world.a, p, "Gravel delivered.", implemented=False, actor=world["coma"])
    ps.add_progress(world.a, p, "Road repaired.", implemented=True, actor=world["coma"])
    db.session.commit()
    assert p.state == "implemented"
    with pytest.raises(RuleViolation):
        ps.add_progress(world.a, p, "More.", implemented=False, actor=world["coma"])
    acts = actions(world.a)
    assert acts.count("proposal.progress") == 2 and "proposal.answered" in acts


def test_withdraw_by_author_only(world):
    p = make_proposal(world)
    with pytest.raises(RuleViolation):
        ps.withdraw(world.a, p, actor=world["meda"])
    ps.withdraw(world.a, p, actor=world["resa"])
    db.session.commit()
    assert p.state == "withdrawn"
    with pytest.raises(RuleViolation):
        ps.support(world.a, p, actor=world["meda"])


def test_oversight_overdue_and_figures(world):
    set_threshold(world.a, 1, days=15)
    late = make_proposal(world, title="Late one")
    on_time = make_proposal(world, title="On time one")
    waiting = make_proposal(world, title="Still waiting, overdue")
    for p in (late, on_time, waiting):
        ps.support(world.a, p, actor=world["meda"])
    db.session.commit()
    now = utcnow()
    # Move the clock: 'late' started 30 days ago, 'waiting' 20 days ago.
    late.review_started_at, late.answer_due_at = now - timedelta(days=30), now - timedelta(days=15)
    waiting.review_started_at, waiting.answer_due_at = now - timedelta(days=20), now - timedelta(days=5)
    db.session.commit()
    ps.answer(world.a, late, "rejected", "No budget this year.", actor=world["coma"])
    ps.answer(world.a, on_time, "planned", "Already in the plan.", actor=world["coma"])
    db.session.commit()
    rows = queries.overdue(world.a)
    assert [(p.title, d) for p, d in rows] == [("Still waiting, overdue", 5)]
    f = queries.figures(world.a)
    assert f.answered == 2 and f.on_time_share == 50 and f.waiting == 1 and f.overdue == 1
    assert f.median_days == pytest.approx(15.0, abs=0.1)


def test_list_filters_sort_search_and_keyset(world):
    set_threshold(world.a, 100)
    made = []
    for i in range(45):
        made.append(make_proposal(world, title=f"Proposal {i:02d}", body="路灯 broken" if i % 3 == 0 else "other"))
    for i, p in enumerate(made[:5]):
        for name in ("meda", "coma")[: (i % 2) + 1]:
            ps.support(world.a, p, actor=world[name])
    db.session.commit()
    seen, cursor = [], ""
    while True:
        page = queries.list_proposals(world.a, queries.ListQuery(after=cursor))
        seen.extend(p.id for p in page.items)
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert len(seen) == 45 and len(set(seen)) == 45
    assert seen == sorted(seen, reverse=True)
    top = queries.list_proposals(world.a, queries.ListQuery(sort="supported")).items
    assert [p.support_count for p in top[:3]] == [2, 2, 1]
    hits = queries.list_proposals(world.a, queries.ListQuery(q="路灯")).items
    assert len(hits) == 15
    assert queries.list_proposals(world.a, queries.ListQuery(q="100%_")).items == []
    assert queries.list_proposals(world.b, queries.ListQuery()).items == []


def test_comments_one_level_and_moderation(world):
    p = make_proposal(world)
    top = cs.add_comment(world.a, p, "Good idea", actor=world["meda"])
    reply = cs.add_comment(world.a, p, "Agreed", parent=top, actor=world["coma"])
    reply2 = cs.add_comment(world.a, p, "Reply to reply", parent=reply, actor=world["resa"])
    db.session.commit()
    assert reply2.parent_id == top.id  # kept at one level
    thread = cs.thread(world.a, p)
    assert [(c.body, [r.body for r in rs]) for c, rs in thread] == [("Good idea", ["Agreed", "Reply to reply"])]
    assert mod.flag(world.a, top, "rude", actor=world["resa"]) is not None
    assert mod.flag(world.a, top, "rude again", actor=world["resa"]) is None  # once: nothing written
    with pytest.raises(RuleViolation):
        mod.flag(world.a, top, "my own", actor=world["meda"])
    mod.hide(world.a, top, "insulting words", actor=world["coma"])
    db.session.commit()
    assert top.is_hidden and top.body == "Good idea"  # kept, not deleted
    assert mod.open_flags(world.a) == []
    mod.restore(world.a, top, "reviewed again", actor=world["coma"])
    db.session.commit()
    assert not top.is_hidden
    acts = actions(world.a)
    for a in ("comment.added", "content.flagged", "content.hidden", "content.restored"):
        assert a in acts
    assert verify_community(world.a).ok
