"""What leaves the portal about a case, and when it goes: the parties' and the committee's
exports (each a read trace in the audit chain) and the retention rule (closed cases are
anonymised after MEDIATION_RETENTION_DAYS, `flask mediation anonymise-due`)."""
from __future__ import annotations

from contextlib import suppress
from datetime import timedelta

from sqlalchemy import select

from ..audit import chain as audit
from ..db import utcnow
from ..extensions import db
from . import states
from .models import (Agreement, CaseSession, CorrectionRequest, FollowUp, MediationCase, MediatorAssignment,
                     Rating)
from .services import move


# -- exports -------------------------------------------------------------------

def _iso(value):
    return value.isoformat() if value is not None else None


def case_dict(case: MediationCase, *, notes: bool) -> dict:
    """Everything held in the case (session notes only when asked: mediators and committee)."""
    agreement = db.session.execute(select(Agreement).where(Agreement.case_id == case.id)).scalar_one_or_none()
    sessions = db.session.execute(select(CaseSession).where(CaseSession.case_id == case.id)
                                  .order_by(CaseSession.held_on, CaseSession.id)).scalars().all()
    follow_ups = db.session.execute(select(FollowUp).where(FollowUp.case_id == case.id)
                                    .order_by(FollowUp.id)).scalars().all()
    from ..uploads import attachments_for

    files = attachments_for(_community(case), "mediation_case", [case.id])[case.id]
    return {
        "case": case.id, "state": case.state, "category": case.category, "urgency": case.urgency,
        "origin": case.origin, "what_happened": case.what_happened, "what_they_want": case.what_they_want,
        "other_party": {"name": case.other_party_name, "contact": case.other_party_contact,
                        "has_account": case.other_party_id is not None},
        "preferred_contact_time": case.contact_time,
        "consent": {"version": case.consent_version, "text": case.consent_text},
        "decision_reason": case.decision_reason, "referral": case.referral, "outcome_note": case.outcome_note,
        "other_party_agreed": case.other_party_agreed,
        "dates": {k: _iso(getattr(case, k)) for k in ("requested_at", "triaged_at", "assigned_at", "outcome_at",
                                                      "closed_at")},
        "sessions": [{"held_on": _iso(s.held_on), "place": s.place, "attendees": s.attendees,
                      **({"notes": s.notes} if notes else {})} for s in sessions],
        "agreement": None if agreement is None else {
            "kind": agreement.kind, "facts": agreement.facts, "issues": agreement.issues,
            "terms": [{"what": t.what, "how": t.how, "by": _iso(t.due_on)} for t in agreement.terms]},
        "follow_ups": [{"kept": f.kept, "note": f.note, "at": _iso(f.created_at)} for f in follow_ups],
        "files": [{"id": a.id, "kind": a.kind, "name": a.original_name, "type": a.content_type} for a in files],
    }


def _community(case):
    from ..communities.models import Community

    return db.session.get(Community, case.community_id)


def export_party_data(community, case: MediationCase, *, actor) -> dict:
    """All the portal holds about this party in this case, as JSON-ready data."""
    data = case_dict(case, notes=False)
    data["your_role"] = "requester" if actor.id == case.requester_id else "other_party"
    data["your_ratings"] = [{"stars": r.stars, "comment": r.comment, "at": _iso(r.created_at)} for r in
                            db.session.execute(select(Rating).where(Rating.case_id == case.id,
                                                                    Rating.user_id == actor.id)).scalars()]
    data["your_correction_requests"] = [{"text": c.body, "at": _iso(c.created_at)} for c in
                                        db.session.execute(select(CorrectionRequest).where(
                                            CorrectionRequest.case_id == case.id,
                                            CorrectionRequest.user_id == actor.id)).scalars()]
    audit.record(community, "mediation.exported", ("mediation_case", case.id), {"by": "party"},
                 actor_role="resident", trace=True, actor=actor)
    return data


def committee_export(community, *, actor) -> list[dict]:
    """The committee's case export: the one place case files leave the portal (audited)."""
    cases = db.session.execute(select(MediationCase).where(MediationCase.community_id == community.id)
                               .order_by(MediationCase.id)).scalars().all()
    out = [case_dict(c, notes=True) for c in cases]
    audit.record(community, "mediation.cases_exported", ("community", community.id),
                 {"cases": len(out)}, actor_role="committee", trace=True, actor=actor)
    return out


# -- retention -----------------------------------------------------------------

def anonymise(case: MediationCase, community) -> None:
    """Remove every personal field and file; keep category, states, dates and the stars."""
    from ..uploads.models import Attachment

    case.final_state = case.state
    move(case, "anonymise")
    for attr in ("what_happened", "what_they_want", "other_party_name", "other_party_contact", "contact_time",
                 "decision_reason", "outcome_note", "consent_text"):
        setattr(case, attr, "")
    case.requester_id = case.other_party_id = case.recorded_by_id = None
    case.anonymised_at = utcnow()
    for s in db.session.execute(select(CaseSession).where(CaseSession.case_id == case.id)).scalars():
        s.place = s.attendees = s.notes = ""
    agreement = db.session.execute(select(Agreement).where(Agreement.case_id == case.id)).scalar_one_or_none()
    if agreement is not None:
        agreement.facts = agreement.issues = ""
        for t in agreement.terms:
            t.what = t.how = ""
    for f in db.session.execute(select(FollowUp).where(FollowUp.case_id == case.id)).scalars():
        f.note = ""
    for r in db.session.execute(select(Rating).where(Rating.case_id == case.id)).scalars():
        r.user_id, r.comment = None, ""
    for c in db.session.execute(select(CorrectionRequest).where(CorrectionRequest.case_id == case.id)).scalars():
        db.session.delete(c)
    for a in db.session.execute(select(MediatorAssignment).where(MediatorAssignment.case_id == case.id)).scalars():
        a.change_reason = ""
    files = db.session.execute(select(Attachment).where(
        Attachment.community_id == community.id, Attachment.owner_type == "mediation_case",
        Attachment.owner_id == case.id)).scalars().all()
    keys = [a.storage_key for a in files]
    for a in files:
        db.session.delete(a)
    db.session.flush()
    _remove_unreferenced(keys)
    audit.record(community, "mediation.anonymised", ("mediation_case", case.id),
                 {"files_removed": len(keys)}, actor_role="system", actor=None)


def _remove_unreferenced(keys) -> None:
    """Delete stored files no attachment row refers to any more (identical bytes are shared)."""
    from ..uploads import upload_root
    from ..uploads.models import Attachment

    root = upload_root()
    for key in set(keys):
        if db.session.execute(select(Attachment.id).where(Attachment.storage_key == key)).first() is None:
            with suppress(FileNotFoundError):
                (root / key).unlink()


def due_for_anonymisation(now, retention_days: int) -> list[MediationCase]:
    cutoff = now - timedelta(days=retention_days)
    cases = db.session.execute(select(MediationCase).where(MediationCase.state.in_(states.FINISHED))
                               .order_by(MediationCase.id)).scalars().all()
    return [c for c in cases if (c.finished_at or c.requested_at) <= cutoff]


def anonymise_due(now, retention_days: int) -> int:
    from ..communities.models import Community

    done = 0
    for case in due_for_anonymisation(now, retention_days):
        anonymise(case, db.session.get(Community, case.community_id))
        done += 1
    return done
