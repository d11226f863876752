"""The matters' loop (docs/architecture.md, "Matters"): report, triage, dispatch, accept or return,
handle, resolve, verify, rate, reopen, urge, escalate. Each use case takes the acting unit first
and the actor last, checks the state with the pure machine (states.py), writes the step of the
matter's path, the audit event (a hand-off in both units' chains) and the counters in the same
transaction. Nothing here commits: the action wrapper does (portal/web/actions.py)."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..audit import chain as audit
from ..communities.models import Community
from ..db import utcnow
from ..extensions import db
from ..levels import queries as levels
from ..web.errors import RuleViolation
from . import states, tally
from .models import RATINGS, Matter, MatterCategory, MatterStep

TITLE_MAX = 120
TEXT_MAX = 2000
PLACE_MAX = 200
REASON_MAX = 500
EXTENSION_MAX_HOURS = 24 * 30
REOPEN_DAYS = 7

# Every audit action written here (built as "matter." + verb below, so listed for
# tests/test_audit_trail.py, which checks each has a sentence and a label).
HANDOFF_ACTIONS = ("dispatched", "returned", "recalled", "escalated", "reopened")
AUDIT_ACTIONS = (
    "matter_category.saved",
    *("matter." + verb for verb in (
        "reported", "handled", "merged", "asked", "answered", "refused", "accepted", "noted", "extension_asked",
        "extension_granted", "extension_refused", "resolved", "not_fixed", "closed", "rated", "reopened", "urged")),
    *("matter.%s.%s" % (x, end) for x in HANDOFF_ACTIONS for end in ("sent", "received")),
)

# A new street's categories (key, name, English name, default deadline in hours): urgent 24 h,
# ordinary 3 days, complex 15 days. The street's staff change them.
DEFAULT_CATEGORIES = (
    ("safety", "安全隐患", "Safety hazard", 24),
    ("water", "供水排水", "Water and drains", 24),
    ("roads", "道路设施", "Roads and street furniture", 72),
    ("sanitation", "环境卫生", "Cleanliness and rubbish", 72),
    ("building", "违章搭建", "Unlicensed building", 360),
    ("other", "其他", "Other", 72),
)


def _text(value, limit: int, field: str, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise RuleViolation(_l("Please fill in this field."), field=field)
    if len(value) > limit:
        raise RuleViolation(_l("This text is too long: at most %(num)d characters.", num=limit), field=field)
    return value


def _now() -> datetime:
    return utcnow().replace(microsecond=0)


# -- categories ------------------------------------------------------------------------

def categories(street: Community) -> list[MatterCategory]:
    """The street's active categories (its defaults made on first use)."""
    rows = list(db.session.execute(select(MatterCategory).where(MatterCategory.street_id == street.id)
                                   .order_by(MatterCategory.position, MatterCategory.id)).scalars())
    if not rows:
        for position, (key, name, name_en, hours) in enumerate(DEFAULT_CATEGORIES):
            db.session.add(MatterCategory(street_id=street.id, key=key, name=name, name_en=name_en,
                                          deadline_hours=hours, position=position, active=True))
        db.session.flush()
        return categories(street)
    return [c for c in rows if c.active]


def save_category(street: Community, key: str, name: str, name_en: str, deadline_hours: int, *, actor,
                  category: MatterCategory | None = None) -> MatterCategory:
    """Add a category to a street, or change one (its name and default deadline)."""
    if street.level != "street":
        raise RuleViolation(_l("Categories belong to a street or township."))
    name = _text(name, 60, "name", required=True)
    name_en = _text(name_en, 60, "name_en")
    if not isinstance(deadline_hours, int) or not 1 <= deadline_hours <= 2160:
        raise RuleViolation(_l("The deadline is between 1 hour and 90 days."), field="deadline_hours")
    if category is None:
        key = (key or "").strip().lower()
        if not key or len(key) > 30 or not key.replace("_", "").isalnum() or not key.isascii():
            raise RuleViolation(_l("The key may use up to 30 lower-case letters, digits and underscores."),
                                field="key")
        if db.session.execute(select(MatterCategory.id).where(MatterCategory.street_id == street.id,
                                                              MatterCategory.key == key)).first():
            raise RuleViolation(_l("This street already has a category with this key."), field="key")
        position = db.session.execute(select(func.count()).select_from(MatterCategory)
                                      .where(MatterCategory.street_id == street.id)).scalar_one()
        category = MatterCategory(street_id=street.id, key=key, position=position, active=True)
        db.session.add(category)
    elif category.street_id != street.id:
        raise RuleViolation(_l("This category is not of this street."))
    category.name, category.name_en, category.deadline_hours = name, name_en, deadline_hours
    db.session.flush()
    audit.record(street, "matter_category.saved", category,
                 {"key": category.key, "name": name, "name_en": name_en, "deadline_hours": deadline_hours},
                 actor_role="staff", actor=actor)
    return category


# -- reading what a unit may do -------------------------------------------------------------

def dispatch_targets(unit: Community) -> list[Community]:
    """Where `unit` may send a matter: a community to its street and the departments of its street
    and district; a street to its departments, its district and the district's departments; a
    district to its departments. Never outside the tree."""
    if unit.level == "department":
        return []
    out: list[Community] = []
    if unit.level == "district":
        return levels.children(unit, "department")
    above = levels.ancestors(unit)
    if unit.level == "community":
        street = next((u for u in above if u.level == "street"), None)
        if street is not None and street.name:  # the unnamed street of a one-village installation
            out.append(street)
        if street is not None:
            out += levels.children(street, "department")
        district = next((u for u in above if u.level == "district"), None)
        if district is not None:
            out += levels.children(district, "department")
        return out
    # a street
    out += levels.children(unit, "department")
    district = next((u for u in above if u.level == "district"), None)
    if district is not None:
        out = [district] + out + levels.children(district, "department")
    return out


def escalation_target(unit: Community) -> Community | None:
    """One level up: a community's street, a department's parent, a street's district."""
    parent = levels.unit(unit.parent_id)
    if parent is None or (parent.level == "street" and not parent.name and unit.level == "community"):
        return None
    return parent


# -- the path -------------------------------------------------------------------------------

def lock(matter: Matter) -> Matter:
    """Re-read the matter under a row lock (PostgreSQL: FOR UPDATE), so that two units acting at
    once see each other's change: the second one meets the new state and is refused."""
    db.session.flush()
    fresh = db.session.execute(select(Matter).where(Matter.id == matter.id).with_for_update()
                               .execution_options(populate_existing=True)).scalar_one()
    return fresh


def _move(matter: Matter, action: str) -> None:
    try:
        matter.state = states.next_state(matter.state, action)
    except states.IllegalTransition:
        raise RuleViolation(_l("This cannot be done in the matter's current state.")) from None


def _step(matter: Matter, action: str, unit: Community | None, *, actor, role: str, note: str = "",
          to_unit: Community | None = None, deadline: datetime | None = None) -> MatterStep:
    matter.steps = (matter.steps or 0) + 1
    step = MatterStep(matter_id=matter.id, seq=matter.steps, at=_now(), action=action,
                      unit_id=unit.id if unit is not None else None,
                      to_unit_id=to_unit.id if to_unit is not None else None,
                      actor_id=actor.id if actor is not None else None, actor_role=role, state=matter.state,
                      note=note, deadline=deadline)
    db.session.add(step)
    return step


def _event(unit: Community, matter: Matter, action: str, data: dict | None = None, *, actor, role: str) -> None:
    audit.record(unit, "matter." + action, matter, {"serial": matter.serial, "state": matter.state, **(data or {})},
                 actor_role=role, actor=actor)


def _traced(matter: Matter, actor):
    """Who the chain names for a step of the reporter's: nobody when the report is anonymous (the
    audit trail is read by every resident and its actor ids can be followed; the matter row keeps
    who reported, for the few who may see it)."""
    if matter.anonymous and actor is not None and actor.id == matter.reporter_id:
        return None
    return actor


def _hold(matter: Matter, unit: Community, deadline: datetime) -> None:
    matter.holder_id = unit.id
    matter.held_since = _now()
    matter.deadline = deadline


def _holder(unit: Community, matter: Matter) -> None:
    if matter.holder_id != unit.id:
        raise RuleViolation(_l("This matter is not held by your unit."))


def _deadline(value: datetime | None, matter: Matter, field: str = "deadline") -> datetime:
    if value is None:
        hours = db.session.get(MatterCategory, matter.category_id).deadline_hours
        return _now() + timedelta(hours=hours)
    if value.tzinfo is None:
        raise ValueError("a deadline must be timezone-aware")
    if value <= _now():
        raise RuleViolation(_l("The deadline must be in the future."), field=field)
    if value > _now() + timedelta(days=365):
        raise RuleViolation(_l("The deadline may be at most a year ahead."), field=field)
    return value


# -- reporting -------------------------------------------------------------------------------

def report(community: Community, *, category_id: int | None, title: str, description: str = "",
           grid_id: int | None = None, place: str = "", latitude: float | None = None,
           longitude: float | None = None, anonymous: bool = False, reporter=None, recorded: bool = False,
           role: str = "resident", actor) -> Matter:
    """A verified resident, a grid worker (role "grid_worker") or the committee for someone
    present (reporter=the resident, recorded=True) reports a matter in `community`."""
    if community.level != "community":
        raise RuleViolation(_l("Matters are reported in a community or village."))
    street, district = levels.street_and_district(community)
    if street is None:
        raise RuleViolation(_l("This community belongs to no street."))
    allowed = {c.id: c for c in categories(street)}
    if not category_id or category_id not in allowed:
        raise RuleViolation(_l("Please choose what kind of matter this is."), field="category")
    title = _text(title, TITLE_MAX, "title", required=True)
    description = _text(description, TEXT_MAX, "description")
    place = _text(place, PLACE_MAX, "place")
    if grid_id:
        if levels.grid_of(community, grid_id) is None:
            raise RuleViolation(_l("Please choose a grid of this community."), field="grid")
    if (latitude is None) != (longitude is None):
        raise RuleViolation(_l("A place needs both latitude and longitude."), field="latitude")
    if latitude is not None and not (-90 <= latitude <= 90):
        raise RuleViolation(_l("The latitude is between -90 and 90."), field="latitude")
    if longitude is not None and not (-180 <= longitude <= 180):
        raise RuleViolation(_l("The longitude is between -180 and 180."), field="longitude")
    # The serial per community: the community row is locked by the audit record below; taking its
    # chain lock first makes the max()+1 safe against a second report at the same moment.
    audit.lock_chains(community)
    serial = (db.session.execute(select(func.max(Matter.serial)).where(Matter.community_id == community.id))
              .scalar() or 0) + 1
    now = _now()
    due = now + timedelta(hours=allowed[category_id].deadline_hours)
    person = reporter if reporter is not None else actor
    matter = Matter(community_id=community.id, street_id=street.id,
                    district_id=district.id if district is not None else None, serial=serial,
                    category_id=category_id, grid_id=grid_id or None, reporter_id=person.id, reporter_role=role,
                    recorded_by_id=actor.id if recorded else None, anonymous=bool(anonymous), title=title,
                    description=description, place=place, latitude=latitude, longitude=longitude, state="triage",
                    holder_id=community.id, held_since=now, deadline=due, due_at=due, reported_at=now,
                    steps=0, urged=0, reopened=False, extension_asked=False)
    db.session.add(matter)
    db.session.flush()
    _step(matter, "report", community, actor=actor, role=role, deadline=due)
    _event(community, matter, "reported", {"category": category_id, "grid": grid_id or None,
                                           "recorded": bool(recorded)}, actor=_traced(matter, actor), role=role)
    tally.bump(tally.area_keys(matter), category_id, tally.month_of(now), reported=1)
    return matter


# -- triage by the community (or a street after a return) ------------------------------------

def handle(unit: Community, matter: Matter, note: str = "", *, actor) -> Matter:
    """The holder handles the matter itself."""
    matter = lock(matter)
    _holder(unit, matter)
    if matter.state != "triage":
        raise RuleViolation(_l("This cannot be done in the matter's current state."))
    _move(matter, "handle")
    _step(matter, "handle", unit, actor=actor, role=_role(unit), note=_text(note, TEXT_MAX, "note"))
    _event(unit, matter, "handled", actor=actor, role=_role(unit))
    return matter


def merge(unit: Community, matter: Matter, into: Matter, *, actor) -> Matter:
    """The same problem was already reported: the reporter follows the other matter."""
    matter = lock(matter)
    _holder(unit, matter)
    if into.id == matter.id or into.community_id != matter.community_id or into.state in ("merged", "refused"):
        raise RuleViolation(_l("Choose another open matter of this community to merge into."), field="into")
    _move(matter, "merge")
    matter.merged_into_id = into.id
    _step(matter, "merge", unit, actor=actor, role=_role(unit), note=f"#{into.serial}")
    _event(unit, matter, "merged", {"into": into.id}, actor=actor, role=_role(unit))
    return matter


def ask_more(unit: Community, matter: Matter, question: str, *, actor) -> Matter:
    matter = lock(matter)
    _holder(unit, matter)
    if unit.level != "community":
        raise RuleViolation(_l("Only the community asks the reporter for more."))
    question = _text(question, TEXT_MAX, "question", required=True)
    _move(matter, "ask")
    _step(matter, "ask", unit, actor=actor, role="committee", note=question)
    _event(unit, matter, "asked", actor=actor, role="committee")
    return matter


def answer_more(community: Community, matter: Matter, answer: str, *, actor) -> Matter:
    """The reporter answers the committee's question: the matter is back in triage."""
    matter = lock(matter)
    if matter.reporter_id != actor.id:
        raise RuleViolation(_l("Only the person who reported it can answer."))
    answer = _text(answer, TEXT_MAX, "answer", required=True)
    _move(matter, "answer")
    _step(matter, "answer", None, actor=actor, role="resident", note=answer)
    _event(community, matter, "answered", actor=_traced(matter, actor), role="resident")
    return matter


def refuse(unit: Community, matter: Matter, reason: str, *, actor) -> Matter:
    """Refused with a public reason (shown on the ledger and to the reporter)."""
    matter = lock(matter)
    _holder(unit, matter)
    reason = _text(reason, REASON_MAX, "reason", required=True)
    _move(matter, "refuse")
    matter.public_reason = reason
    _step(matter, "refuse", unit, actor=actor, role=_role(unit), note=reason)
    _event(unit, matter, "refused", actor=actor, role=_role(unit))
    return matter


def _role(unit: Community) -> str:
    return "committee" if unit.level == "community" else "staff"


def _handoff(sender: Community, receiver: Community, matter: Matter, action: str, *, actor, role: str,
             data: dict | None = None) -> None:
    audit.record_handoff(sender, receiver, "matter." + action, matter,
                         {"serial": matter.serial, "community": matter.community_id, "state": matter.state,
                          **(data or {})}, actor_role=role, actor=actor)


def dispatch(unit: Community, matter: Matter, to_unit: Community | None, deadline: datetime | None = None,
             note: str = "", *, actor) -> Matter:
    """分流交办: send the matter to a department, or up to the street (or district), with a deadline."""
    matter = lock(matter)
    _holder(unit, matter)
    if matter.state not in ("triage", "handling"):
        raise RuleViolation(_l("This cannot be done in the matter's current state."))
    if to_unit is None or to_unit.id not in {u.id for u in dispatch_targets(unit)}:
        raise RuleViolation(_l("Choose a unit that your unit may send matters to."), field="to_unit")
    deadline = _deadline(deadline, matter)
    note = _text(note, TEXT_MAX, "note")
    _move(matter, "dispatch")
    matter.sender_id = unit.id
    _hold(matter, to_unit, deadline)
    matter.extension_asked, matter.extension_hours, matter.extension_decided = False, None, None
    _step(matter, "dispatch", unit, actor=actor, role=_role(unit), note=note, to_unit=to_unit, deadline=deadline)
    _handoff(unit, to_unit, matter, "dispatched", actor=actor, role=_role(unit),
             data={"deadline": deadline.strftime("%Y-%m-%dT%H:%M:%SZ")})
    return matter


def recall(unit: Community, matter: Matter, *, actor) -> Matter:
    """The sender takes back a matter the receiving unit has not accepted yet."""
    matter = lock(matter)
    if matter.state != "dispatched" or matter.sender_id != unit.id:
        raise RuleViolation(_l("Only the unit that sent it can take it back, before it is accepted."))
    holder = levels.unit(matter.holder_id)
    _move(matter, "recall")
    _hold(matter, unit, max(matter.deadline, _now() + timedelta(hours=24)))
    _step(matter, "recall", unit, actor=actor, role=_role(unit), to_unit=unit)
    _handoff(holder, unit, matter, "recalled", actor=actor, role=_role(unit))
    return matter


# -- the receiving unit ----------------------------------------------------------------------

def accept(unit: Community, matter: Matter, *, actor) -> Matter:
    matter = lock(matter)
    _holder(unit, matter)
    _move(matter, "accept")
    first = unit.level == "department" and not db.session.execute(
        select(MatterStep.id).where(MatterStep.matter_id == matter.id, MatterStep.action == "accept",
                                    MatterStep.unit_id == unit.id)).first()
    _step(matter, "accept", unit, actor=actor, role="staff")
    _event(unit, matter, "accepted", actor=actor, role="staff")
    if first:  # a department's figures count what it received
        tally.bump([(unit.id, 0)], matter.category_id, tally.month_of(_now()), reported=1)
    return matter


def return_(unit: Community, matter: Matter, reason: str, *, actor) -> Matter:
    """退回: back to the sender, who must decide again."""
    matter = lock(matter)
    _holder(unit, matter)
    reason = _text(reason, REASON_MAX, "reason", required=True)
    sender = levels.unit(matter.sender_id)
    if matter.state != "dispatched" or sender is None:
        raise RuleViolation(_l("This cannot be done in the matter's current state."))
    _move(matter, "return")
    _hold(matter, sender, _now() + timedelta(hours=24))
    _step(matter, "return", unit, actor=actor, role="staff", note=reason, to_unit=sender)
    _handoff(unit, sender, matter, "returned", actor=actor, role="staff")
    return matter


def note(unit: Community, matter: Matter, text: str, *, actor) -> Matter:
    """A progress note by the unit that handles the matter."""
    matter = lock(matter)
    _holder(unit, matter)
    text = _text(text, TEXT_MAX, "text", required=True)
    _move(matter, "note")
    _step(matter, "note", unit, actor=actor, role=_role(unit), note=text)
    _event(unit, matter, "noted", actor=actor, role=_role(unit))
    return matter


def ask_extension(unit: Community, matter: Matter, hours: int, reason: str, *, actor) -> Matter:
    """延期: once per hand-off, the holder asks its sender for a later deadline."""
    matter = lock(matter)
    _holder(unit, matter)
    if matter.sender_id is None or matter.sender_id == unit.id:  # after a return or a recall it is one's own
        raise RuleViolation(_l("Nobody sent this matter to your unit: change the deadline yourself."))
    if matter.extension_asked:
        raise RuleViolation(_l("A longer deadline can be asked for only once."))
    if not isinstance(hours, int) or not 1 <= hours <= EXTENSION_MAX_HOURS:
        raise RuleViolation(_l("Ask for between 1 hour and 30 days more."), field="hours")
    reason = _text(reason, REASON_MAX, "reason", required=True)
    _move(matter, "extend")
    matter.extension_asked, matter.extension_hours, matter.extension_reason = True, hours, reason
    matter.extension_decided = None
    _step(matter, "extend", unit, actor=actor, role="staff", note=reason)
    _event(unit, matter, "extension_asked", {"hours": hours}, actor=actor, role="staff")
    return matter


def decide_extension(unit: Community, matter: Matter, grant: bool, *, actor) -> Matter:
    matter = lock(matter)
    if matter.sender_id != unit.id or not matter.extension_asked or matter.extension_decided:
        raise RuleViolation(_l("There is no request for a longer deadline for your unit to decide."))
    _move(matter, "decide_extension")
    matter.extension_decided = "granted" if grant else "refused"
    if grant:
        extra = timedelta(hours=matter.extension_hours)
        matter.deadline = matter.deadline + extra
        matter.due_at = max(matter.due_at, matter.deadline)
    _step(matter, "decide_extension", unit, actor=actor, role=_role(unit), note=matter.extension_decided,
          deadline=matter.deadline)
    _event(unit, matter, "extension_" + matter.extension_decided, actor=actor, role=_role(unit))
    return matter


def resolve(unit: Community, matter: Matter, outcome: str, *, actor) -> Matter:
    """Marked resolved with a note of what was done (and, by the view, a photo as evidence)."""
    matter = lock(matter)
    _holder(unit, matter)
    outcome = _text(outcome, 1000, "outcome", required=True)
    _move(matter, "resolve")
    matter.outcome = outcome
    matter.resolved_at = _now()
    matter.resolved_by_id = unit.id
    _step(matter, "resolve", unit, actor=actor, role=_role(unit), note=outcome)
    _event(unit, matter, "resolved", actor=actor, role=_role(unit))
    return matter


# -- verification, rating, reopening (the reporter, or the grid worker) ------------------------

def can_verify(matter: Matter, user) -> bool:
    if user is None:
        return False
    if matter.anonymous or matter.reporter_role == "grid_worker":
        return user.id == matter.reporter_id or (matter.grid_id is not None
                                                 and user.id in levels.grid_worker_ids(matter.grid_id))
    return user.id == matter.reporter_id


def confirm(community: Community, matter: Matter, fixed: bool, note: str = "", *, actor) -> Matter:
    """核查: the reporter (the grid worker for an anonymous report) says whether it is fixed."""
    matter = lock(matter)
    if matter.community_id != community.id or not can_verify(matter, actor):
        raise RuleViolation(_l("Only the person who reported it, or the grid's worker, can confirm it."))
    note = _text(note, TEXT_MAX, "note", required=not fixed)
    role = "resident" if actor.id == matter.reporter_id else "grid_worker"
    if not fixed:
        _move(matter, "not_fixed")
        holder = levels.unit(matter.resolved_by_id) or community
        _hold(matter, holder, _now() + timedelta(hours=72))
        matter.resolved_at = None
        _step(matter, "not_fixed", None, actor=actor, role=role, note=note, to_unit=holder)
        _event(community, matter, "not_fixed", actor=_traced(matter, actor), role=role)
        return matter
    _move(matter, "confirm")
    matter.closed_at = _now()
    matter.closed_on_time = matter.resolved_at <= matter.due_at
    _step(matter, "confirm", None, actor=actor, role=role, note=note)
    _event(community, matter, "closed", {"on_time": matter.closed_on_time}, actor=_traced(matter, actor), role=role)
    tally.on_close(matter)
    return matter


def rate(community: Community, matter: Matter, rating: str, *, actor) -> Matter:
    matter = lock(matter)
    if matter.reporter_id != actor.id or matter.anonymous:
        raise RuleViolation(_l("Only the person who reported it can rate it."))
    if rating not in RATINGS:
        raise RuleViolation(_l("Please choose how satisfied you are."), field="rating")
    if matter.state != "closed" or matter.rating is not None:
        raise RuleViolation(_l("This matter cannot be rated now."))
    _move(matter, "rate")
    matter.rating, matter.rated_at = rating, _now()
    _step(matter, "rate", None, actor=actor, role="resident", note=rating)
    _event(community, matter, "rated", {"rating": rating}, actor=actor, role="resident")
    tally.bump(tally.closing_keys(matter), matter.category_id, tally.month_of(matter.closed_at), **{rating: 1})
    return matter


def reopen(community: Community, matter: Matter, reason: str, *, actor) -> Matter:
    """An unsatisfied reporter reopens the matter once, within 7 days: back to the unit that closed it."""
    matter = lock(matter)
    if matter.reporter_id != actor.id or matter.state != "closed":
        raise RuleViolation(_l("Only the person who reported it can reopen it."))
    if matter.rating != "unsatisfied" or matter.reopened:
        raise RuleViolation(_l("A matter can be reopened once, by a reporter who is not satisfied."))
    if _now() - matter.closed_at > timedelta(days=REOPEN_DAYS):
        raise RuleViolation(_l("A matter can be reopened only within 7 days of its closing."))
    reason = _text(reason, TEXT_MAX, "reason", required=True)
    tally.on_close(matter, sign=-1)
    _move(matter, "reopen")
    unit = levels.unit(matter.resolved_by_id) or community
    matter.reopened = True
    matter.rating, matter.rated_at, matter.closed_at, matter.closed_on_time, matter.resolved_at = (
        None, None, None, None, None)
    _hold(matter, unit, _now() + timedelta(hours=72))
    _step(matter, "reopen", None, actor=actor, role="resident", note=reason, to_unit=unit)
    if unit.id == community.id:
        _event(community, matter, "reopened", actor=actor, role="resident")
    else:
        _handoff(community, unit, matter, "reopened", actor=actor, role="resident")
    return matter


# -- supervision -------------------------------------------------------------------------

def urge(unit: Community, matter: Matter, note: str, *, actor) -> Matter:
    """督办: a unit above the holder presses it."""
    matter = lock(matter)
    holder = levels.unit(matter.holder_id)
    if unit.id == holder.id or not levels.within(unit, holder) and unit.id not in (matter.street_id,
                                                                                   matter.district_id):
        raise RuleViolation(_l("Only a unit above the one holding it can urge it."))
    note = _text(note, TEXT_MAX, "note", required=True)
    _move(matter, "urge")
    matter.urged = (matter.urged or 0) + 1
    _step(matter, "urge", unit, actor=actor, role="staff", note=note, to_unit=holder)
    _event(unit, matter, "urged", {"holder": holder.id}, actor=actor, role="staff")
    return matter


def grace() -> timedelta:
    return timedelta(hours=int(current_app.config.get("MATTERS_ESCALATE_GRACE_HOURS", 24)))


def escalate_if_due(matter: Matter, now: datetime | None = None) -> bool:
    """Past its deadline and the grace period, the matter moves one level up (a system action)."""
    now = now or _now()
    matter = lock(matter)
    if matter.state not in ("triage", "dispatched", "handling") or matter.deadline + grace() > now:
        return False
    holder = levels.unit(matter.holder_id)
    up = escalation_target(holder)
    if up is None:
        return False
    _move(matter, "escalate")
    matter.sender_id = holder.id
    # A new hand-off: a request for a longer deadline still open goes with the old one (else the
    # unit that asked, now the sender, could grant it to itself).
    matter.extension_asked, matter.extension_hours, matter.extension_decided = False, None, None
    hours = db.session.get(MatterCategory, matter.category_id).deadline_hours
    _hold(matter, up, now + timedelta(hours=hours))
    _step(matter, "escalate", holder, actor=None, role="system", to_unit=up, deadline=matter.deadline)
    _handoff(holder, up, matter, "escalated", actor=None, role="system")
    return True


def due_for_escalation(now: datetime | None = None, limit: int = 1000) -> list[int]:
    now = now or _now()
    return list(db.session.execute(
        select(Matter.id).where(Matter.state.in_(("triage", "dispatched", "handling")),
                                Matter.deadline < now - grace()).order_by(Matter.deadline).limit(limit)).scalars())
