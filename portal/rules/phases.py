"""Phases of a version and the residents' amendments.

drafting -> consultation (fixed dates; residents comment, amend, support) -> revision
(the committee decides every amendment with a public reason) -> revised, and the next
version, a draft holding the accepted and merged text -> adoption vote (adoption.py).
"""
from __future__ import annotations

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ..audit import chain as audit
from ..assisted import services as assisted
from ..db import utcnow
from ..web.errors import RuleViolation
from ..extensions import db
from .models import (AMENDMENT_KINDS, CLAUSE_MAX, DECISIONS, RATIONALE_MAX, REASON_MAX, Amendment,
                     AmendmentSupport, RuleClause, RuleVersion)
from .permissions import consultation_running
from .services import COMMITTEE, clauses_of, copy_version, new_key, ordered_clauses, renumber

MAX_CONSULTATION_DAYS = 366


def _status(version: RuleVersion, status: str) -> None:
    version.status, version.status_changed_at = status, utcnow()


# -- consultation ------------------------------------------------------------------------------

def open_consultation(community, version, start: date, end: date, today: date, *, actor) -> None:
    if version.status != "drafting":
        raise RuleViolation(_l("Only a draft can be opened for consultation."))
    if not clauses_of(version):
        raise RuleViolation(_l("The draft has no clauses yet."))
    if start is None or end is None or start < today:
        raise RuleViolation(_l("The consultation cannot start in the past."), field="start")
    if end < start or (end - start).days > MAX_CONSULTATION_DAYS:
        raise RuleViolation(_l("The last day must be on or after the first day, within a year."), field="end")
    version.consultation_start, version.consultation_end = start, end
    _status(version, "consultation")
    audit.record(community, "rules.consultation_opened", version,
                 {"start": start.isoformat(), "end": end.isoformat()}, actor_role=COMMITTEE, actor=actor)


def days_left(version, today: date) -> int | None:
    """Days of consultation left, today included; None when it is not running."""
    if not consultation_running(version, today):
        return None
    return (version.consultation_end - today).days + 1


def start_revision(community, version, today: date, *, actor) -> None:
    if version.status != "consultation":
        raise RuleViolation(_l("Only a version in consultation can go to revision."))
    if version.consultation_end >= today:
        raise RuleViolation(_l("The consultation runs until its last day; the revision starts after it."))
    _status(version, "revision")
    audit.record(community, "rules.revision_started", version, {}, actor_role=COMMITTEE, actor=actor)


# -- amendments (residents, during the consultation) -------------------------------------------

def propose_amendment(community, version, kind: str, clause: RuleClause | None, text: str,
                      rationale: str, today: date, *, actor) -> Amendment:
    if not consultation_running(version, today):
        raise RuleViolation(_l("Amendments can only be proposed while the consultation is running."))
    if kind not in AMENDMENT_KINDS:
        raise RuleViolation(_l("Please choose what the amendment does."), field="kind")
    text, rationale = (text or "").strip(), (rationale or "").strip()
    if len(text) > CLAUSE_MAX or len(rationale) > RATIONALE_MAX:
        raise RuleViolation(_l("The text or the reason is too long."),
                            field="text" if len(text) > CLAUSE_MAX else "rationale")
    if not rationale:
        raise RuleViolation(_l("Please say why: neighbours decide with your reason."), field="rationale")
    if clause is not None and clause.version_id != version.id:
        raise RuleViolation(_l("This clause is not part of this version."))
    if kind in ("change", "delete") and clause is None:
        raise RuleViolation(_l("Please choose the clause to change."), field="kind")
    if kind == "delete":
        text = ""
    elif not text:
        raise RuleViolation(_l("Please write the proposed text of the clause."), field="text")
    if kind == "change" and text == clause.text.strip():
        raise RuleViolation(_l("Your text is the same as the clause now. Change it where you want the rule to "
                               "say something else."), field="text")
    if kind == "new" and clause is not None and text == clause.text.strip():
        raise RuleViolation(_l("A new clause needs its own text: this is the text of the clause before it."),
                            field="text")
    a = Amendment(community_id=community.id, version_id=version.id, author_id=actor.id, kind=kind,
                  target_key=clause.key if kind != "new" and clause else None,
                  after_key=clause.key if kind == "new" and clause else None,
                  proposed_text=text, rationale=rationale)
    db.session.add(a)
    db.session.flush()
    audit.record(community, "rules.amendment_proposed", a,
                 {"version": version.id, "kind": kind, "clause": a.target_key or a.after_key},
                 actor_role="resident", actor=actor)
    return a


def support_amendment(community, version, a: Amendment, today: date, *, actor) -> bool:
    """Back an amendment; False when this person already backs it."""
    if not consultation_running(version, today):
        raise RuleViolation(_l("Amendments can only be supported while the consultation is running."))
    if a.author_id == actor.id:
        raise RuleViolation(_l("You proposed this amendment; your support is already counted."))
    if a.is_hidden:
        raise RuleViolation(_l("This amendment has been hidden by the committee."))
    try:
        with db.session.begin_nested():
            db.session.add(AmendmentSupport(amendment_id=a.id, user_id=actor.id))
    except IntegrityError:
        return False  # the unique constraint keeps one support per person
    db.session.execute(update(Amendment).where(Amendment.id == a.id)
                       .values(support_count=Amendment.support_count + 1))
    db.session.refresh(a, ["support_count"])
    audit.record(community, "rules.amendment_supported", a, {}, actor_role="resident", actor=actor)
    return True


ASSISTED_SUPPORT = "rules.amendment_supported"  # the kind of the assisted ledger entry (portal/assisted)


def support_amendment_with(community, version, a: Amendment, resident, present: bool, agreed: bool,
                           today: date, *, actor) -> Amendment:
    """A committee member records the support of a resident who is present and agrees: the
    support is the resident's own (the same rules, one per person), marked in the assisted
    ledger as recorded by `actor` with them, disputable for 7 days."""
    def do():
        if not support_amendment(community, version, a, today, actor=resident):
            raise RuleViolation(_l("%(name)s already supports this amendment.", name=resident.display_name),
                                field="resident")
        return a
    return assisted.act_for(community, resident, ASSISTED_SUPPORT, present, agreed, do, actor=actor)


def has_supported(user, a: Amendment) -> bool:
    if user is None:
        return False
    return db.session.execute(select(AmendmentSupport.id).where(
        AmendmentSupport.amendment_id == a.id, AmendmentSupport.user_id == user.id)).first() is not None


# -- revision (committee) ----------------------------------------------------------------------

def decide_amendment(community, version, a: Amendment, decision: str, reason: str,
                     merged_text: str | None = None, *, actor) -> None:
    if version.status != "revision":
        raise RuleViolation(_l("Amendments are decided during the revision."))
    if decision not in DECISIONS:
        raise RuleViolation(_l("Choose to accept, merge with edits or reject."), field="decision")
    reason = (reason or "").strip()
    if not reason or len(reason) > REASON_MAX:
        raise RuleViolation(_l("Every decision needs a public reason (at most 300 characters)."), field="reason")
    merged = None
    if decision == "merged":
        if a.kind == "delete":
            raise RuleViolation(_l("A deletion is accepted or rejected; there is no text to edit."),
                                field="decision")
        merged = (merged_text or "").strip()
        if not merged or len(merged) > CLAUSE_MAX:
            raise RuleViolation(_l("Please write the merged text of the clause (at most 2000 characters)."),
                                field="merged_text")
    if decision != "rejected" and a.kind != "new":
        clash = db.session.execute(select(Amendment.id).where(
            Amendment.version_id == version.id, Amendment.target_key == a.target_key, Amendment.id != a.id,
            Amendment.decision.in_(("accepted", "merged")))).first()
        if clash:
            raise RuleViolation(_l("Another amendment to this clause is already taken over. Merge both into "
                                   "one text instead."), field="decision")
    a.decision, a.decision_reason, a.merged_text = decision, reason, merged
    a.decided_by_id, a.decided_at = actor.id, utcnow()
    audit.record(community, "rules.amendment_decided", a, {"decision": decision, "reason": reason},
                 actor_role=COMMITTEE, actor=actor)


def conclude_revision(community, version, reason: str, *, actor) -> RuleVersion:
    """Every amendment decided: the next version, a draft with the accepted and merged text."""
    if version.status != "revision":
        raise RuleViolation(_l("Only a version in revision can be concluded."))
    reason = (reason or "").strip()
    if not reason or len(reason) > REASON_MAX:
        raise RuleViolation(_l("Please say in a sentence what changed (at most 300 characters)."), field="reason")
    amendments = db.session.execute(select(Amendment).where(Amendment.version_id == version.id)
                                    .order_by(Amendment.id)).scalars().all()
    if any(a.decision is None for a in amendments):
        raise RuleViolation(_l("Some amendments are not decided yet."))
    nxt = copy_version(community, version, reason, actor=actor)
    apply_amendments(nxt, [a for a in amendments if a.decision in ("accepted", "merged")])
    _status(version, "revised")
    audit.record(community, "rules.revision_concluded", version,
                 {"next": nxt.id, "number": nxt.number, "reason": reason,
                  "taken_over": [a.id for a in amendments if a.decision != "rejected"]}, actor_role=COMMITTEE, actor=actor)
    return nxt


def apply_amendments(version, amendments: list[Amendment]) -> None:
    chapters, clauses = ordered_clauses(version)
    by_key = {c.key: c for c in clauses}
    for a in amendments:
        if a.kind == "change" and a.target_key in by_key:
            by_key[a.target_key].text = a.final_text
        elif a.kind == "delete" and a.target_key in by_key:
            gone = by_key.pop(a.target_key)
            clauses.remove(gone)
            db.session.delete(gone)
        elif a.kind == "new":
            after = by_key.get(a.after_key)
            chapter_id = after.chapter_id if after else chapters[-1].id
            clause = RuleClause(community_id=version.community_id, version_id=version.id, chapter_id=chapter_id, number=0, key=new_key(),
                                text=a.final_text)
            db.session.add(clause)
            clauses.insert(clauses.index(after) + 1 if after else len(clauses), clause)
            by_key[clause.key] = clause
    db.session.flush()
    renumber(version, clauses)


def from_revision(version) -> bool:
    """True for a draft that a revision produced (it may go to the adoption vote)."""
    if version.based_on_id is None:
        return False
    return db.session.execute(select(RuleVersion.status).where(
        RuleVersion.id == version.based_on_id)).scalar_one() == "revised"


def file_version(community, version, filed_on: date, reference: str, today: date, *, actor) -> None:
    """备案: the adopted rules were filed with the township or street government."""
    if version.status != "adopted":
        raise RuleViolation(_l("Only adopted rules are filed."))
    if version.filed_on is not None:
        raise RuleViolation(_l("This version is already marked as filed."))
    reference = (reference or "").strip()
    if not reference or len(reference) > 60:
        raise RuleViolation(_l("Please give the filing reference number (at most 60 characters)."),
                            field="reference")
    if filed_on is None or filed_on > today or filed_on < version.adopted_at.date() - timedelta(days=1):
        raise RuleViolation(_l("The filing date must be between the adoption and today."), field="filed_on")
    version.filed_on, version.filing_reference, version.filed_by_id = filed_on, reference, actor.id
    audit.record(community, "rules.filed", version, {"filed_on": filed_on.isoformat(),
                                                            "reference": reference}, actor_role=COMMITTEE, actor=actor)
