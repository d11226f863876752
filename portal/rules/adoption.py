"""Adoption by vote: the one place where the rules meet portal.votes.

A version is adopted only through a closed poll. No page adopts a version by hand:
`start_adoption_vote` is the committee's button (it opens a yes/no/abstain poll linked to
the version), and `record_adoption_result` runs only inside the poll's close, through the
"rule_version" link kind registered below.
"""
from __future__ import annotations

from datetime import timedelta

from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..audit import chain as audit
from ..communities.models import Community
from ..db import utcnow
from ..web.errors import RuleViolation
from ..extensions import db
from .models import VOTE_RESULT_MAX, RuleVersion
from .phases import from_revision
from .services import COMMITTEE, clauses_of, copy_version


def _community(version) -> Community:
    return db.session.get(Community, version.community_id)


VOTE_DAYS = 7


def start_adoption_vote(version: RuleVersion, actor, *, closes_at=None, secret: bool = True,
                        preset: str = "villagers_meeting"):
    """The committee sends a draft that a revision produced to the adoption vote: a yes/no/
    abstain poll of the verified residents, open from now, linked to the version. Returns it."""
    if version.status != "drafting" or not from_revision(version):
        raise RuleViolation(_l("Only a draft that came out of a revision goes to the adoption vote."))
    if not clauses_of(version):
        raise RuleViolation(_l("The draft has no clauses yet."))
    from ..votes import services as votes

    community = _community(version)
    now = utcnow()
    version.status, version.status_changed_at = "adoption_vote", now
    with force_locale(community.default_locale):  # the poll's wording is stored, in the community's language
        question = gettext("Adopt version %(num)d of “%(title)s”?", num=version.number, title=_title_of(version))
        description = gettext("Vote yes to adopt this text as the community's rules, no to send it back to drafting.")
    poll = votes.create_poll(community, question=question[:200], description=description, options=[],
                             kind="yes_no_abstain", secret=secret, opens_at=now,
                             closes_at=closes_at or now + timedelta(days=VOTE_DAYS), preset=preset,
                             link_kind="rule_version", link_id=version.id, actor=actor)
    votes.open_poll(community, poll, actor=actor)
    version.poll_id = poll.id
    audit.record(community, "rules.adoption_vote_started", version,
                 {"number": version.number, "poll": poll.id}, actor_role=COMMITTEE, actor=actor)
    return poll


def _title_of(version) -> str:
    from .models import RuleDocument

    return db.session.get(RuleDocument, version.document_id).title


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
        audit.record(community, "rules.adopted", version,
                     {"poll": poll_id, "summary": summary, "superseded": [v.id for v in previous]},
                     actor_role="system" if actor is None else COMMITTEE, actor=actor)
        return None
    version.status, version.status_changed_at = "returned", utcnow()
    audit.record(community, "rules.returned", version, {"poll": poll_id, "summary": summary},
                 actor_role="system" if actor is None else COMMITTEE, actor=actor)
    draft = copy_version(community, version, summary or "—", actor=actor)
    audit.record(community, "rules.redraft_started", draft,
                 {"document": version.document_id, "from": version.id, "number": draft.number},
                 actor_role="system" if actor is None else COMMITTEE, actor=actor)
    return draft


def register_link() -> None:
    """Polls linked to a rule version show it, and their close records the result here.
    Called from registrations.register() (the package's init_app), never at import."""
    from flask import url_for

    from ..votes.links import LinkKind, register
    from ..votes.results import summary

    def load(community, version_id):
        return db.session.execute(select(RuleVersion).where(
            RuleVersion.id == version_id, RuleVersion.community_id == community.id)).scalar_one_or_none()

    def on_closed(poll, version, actor):
        if version.status == "adoption_vote" and version.poll_id == poll.id:
            record_adoption_result(version, actor, passed=bool(poll.passed), poll_id=poll.id,
                                   summary=summary(poll))

    register(LinkKind("rule_version", load, title=lambda v: f"{_title_of(v)} · v{v.number}",
                      url=lambda v: url_for("rules.version", version_id=v.id), on_closed=on_closed))

