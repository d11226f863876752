"""Route fixtures shared by the permission tables and the bad-input tests: the URL of a rules route in the state it needs, a chapter id, a valid poll form."""
from __future__ import annotations


def rules_url(w, v, suffix):
    from portal.extensions import db
    from portal.rules import services as rs
    from portal.rules.models import Amendment

    from .rules import today

    if "{doc}" in suffix:
        return f"/c/dorf-a/rules/{v.document_id}" + suffix.replace("{doc}", "")
    clause = rs.clauses_of(v)[0]
    chapter = rs.chapters_of(v)[0]
    amendment = db.session.execute(db.select(Amendment).where(Amendment.version_id == v.id)).scalars().first()
    if amendment is None and "{amendment}" in suffix:
        from portal.rules import phases

        amendment = phases.propose_amendment(w.a, v, "delete", clause, "", "Not needed", today(), actor=w["resa"])
        db.session.commit()
    return (f"/c/dorf-a/rules/v/{v.id}" + suffix.replace("{clause}", str(clause.id))
            .replace("{chapter}", str(chapter.id)).replace("{amendment}", str(amendment.id if amendment else 0)))


def rules_chapter_id(w):
    from portal.extensions import db
    from portal.rules.models import RuleChapter, RuleVersion

    v = db.session.execute(db.select(RuleVersion).where(RuleVersion.community_id == w.a.id)
                           .order_by(RuleVersion.id.desc())).scalars().first()
    if v is None:  # no rules yet (e.g. the unknown-community test): any id will do
        return 1
    return db.session.execute(db.select(RuleChapter.id).where(RuleChapter.version_id == v.id)).scalars().first()


def poll_form(w, r):
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from portal.db import utcnow

    now = utcnow().astimezone(ZoneInfo("Asia/Shanghai"))
    return {"question": "Pave the square?", "description": "", "kind": "yes_no_abstain", "secrecy": "secret",
            "preset": "simple_majority", "opens_at": now.strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (now + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")}
