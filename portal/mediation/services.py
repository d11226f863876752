"""Mediation use cases: explicit actor and community, one function per use case, the
audit event in the same transaction (ids, states and kinds only: never a name, a
phone number or any text a person wrote); the action wrapper commits (portal/web/actions.py).
A refusal names the form field it is about (`RuleViolation(..., field=...)`, the field as the
mediation forms call it). The exports and the retention rule are in retention.py."""
from __future__ import annotations

from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..audit import chain as audit
from ..assisted import services as assisted
from ..communities.models import Membership
from ..db import utcnow
from ..web.errors import RuleViolation
from ..extensions import db
from . import states
from .models import (CATEGORIES, REFERRALS, TERM_KEPT, URGENCIES, Agreement, AgreementTerm, CaseSession,
                     CorrectionRequest, FollowUp, MediationCase, MediatorAssignment, Rating)

TEXT_MAX = 5000
SHORT_MAX = 80
NOTE_MAX = 5000

# The consent every request is filed with. A new wording gets a new version id; the
# text as shown (in the person's language) is stored with the case.
CONSENT_VERSION = "2026-11-v1"
CONSENT_TEXT = _l("I agree that the village committee and the mediators assigned to this case may use what I "
                  "write here, and the contact details of the other party, only to handle this mediation. "
                  "Only the parties, the assigned mediators and the committee can see the case. I can download "
                  "what is held about me and ask for corrections. Closed cases are anonymised after the "
                  "retention period.")


def consent_text() -> str:
    return str(CONSENT_TEXT)


def _audit(community, actor, action: str, case: MediationCase, data: dict | None = None, role: str = "resident",
           *, trace: bool = False):
    audit.record(community, action, ("mediation_case", case.id), data or {}, actor_role=role, trace=trace, actor=actor)


def move(case: MediationCase, action: str) -> str:
    """The case's next state after `action`, or a refusal (shared with retention.py)."""
    try:
        case.state = states.next_state(case.state, action)
    except states.IllegalTransition:
        raise RuleViolation(_l("This cannot be done in the current state of the case.")) from None
    return case.state


def _text(value, limit: int, required: bool = False, field: str | None = None) -> str:
    value = (value or "").strip()
    if required and not value:
        raise RuleViolation(_l("Please fill in this field."), field=field)
    if len(value) > limit:
        raise RuleViolation(_l("This text is too long: at most %(num)d characters.", num=limit), field=field)
    return value


def verified_member(community, user) -> Membership | None:
    if user is None:
        return None
    return db.session.execute(select(Membership).where(
        Membership.community_id == community.id, Membership.user_id == user.id,
        Membership.status == "verified")).scalar_one_or_none()


# -- intake ------------------------------------------------------------------

ASSISTED_KIND = "mediation.requested"  # the kind of the assisted ledger entry (portal/assisted)


def file_request(community, *, category: str, what_happened: str, what_they_want: str, other_party_name: str, other_party_contact: str = "", other_party=None, contact_time: str = "", urgency: str = "normal", consent: bool = False, actor) -> MediationCase:
    """A resident asks for mediation for themselves."""
    return _new_case(actor, community, actor, category=category, what_happened=what_happened,
                     what_they_want=what_they_want, other_party_name=other_party_name,
                     other_party_contact=other_party_contact, other_party=other_party, contact_time=contact_time,
                     urgency=urgency, consent=consent)


def file_request_with(community, resident, *, present: bool, agreed: bool, actor, **fields) -> MediationCase:
    """A committee member files for a resident who came in person. It goes through the assisted
    ledger (portal/assisted): presence and agreement confirmed, "recorded by X with Y" in the
    resident's history with a notice at sign-in, disputable for 7 days. The ledger and its audit
    event hold ids only; the audit page hides them from all but the committee (mediation_case)."""
    return assisted.act_for(community, resident, ASSISTED_KIND, present, agreed,
                            lambda: _new_case(actor, community, resident, **fields), actor=actor)


def _new_case(actor, community, requester, *, category: str, what_happened: str, what_they_want: str,
              other_party_name: str, other_party_contact: str = "", other_party=None, contact_time: str = "",
              urgency: str = "normal", consent: bool = False) -> MediationCase:
    """The request of `requester`, recorded by `actor` (the same person, or the committee
    member they came to: origin on_behalf)."""
    if not consent:
        raise RuleViolation(_l("Mediation needs your consent to use these details for the case."), field="consent")
    if category not in CATEGORIES:
        raise RuleViolation(_l("Please choose one of the listed answers."), field="category")
    if urgency not in URGENCIES:
        raise RuleViolation(_l("Please choose one of the listed answers."), field="urgency")
    on_behalf = requester.id != actor.id
    if verified_member(community, requester) is None:
        raise RuleViolation(_l("The person asking for mediation must be a verified resident here."),
                            field="on_behalf_username" if on_behalf else None)
    if other_party is not None:
        if other_party.id == requester.id:
            raise RuleViolation(_l("The other party cannot be the person asking."), field="other_party_username")
        if verified_member(community, other_party) is None:
            raise RuleViolation(_l("The other party's account is not a verified resident here."),
                                field="other_party_username")
    case = MediationCase(
        community_id=community.id, state="requested", category=category, urgency=urgency,
        origin="on_behalf" if on_behalf else "self", requester_id=requester.id,
        recorded_by_id=actor.id, what_happened=_text(what_happened, TEXT_MAX, True, "what_happened"),
        what_they_want=_text(what_they_want, TEXT_MAX, True, "what_they_want"),
        other_party_name=_text(other_party_name, SHORT_MAX, True, "other_party_name"),
        other_party_contact=_text(other_party_contact, SHORT_MAX, field="other_party_contact"),
        other_party_id=other_party.id if other_party is not None else None,
        contact_time=_text(contact_time, SHORT_MAX, field="contact_time"), consent_version=CONSENT_VERSION,
        consent_text=consent_text(), requested_at=utcnow())
    db.session.add(case)
    db.session.flush()
    _audit(community, actor, "mediation.requested", case,
           {"category": category, "urgency": urgency, "origin": case.origin,
            "consent_version": CONSENT_VERSION, "other_party_has_account": other_party is not None},
           "committee" if on_behalf else "resident")
    return case


# -- triage (受理) ---------------------------------------------------------------

def triage(community, case: MediationCase, accept: bool, reason: str = "", referral: str = "", *, actor) -> None:
    reason = _text(reason, NOTE_MAX, field="reason")
    if not accept:
        if not reason:
            raise RuleViolation(_l("Please say why the request is declined."), field="reason")
        if referral not in REFERRALS:
            raise RuleViolation(_l("Please say where the person can turn instead."), field="referral")
    move(case, "accept" if accept else "decline")
    case.triaged_at = utcnow()
    case.decision_reason, case.referral = reason, ("" if accept else referral)
    _audit(community, actor, "mediation.triaged", case,
           {"state": case.state, **({} if accept else {"referral": referral})}, "committee")


def withdraw_request(community, case: MediationCase, *, actor) -> None:
    """The requester takes their request back before the committee accepted it (the committee
    sees it withdrawn; nothing else about the case changes)."""
    if actor.id != case.requester_id or case.state != "requested":
        raise RuleViolation(_l("A request can only be withdrawn by the person who asked, before it is accepted."))
    move(case, "withdraw")
    case.closed_at = utcnow()
    _audit(community, actor, "mediation.withdrawn", case, {"state": case.state})


def other_party_answer(community, case: MediationCase, agrees: bool, role: str = "committee", *, actor) -> None:
    if case.state != "accepted" or case.other_party_agreed is not None:
        raise RuleViolation(_l("This cannot be done in the current state of the case."))
    case.other_party_agreed = agrees
    if not agrees:
        move(case, "party_refuses")
    _audit(community, actor, "mediation.other_party_answered", case, {"agrees": agrees, "state": case.state}, role)
    if agrees:
        _maybe_start(actor, community, case)


def active_assignments(case: MediationCase) -> list[MediatorAssignment]:
    return db.session.execute(select(MediatorAssignment).where(
        MediatorAssignment.case_id == case.id, MediatorAssignment.active.is_(True))
        .order_by(MediatorAssignment.id)).scalars().all()


def _maybe_start(actor, community, case: MediationCase) -> None:
    if case.state == "accepted" and case.other_party_agreed and active_assignments(case):
        move(case, "start")
        _audit(community, actor, "mediation.started", case, {"state": case.state}, "committee")


def assign_mediator(community, case: MediationCase, mediator, *, actor) -> MediatorAssignment:
    """回避: a party, or a mediator who declared a conflict on this case, is never assigned. The
    committee only assigns; the mediator declares on his own page that he has no conflict of
    interest (declare_no_conflict) before he records a session or an outcome."""
    if case.state not in ("accepted", "mediating"):
        raise RuleViolation(_l("This cannot be done in the current state of the case."))
    m = verified_member(community, mediator)
    if m is None or "mediator" not in m.role_names:
        raise RuleViolation(_l("Please choose one of the community's mediators."), field="mediator")
    if mediator.id in (case.requester_id, case.other_party_id):
        raise RuleViolation(_l("A party to the dispute cannot mediate it."), field="mediator")
    a = db.session.execute(select(MediatorAssignment).where(
        MediatorAssignment.case_id == case.id, MediatorAssignment.mediator_id == mediator.id)).scalar_one_or_none()
    if a is not None and a.conflict_declared:
        raise RuleViolation(_l("This mediator declared a conflict of interest in this case and cannot be assigned."),
                            field="mediator")
    if a is not None and a.active:
        raise RuleViolation(_l("This mediator is already assigned."), field="mediator")
    now = utcnow()
    if a is None:
        a = MediatorAssignment(case_id=case.id, mediator_id=mediator.id, assigned_by_id=actor.id)
        db.session.add(a)
    # Assigned again after a removal: he declares again, for the case as it stands now.
    a.active, a.no_conflict_declared, a.no_conflict_declared_at = True, False, None
    a.assigned_at, a.ended_at, a.assigned_by_id = now, None, actor.id
    a.change_requested_at, a.change_reason = None, ""
    case.assigned_at = case.assigned_at or now
    db.session.flush()
    _audit(community, actor, "mediation.mediator_assigned", case, {"mediator": mediator.id}, "committee")
    _maybe_start(actor, community, case)
    return a


def declare_no_conflict(community, case: MediationCase, assignment: MediatorAssignment, *, actor) -> None:
    """The assigned mediator's own declaration that he has no conflict of interest in this case
    (回避). Only he can make it; the committee sees whether and when he did."""
    if assignment.mediator_id != actor.id or not assignment.active or case.state not in ("accepted", "mediating"):
        raise RuleViolation(_l("This cannot be done in the current state of the case."))
    if assignment.no_conflict_declared:
        raise RuleViolation(_l("You have already declared that you have no conflict of interest."))
    assignment.no_conflict_declared, assignment.no_conflict_declared_at = True, utcnow()
    _audit(community, actor, "mediation.no_conflict_declared", case, {"mediator": actor.id}, "mediator")


def _require_declared(case: MediationCase, actor) -> None:
    """Sessions and outcomes are recorded by a mediator of the case who declared no conflict."""
    a = next((a for a in active_assignments(case) if a.mediator_id == actor.id), None)
    if a is None or not a.no_conflict_declared:
        raise RuleViolation(_l("Please first declare that you have no conflict of interest in this case."))


def remove_mediator(community, case: MediationCase, assignment: MediatorAssignment, *, actor) -> None:
    if not assignment.active or case.state not in ("accepted", "mediating"):
        raise RuleViolation(_l("This cannot be done in the current state of the case."))
    assignment.active, assignment.ended_at = False, utcnow()
    _audit(community, actor, "mediation.mediator_removed", case, {"mediator": assignment.mediator_id}, "committee")
    _pause_without_mediator(actor, community, case, "committee")


def declare_conflict(community, case: MediationCase, assignment: MediatorAssignment, *, actor) -> None:
    """The mediator steps aside (回避): they can never be assigned to this case again."""
    if assignment.mediator_id != actor.id or not assignment.active:
        raise RuleViolation(_l("This cannot be done in the current state of the case."))
    assignment.active, assignment.conflict_declared, assignment.ended_at = False, True, utcnow()
    _audit(community, actor, "mediation.conflict_declared", case, {"mediator": actor.id}, "mediator")
    _pause_without_mediator(actor, community, case, "mediator")


def _pause_without_mediator(actor, community, case: MediationCase, role: str) -> None:
    """A case in mediation whose last mediator left goes back to waiting for one (accepted); the
    next assignment starts the mediation again. Nobody could record a session or an outcome."""
    db.session.flush()
    if case.state == "mediating" and not active_assignments(case):
        move(case, "pause")
        _audit(community, actor, "mediation.paused", case, {"state": case.state}, role)


def request_other_mediator(community, case: MediationCase, assignment: MediatorAssignment,
                           reason: str, *, actor) -> None:
    if not assignment.active or case.state not in ("accepted", "mediating") or \
            actor.id not in (case.requester_id, case.other_party_id):
        raise RuleViolation(_l("This cannot be done in the current state of the case."))
    assignment.change_requested_at, assignment.change_reason = utcnow(), _text(reason, NOTE_MAX, field="reason")
    _audit(community, actor, "mediation.other_mediator_asked", case, {"mediator": assignment.mediator_id})


# -- mediation -----------------------------------------------------------------

def add_session(community, case: MediationCase, held_on: date, place: str, attendees: str,
                notes: str, *, actor) -> CaseSession:
    if case.state != "mediating":
        raise RuleViolation(_l("This cannot be done in the current state of the case."))
    _require_declared(case, actor)
    s = CaseSession(case_id=case.id, held_on=held_on, place=_text(place, 120, True, "place"),
                    attendees=_text(attendees, 300, field="attendees"), notes=_text(notes, NOTE_MAX, field="notes"),
                    created_by_id=actor.id)
    db.session.add(s)
    db.session.flush()
    _audit(community, actor, "mediation.session_added", case, {"session": s.id, "held_on": held_on.isoformat()},
           "mediator")
    return s


def record_outcome(community, case: MediationCase, kind: str, *, facts: str = "", issues: str = "", terms=(), note: str = "", referral: str = "", actor) -> Agreement | None:
    """kind: written (facts, issues, terms each with how and by when), oral (the content
    in `facts`), or failed (`note` explains the other channels to the parties). A refusal about
    the n-th term names the form's field `term<n>` or `how<n>`."""
    action = {"written": "agree_written", "oral": "agree_oral", "failed": "fail"}.get(kind)
    if action is None:
        raise RuleViolation(_l("Please choose one of the listed answers."), field="kind")
    if not states.can(case.state, action):
        raise RuleViolation(_l("This cannot be done in the current state of the case."))
    _require_declared(case, actor)
    agreement = None
    if kind == "failed":
        note = _text(note, NOTE_MAX, True, "note")
        if referral not in REFERRALS:
            raise RuleViolation(_l("Please say where the person can turn instead."), field="referral")
        case.outcome_note, case.referral = note, referral
    else:
        terms = [(_text(w, TEXT_MAX, field=f"term{i}"), _text(h, TEXT_MAX, field=f"how{i}"), d)
                 for i, (w, h, d) in enumerate(terms, 1) if (w or "").strip()]
        facts = _text(facts, TEXT_MAX, True, "facts")
        if kind == "written" and not terms:
            raise RuleViolation(_l("A written agreement needs at least one agreed term."), field="term1")
        agreement = Agreement(case_id=case.id, community_id=community.id, kind=kind, facts=facts, issues=_text(issues, TEXT_MAX, field="issues"),
                              created_by_id=actor.id)
        agreement.terms = [AgreementTerm(position=i, what=w, how=h, due_on=d) for i, (w, h, d) in enumerate(terms)]
        db.session.add(agreement)
    move(case, action)
    case.outcome_at = utcnow()
    db.session.flush()
    _audit(community, actor, "mediation.outcome", case,
           {"state": case.state, "terms": len(agreement.terms) if agreement else 0}, "mediator")
    if agreement is not None:
        _number(community, agreement)
    return agreement


def _number(community, agreement: Agreement) -> None:
    """The agreement's number: the next of its community and year (in the community's time zone).
    Taken after the audit event, whose record() holds the community's row lock until the commit,
    so two agreements recorded at once in one community wait for each other and never get the
    same number (UNIQUE(community, year, serial) would refuse it anyway)."""
    year = local_date(agreement.created_at or utcnow()).year
    last = db.session.execute(select(func.max(Agreement.serial)).where(
        Agreement.community_id == community.id, Agreement.year == year)).scalar_one()
    agreement.year, agreement.serial = year, (last or 0) + 1
    db.session.flush()


def local_date(moment) -> date:
    """The calendar day of a moment in the community's time zone (the signing date printed)."""
    from zoneinfo import ZoneInfo

    zone = current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai")
    return moment.astimezone(ZoneInfo(zone)).date()


def record_follow_up(community, case: MediationCase, kept: str, note: str, *, actor) -> FollowUp:
    if kept not in TERM_KEPT:
        raise RuleViolation(_l("Please choose one of the listed answers."), field="kept")
    if not states.can(case.state, "follow_up"):
        raise RuleViolation(_l("This cannot be done in the current state of the case."))
    move(case, "follow_up")
    f = FollowUp(case_id=case.id, kept=kept, note=_text(note, NOTE_MAX, field="note"), created_by_id=actor.id)
    db.session.add(f)
    db.session.flush()
    _audit(community, actor, "mediation.followed_up", case, {"kept": kept}, "committee")
    return f


def close_case(community, case: MediationCase, *, actor) -> None:
    move(case, "close")
    case.closed_at = utcnow()
    _audit(community, actor, "mediation.closed", case, {"state": case.state}, "committee")


def has_rated(case: MediationCase, user) -> bool:
    return user is not None and db.session.execute(select(Rating.id).where(
        Rating.case_id == case.id, Rating.user_id == user.id)).first() is not None


def rate(community, case: MediationCase, stars: int, comment: str, *, actor) -> Rating:
    if case.state not in states.RATEABLE or actor.id not in (case.requester_id, case.other_party_id):
        raise RuleViolation(_l("This cannot be done in the current state of the case."))
    if not (isinstance(stars, int) and 1 <= stars <= 5):
        raise RuleViolation(_l("Please choose from 1 to 5 stars."), field="stars")
    if has_rated(case, actor):
        raise RuleViolation(_l("You have already rated this case."))
    r = Rating(case_id=case.id, user_id=actor.id, stars=stars, comment=_text(comment, 1000, field="comment"))
    db.session.add(r)
    db.session.flush()
    _audit(community, actor, "mediation.rated", case, {})  # the stars are shown in aggregate only
    return r


# -- the parties' rights: their data and corrections ----------------------------

def request_correction(community, case: MediationCase, body: str, *, actor) -> CorrectionRequest:
    if case.state == "anonymised" or actor.id not in (case.requester_id, case.other_party_id):
        raise RuleViolation(_l("This cannot be done in the current state of the case."))
    c = CorrectionRequest(case_id=case.id, user_id=actor.id, body=_text(body, NOTE_MAX, True, "body"))
    db.session.add(c)
    db.session.flush()
    _audit(community, actor, "mediation.correction_asked", case, {"request": c.id})
    return c


def record_view(community, case: MediationCase, what: str, role: str, *, actor) -> None:
    """Who looked at which case, and at what (case, agreement, file, export): never its contents."""
    _audit(community, actor, "mediation.viewed", case, {"what": what}, role, trace=True)
