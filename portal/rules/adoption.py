"""Adoption by vote: the one place where the rules meet portal.votes.

A version is adopted only through a closed poll. No page adopts a version by hand:
`start_adoption_vote` is the committee's button, `record_adoption_result` is called
only when the poll closes.

WIRING (at merge, when portal/votes exists) — the only two changes needed:

1. In `start_adoption_vote`, after the status change, create the yes/no/abstain poll:
       from ..votes import services as votes
       votes.create_poll(..., link_kind="rule_version", link_id=version.id)
2. Next to it (e.g. a function called when this module is imported), register the link kind:
       from ..votes.links import LinkKind, register
       register(LinkKind(kind="rule_version", load=_load_version, title=_title, url=_url,
                         on_closed=lambda poll, version, actor: record_adoption_result(
                             version, actor, passed=poll.passed, poll_id=poll.id, summary=<poll result text>)))
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import audit
from ..communities.models import Community
from ..db import utcnow
from ..errors import RuleViolation
from ..extensions import db
from .models import VOTE_RESULT_MAX, RuleVersion
from .phases import from_revision
from .services import COMMITTEE, clauses_of, copy_version


def _community(version) -> Community:
    return db.session.get(Community, version.community_id)


def start_adoption_vote(version: RuleVersion, actor) -> None:
    """The committee sends a draft that a revision produced to the adoption vote."""
    if version.status != "drafting" or not from_revision(version):
        raise RuleViolation(_l("Only a draft that came out of a revision goes to the adoption vote."))
    if not clauses_of(version):
        raise RuleViolation(_l("The draft has no clauses yet."))
    version.status, version.status_changed_at = "adoption_vote", utcnow()
    audit.record(_community(version), actor, "rules.adoption_vote_started", version, {"number": version.number},
                 actor_role=COMMITTEE)


def record_adoption_result(version: RuleVersion, actor, *, passed: bool, poll_id: int | None,
                           summary: str) -> RuleVersion | None:
    """The closed poll's result. Passed: adopted, and the previously adopted version is
    superseded. Not passed: the version is returned and its text goes back to drafting as
    a new draft (returned here). Refused unless the version is in the adoption vote."""
    if version.status != "adoption_vote":
        raise RuleViolation(_l("Only a version in the adoption vote receives a vote result."))
    summary = (summary or "").strip()[:VOTE_RESULT_MAX]
    community = _community(version)
    version.vote_result, version.poll_id = summary, poll_id
    if passed:
        previous = db.session.execute(select(RuleVersion).where(
            RuleVersion.document_id == version.document_id, RuleVersion.status == "adopted")).scalars().all()
        for old in previous:
            old.status, old.status_changed_at = "superseded", utcnow()
        version.status = "adopted"
        version.adopted_at = version.status_changed_at = utcnow()
        audit.record(community, actor, "rules.adopted", version,
                     {"poll": poll_id, "summary": summary, "superseded": [v.id for v in previous]},
                     actor_role="system" if actor is None else COMMITTEE)
        return None
    version.status, version.status_changed_at = "returned", utcnow()
    audit.record(community, actor, "rules.returned", version, {"poll": poll_id, "summary": summary},
                 actor_role="system" if actor is None else COMMITTEE)
    draft = copy_version(actor, community, version, summary or "—")
    audit.record(community, actor, "rules.redraft_started", draft,
                 {"document": version.document_id, "from": version.id, "number": draft.number},
                 actor_role="system" if actor is None else COMMITTEE)
    return draft

