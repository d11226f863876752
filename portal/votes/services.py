"""Poll use cases, creating and changing a poll: create, edit, open; and what the other use-case
modules share (the poll's row lock, its options). Explicit community and actor, one use case per
function, the audit event in the same transaction, a `PortalError` naming the form field it is
about; the action wrapper (portal/web/actions.py) commits.

The other use cases have modules of their own: casting.py (ballots, on the web and assisted),
paper.py (paper ballots and their totals), closing.py (closing, the result, recount).

Secrecy: the audit payloads name who took part and how (web / assisted / paper),
never what they chose. The roll and the sealed ballot are written in one transaction but
share no column; a secret ballot has no user id and no timestamp. Opening a poll makes its data
key (sealing.py), which seals its ballots until the close.
"""
from __future__ import annotations

from datetime import datetime, timezone

from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, and_, func, insert, literal, select

from ..audit import chain as audit
from ..communities.models import Membership
from ..db import utcnow
from ..extensions import db
from ..roster.models import Household, HouseholdMember
from ..web.errors import RuleViolation
from . import households, links, sealing
from .models import KINDS, PRESETS, YES_NO_ABSTAIN, ElectorateEntry, PaperTotals, Poll, PollKey, PollOption, RollEntry

QUESTION_MAX = 200
DESCRIPTION_MAX = 5000
OPTION_MAX = 120
MAX_OPTIONS = 20


class PollFrozen(RuleViolation):
    """Question, options, rules and electorate cannot change after the first ballot."""


# -- what the use cases share -----------------------------------------------------

def lock(poll: Poll) -> Poll:
    """Re-read the poll under a row lock (PostgreSQL); SQLite has one writer anyway."""
    db.session.flush()
    q = select(Poll).where(Poll.id == poll.id).execution_options(populate_existing=True)
    if db.session.get_bind().dialect.name == "postgresql":
        q = q.with_for_update()
    return db.session.execute(q).scalar_one()


def options_of(poll: Poll) -> list[PollOption]:
    return db.session.execute(select(PollOption).where(PollOption.poll_id == poll.id)
                              .order_by(PollOption.position)).scalars().all()


def option_count(poll: Poll) -> int:
    return db.session.execute(select(func.count()).select_from(PollOption)
                              .where(PollOption.poll_id == poll.id)).scalar_one()


def paper_totals(poll: Poll) -> PaperTotals | None:
    return db.session.get(PaperTotals, poll.id, populate_existing=True)


def paper_roll_count(poll: Poll) -> int:
    return db.session.execute(select(func.count()).select_from(RollEntry).where(
        RollEntry.poll_id == poll.id, RollEntry.origin == "paper")).scalar_one()


# -- creating and editing ---------------------------------------------------------
#
# Each refusal names the field of the poll form it is about (portal/votes/forms.py, PollForm):
# the action wrapper shows it there. The linked item is the form's "proposal" field.

def _aware(dt: datetime) -> datetime:
    return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt


def _check(community, question, description, options, kind, k, opens_at, closes_at, preset, link_kind, link_id):
    question, description = (question or "").strip(), (description or "").strip()
    if not question or len(question) > QUESTION_MAX:
        raise RuleViolation(_l("A poll needs a question (at most 200 characters)."), field="question")
    if len(description) > DESCRIPTION_MAX:
        raise RuleViolation(_l("The explanation can be at most 5000 characters long."), field="description")
    if kind not in KINDS:
        raise RuleViolation(_l("Please choose the kind of poll and its rule from the list."), field="kind")
    if preset not in PRESETS:
        raise RuleViolation(_l("Please choose the kind of poll and its rule from the list."), field="preset")
    if kind == "yes_no_abstain":
        labels, k = [], None
    else:
        labels = [o.strip() for o in options if o and o.strip()]
        if len(labels) < 2 or len(labels) > MAX_OPTIONS:
            raise RuleViolation(_l("A choice poll needs between 2 and 20 options, one per line."), field="options")
        if any(len(o) > OPTION_MAX for o in labels) or len(set(labels)) != len(labels):
            raise RuleViolation(_l("Each option must be different and at most 120 characters long."),
                                field="options")
        if kind == "single":
            k = None
        elif k is None or not 1 <= k < len(labels):
            raise RuleViolation(_l("For “choose several options”, the most each person may choose must be "
                                   "from 1 to one less than the number of options."), field="k")
    if opens_at is None:
        raise RuleViolation(_l("Please give the opening and the closing time."), field="opens_at")
    if closes_at is None:
        raise RuleViolation(_l("Please give the opening and the closing time."), field="closes_at")
    opens_at, closes_at = _aware(opens_at), _aware(closes_at)
    if closes_at <= opens_at or closes_at <= utcnow():
        raise RuleViolation(_l("The closing time must be in the future and after the opening time."),
                            field="closes_at")
    if link_kind is not None:
        try:
            kind_ = links.get(link_kind)
        except KeyError:
            raise RuleViolation(_l("This poll cannot be linked to that."), field="proposal") from None
        if link_id is None or kind_.load(community, link_id) is None:
            raise RuleViolation(_l("The linked item was not found in this community."), field="proposal")
    elif link_id is not None:
        raise RuleViolation(_l("This poll cannot be linked to that."), field="proposal")
    return question, description, labels, k, opens_at, closes_at


def _options_for(kind, labels):
    if kind == "yes_no_abstain":
        return [PollOption(position=i, key=key, label="") for i, key in enumerate(YES_NO_ABSTAIN, start=1)]
    return [PollOption(position=i, label=label) for i, label in enumerate(labels, start=1)]


def create_poll(community, *, question, description, options: list[str], kind, k=None, secret, opens_at, closes_at, preset, link_kind=None, link_id=None, actor) -> Poll:
    question, description, labels, k, opens_at, closes_at = _check(
        community, question, description, options, kind, k, opens_at, closes_at, preset, link_kind, link_id)
    poll = Poll(community_id=community.id, question=question, description=description, kind=kind, k=k,
                secret=bool(secret), preset=preset, state="draft", opens_at=opens_at, closes_at=closes_at,
                link_kind=link_kind, link_id=link_id, created_by_id=actor.id, frozen=False, electorate_count=0,
                quorum_met=False, passed=None)
    poll.options = _options_for(kind, labels)
    db.session.add(poll)
    db.session.flush()
    audit.record(community, "poll.created", poll, _described(poll, labels), actor_role="committee", actor=actor)
    return poll


def _described(poll, labels) -> dict:
    return {"question": poll.question, "kind": poll.kind, "k": poll.k, "secret": poll.secret,
            "preset": poll.preset, "options": labels,
            "opens_at": poll.opens_at.strftime("%Y-%m-%dT%H:%MZ"), "closes_at": poll.closes_at.strftime("%Y-%m-%dT%H:%MZ"),
            "link": [poll.link_kind, poll.link_id] if poll.link_kind else None}


def edit_poll(community, poll: Poll, *, question, description, options: list[str], kind, k=None, secret, opens_at, closes_at, preset, link_kind=None, link_id=None, actor) -> Poll:
    poll = lock(poll)
    if poll.frozen or poll.state == "closed":
        raise PollFrozen(_l("Votes have been cast: the question, options and rules can no longer change."))
    question, description, labels, k, opens_at, closes_at = _check(
        community, question, description, options, kind, k, opens_at, closes_at, preset, link_kind, link_id)
    if poll.state == "open":
        opens_at = poll.opens_at  # already open: the start stays what it was
    before = _described(poll, [o.label for o in options_of(poll)])
    db.session.execute(PollOption.__table__.delete().where(PollOption.poll_id == poll.id))
    db.session.expire(poll, ["options"])
    poll.question, poll.description, poll.kind, poll.k, poll.secret = question, description, kind, k, bool(secret)
    poll.preset, poll.opens_at, poll.closes_at = preset, opens_at, closes_at
    poll.link_kind, poll.link_id = link_kind, link_id
    db.session.add_all([PollOption(poll_id=poll.id, position=o.position, key=o.key, label=o.label)
                        for o in _options_for(kind, labels)])
    db.session.flush()
    after = _described(poll, labels)
    audit.record(community, "poll.edited", poll, {k_: v for k_, v in after.items() if before.get(k_) != v},
                 actor_role="committee", actor=actor)
    return poll


# -- opening ----------------------------------------------------------------------

def open_poll(community, poll: Poll, *, actor) -> Poll:
    poll = lock(poll)
    if poll.state != "draft":
        raise RuleViolation(_l("Only a draft poll can be opened."))
    now = utcnow()
    if poll.closes_at <= now:
        raise RuleViolation(_l("The closing time has passed: change it before opening the poll."))
    # The snapshot: every verified resident, with their household of this community if
    # the roster records one (the villagers' meeting rule counts households).
    db.session.execute(insert(ElectorateEntry).from_select(
        ["poll_id", "user_id", "household_id"],
        select(literal(poll.id, Integer), Membership.user_id, Household.id)
        .outerjoin(HouseholdMember, HouseholdMember.membership_id == Membership.id)
        .outerjoin(Household, and_(Household.id == HouseholdMember.household_id,
                                   Household.community_id == community.id))
        .where(Membership.community_id == community.id, Membership.status == "verified")))
    count = db.session.execute(select(func.count()).select_from(ElectorateEntry)
                               .where(ElectorateEntry.poll_id == poll.id)).scalar_one()
    poll.state, poll.opened_at, poll.electorate_count = "open", now, count
    poll.households_count = households.electorate_households(poll)
    if poll.opens_at > now:
        poll.opens_at = now
    db.session.add(PollKey(poll_id=poll.id, wrapped=sealing.new_wrapped_key(poll.id)))
    db.session.flush()
    payload = {"electorate": count}
    if poll.households_count is not None:
        payload["households"] = poll.households_count
    audit.record(community, "poll.opened", poll, payload, actor_role="committee", actor=actor)
    return poll
