"""Proposal use cases: one function per use case, explicit actor and community,
audit event in the same transaction; the view commits."""
from __future__ import annotations

import functools

import math
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.exc import IntegrityError

from ..audit import chain as audit
from ..communities.models import Membership
from ..db import utcnow
from ..web.errors import RuleViolation
from ..extensions import db
from .models import (ANSWER_STATES, DEFAULT_CATEGORIES, OfficialAnswer, ProgressUpdate, Proposal,
                     ProposalCategory, ProposalSettings, ProposalSupport)

TITLE_MAX = 120
BODY_MAX = 5000


# -- settings and categories ---------------------------------------------------

def settings_for(community) -> ProposalSettings:
    s = db.session.get(ProposalSettings, community.id)
    if s is None:
        s = ProposalSettings(community_id=community.id, support_threshold=10, answer_days=15)
    return s


@functools.cache
def _categories():
    return select(ProposalCategory).where(ProposalCategory.community_id == bindparam("community_id")) \
        .order_by(ProposalCategory.position, ProposalCategory.id)


@functools.cache
def _active_categories():
    return _categories().where(ProposalCategory.active.is_(True))  # built once: every list page


def categories(community, include_inactive: bool = False) -> list[ProposalCategory]:
    q = _categories() if include_inactive else _active_categories()
    return db.session.execute(q, {"community_id": community.id}).scalars().all()


def ensure_default_categories(community) -> list[ProposalCategory]:
    existing = db.session.execute(
        select(ProposalCategory).where(ProposalCategory.community_id == community.id)).scalars().all()
    if existing:
        return [c for c in existing if c.active]
    cats = [ProposalCategory(community_id=community.id, key=k, name_zh=zh, name_en=en, position=i)
            for i, (k, zh, en) in enumerate(DEFAULT_CATEGORIES)]
    db.session.add_all(cats)
    db.session.flush()
    return cats


def update_settings(community, support_threshold: int, threshold_percent: int | None,
                    answer_days: int, *, actor) -> ProposalSettings:
    s = db.session.get(ProposalSettings, community.id)
    if s is None:
        s = ProposalSettings(community_id=community.id)
        db.session.add(s)
    if not (1 <= support_threshold <= 100000) or not (1 <= answer_days <= 365) or \
            (threshold_percent is not None and not 1 <= threshold_percent <= 100):
        raise RuleViolation(_l("These settings are out of range."))
    s.support_threshold, s.threshold_percent, s.answer_days = support_threshold, threshold_percent, answer_days
    db.session.flush()
    audit.record(community, "proposals.settings_changed", ("community", community.id),
                 {"support_threshold": support_threshold, "threshold_percent": threshold_percent,
                  "answer_days": answer_days}, actor_role="committee", actor=actor)
    return s


def add_category(community, key: str, name_zh: str, name_en: str, *, actor) -> ProposalCategory:
    key = (key or "").strip().lower()
    if not key or not key.replace("-", "").replace("_", "").isalnum() or not key.isascii():
        raise RuleViolation(_l("The key may use letters, digits, dashes and underscores."), field="key")
    if db.session.execute(select(ProposalCategory.id).where(
            ProposalCategory.community_id == community.id, ProposalCategory.key == key)).first():
        raise RuleViolation(_l("A category with this key already exists."), field="key")
    ensure_default_categories(community)
    pos = db.session.execute(select(func.coalesce(func.max(ProposalCategory.position), 0))
                             .where(ProposalCategory.community_id == community.id)).scalar_one() + 1
    cat = ProposalCategory(community_id=community.id, key=key, name_zh=name_zh.strip(),
                           name_en=name_en.strip(), position=pos)
    db.session.add(cat)
    db.session.flush()
    audit.record(community, "proposals.category_added", cat,
                 {"key": key, "name_zh": cat.name_zh, "name_en": cat.name_en}, actor_role="committee", actor=actor)
    return cat


def set_category_active(community, cat: ProposalCategory, active: bool, *, actor) -> None:
    if cat.active == active:
        return
    if not active and len(categories(community)) <= 1:
        raise RuleViolation(_l("At least one category must stay in use."))
    cat.active = active
    audit.record(community, "proposals.category_changed", cat, {"active": active},
                 actor_role="committee", actor=actor)


def verified_count(community) -> int:
    return db.session.execute(
        select(func.count()).select_from(Membership)
        .where(Membership.community_id == community.id, Membership.status == "verified")).scalar_one()


def threshold_for(community) -> int:
    s = settings_for(community)
    if s.threshold_percent:
        return max(1, math.ceil(verified_count(community) * s.threshold_percent / 100))
    return s.support_threshold


# -- authoring ---------------------------------------------------------------

def _check_text(title: str, body: str) -> tuple[str, str]:
    title, body = (title or "").strip(), (body or "").strip()
    if not title or not body:
        raise RuleViolation(_l("A proposal needs a title and a text."), field="body" if title else "title")
    if len(title) > TITLE_MAX or len(body) > BODY_MAX:
        raise RuleViolation(_l("The title or the text is too long."), field="title" if len(title) > TITLE_MAX else "body")
    return title, body


def _category(community, category_id: int) -> ProposalCategory:
    cat = db.session.execute(select(ProposalCategory).where(
        ProposalCategory.id == category_id, ProposalCategory.community_id == community.id,
        ProposalCategory.active.is_(True))).scalar_one_or_none()
    if cat is None:
        raise RuleViolation(_l("Please choose one of the listed categories."), field="category")
    return cat


def create_proposal(community, title: str, body: str, category_id: int, publish: bool = False,
                    origin: str = "web", *, actor) -> Proposal:
    title, body = _check_text(title, body)
    cat = _category(community, category_id)
    p = Proposal(community_id=community.id, author_id=actor.id, category_id=cat.id, title=title, body=body,
                 state="draft", origin=origin)
    db.session.add(p)
    db.session.flush()
    audit.record(community, "proposal.created", p,
                 {"title": title, "category": cat.key, "origin": origin}, actor_role="resident", actor=actor)
    if publish:
        publish_proposal(community, p, actor=actor)
    return p


def edit_draft(community, p: Proposal, title: str, body: str, category_id: int, *, actor) -> None:
    if p.author_id != actor.id:
        raise RuleViolation(_l("Only the author can change a proposal."))
    if p.state != "draft":
        raise RuleViolation(_l("A published proposal cannot be changed any more; you can withdraw it."))
    title, body = _check_text(title, body)
    cat = _category(community, category_id)
    changed = {k: v for k, v in (("title", title), ("body_changed", body != p.body), ("category", cat.key))
               if (k == "title" and v != p.title) or (k == "body_changed" and v) or
               (k == "category" and cat.id != p.category_id)}
    p.title, p.body, p.category_id = title, body, cat.id
    audit.record(community, "proposal.edited", p, changed, actor_role="resident", actor=actor)


def publish_proposal(community, p: Proposal, *, actor) -> None:
    if p.author_id != actor.id:
        raise RuleViolation(_l("Only the author can publish a proposal."))
    if p.state != "draft":
        raise RuleViolation(_l("Only a draft can be published."))
    p.state, p.published_at = "published", utcnow()
    audit.record(community, "proposal.published", p, {"state": "published"}, actor_role="resident", actor=actor)
    _maybe_start_review(actor, community, p)


def withdraw(community, p: Proposal, *, actor) -> None:
    if p.author_id != actor.id:
        raise RuleViolation(_l("Only the author can withdraw a proposal."))
    if p.state not in ("draft", "published", "under_review"):
        raise RuleViolation(_l("An answered proposal cannot be withdrawn."))
    previous = p.state
    p.state, p.withdrawn_at = "withdrawn", utcnow()
    audit.record(community, "proposal.withdrawn", p, {"from": previous, "state": "withdrawn"},
                 actor_role="resident", actor=actor)


# -- support (附议) -------------------------------------------------------------

def support(community, p: Proposal, origin: str = "web", *, actor) -> bool:
    """Back a proposal; returns False when this person already backs it."""
    if p.state not in ("published", "under_review"):
        raise RuleViolation(_l("This proposal cannot be supported in its current state."))
    if p.author_id == actor.id:
        raise RuleViolation(_l("You wrote this proposal; your support is already counted."))
    if p.is_hidden:
        raise RuleViolation(_l("This proposal has been hidden by the committee."))
    try:
        with db.session.begin_nested():
            db.session.add(ProposalSupport(proposal_id=p.id, user_id=actor.id, origin=origin))
    except IntegrityError:
        return False  # the unique constraint keeps one support per person
    db.session.execute(update(Proposal).where(Proposal.id == p.id)
                       .values(support_count=Proposal.support_count + 1))
    db.session.refresh(p, ["support_count", "state"])
    audit.record(community, "proposal.supported", p, {"origin": origin}, actor_role="resident", actor=actor)
    _maybe_start_review(actor, community, p)
    return True


def unsupport(community, p: Proposal, *, actor) -> bool:
    if p.state != "published":
        raise RuleViolation(_l("Support can only be withdrawn while the proposal is collecting support."))
    gone = db.session.execute(delete(ProposalSupport).where(
        ProposalSupport.proposal_id == p.id, ProposalSupport.user_id == actor.id)).rowcount
    if not gone:
        return False
    db.session.execute(update(Proposal).where(Proposal.id == p.id)
                       .values(support_count=Proposal.support_count - 1))
    db.session.refresh(p, ["support_count"])
    audit.record(community, "proposal.unsupported", p, {}, actor_role="resident", actor=actor)
    return True


@functools.cache
def _supported():
    return select(ProposalSupport.id).where(ProposalSupport.proposal_id == bindparam("proposal_id"),
                                                  ProposalSupport.user_id == bindparam("user_id"))


def has_supported(user, p: Proposal) -> bool:
    if user is None:
        return False
    return db.session.execute(_supported(), {"proposal_id": p.id, "user_id": user.id}).first() is not None


def _maybe_start_review(actor, community, p: Proposal) -> None:
    if p.state != "published" or p.support_count < threshold_for(community):
        return
    now = utcnow()
    days = settings_for(community).answer_days
    p.state, p.review_started_at, p.answer_due_at = "under_review", now, now + timedelta(days=days)
    audit.record(community, "proposal.review_started", p,
                 {"supports": p.support_count, "answer_due": p.answer_due_at.strftime("%Y-%m-%d")},
                 actor_role="system", actor=None)


# -- official answer and progress ---------------------------------------------

def answer(community, p: Proposal, decision: str, body: str, *, actor) -> OfficialAnswer:
    if decision not in ANSWER_STATES:
        raise RuleViolation(_l("Choose whether the proposal is accepted, rejected or already planned."),
                            field="decision")
    if p.state not in ("published", "under_review"):
        raise RuleViolation(_l("This proposal cannot be answered in its current state."))
    body = (body or "").strip()
    if not body or len(body) > BODY_MAX:
        raise RuleViolation(_l("The answer needs a text (at most 5000 characters)."), field="body")
    now = utcnow()
    a = OfficialAnswer(proposal_id=p.id, author_id=actor.id, decision=decision, body=body, created_at=now)
    db.session.add(a)
    p.state, p.answered_at = decision, now
    db.session.flush()
    on_time = p.answer_due_at is None or now <= p.answer_due_at
    audit.record(community, "proposal.answered", p, {"decision": decision, "on_time": on_time},
                 actor_role="committee", actor=actor)
    return a


def add_progress(community, p: Proposal, body: str, implemented: bool, *, actor) -> ProgressUpdate:
    if p.state not in ("accepted", "planned"):
        raise RuleViolation(_l("Progress can only be reported on an accepted or planned proposal."))
    body = (body or "").strip()
    if not body or len(body) > BODY_MAX:
        raise RuleViolation(_l("The progress report needs a text (at most 5000 characters)."), field="body")
    u = ProgressUpdate(proposal_id=p.id, author_id=actor.id, body=body, implemented=implemented)
    db.session.add(u)
    if implemented:
        p.state, p.implemented_at = "implemented", utcnow()
    db.session.flush()
    audit.record(community, "proposal.progress", p, {"implemented": implemented},
                 actor_role="committee", actor=actor)
    return u
