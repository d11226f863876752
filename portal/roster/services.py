"""Roster import, households and login cards. Callers pass actor and community; the action wrapper commits."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from ..audit import chain as audit
from ..auth.models import User
from ..auth.services import PASSWORD_MAX, find_user, hash_password, log_security
from ..communities import services as communities
from ..communities.models import Membership
from ..db import utcnow
from ..extensions import db
from ..web.errors import RuleViolation
from .csvfile import Row
from .models import Household, HouseholdMember, LoginCard

NO_PASSWORD = "!"  # an imported resident has no password until they use a login card
CARD_DAYS = 30
PIN_MIN = 6


# --------------------------------------------------------------------------- import

@dataclass
class Planned:
    row: Row
    status: str  # "new", "existing" or "error"


def _roster_index(community):
    """(name, household) and mobile numbers of the verified members: one query."""
    rows = db.session.execute(
        select(User.display_name, User.username, Household.name)
        .join(Membership, Membership.user_id == User.id)
        .outerjoin(HouseholdMember, HouseholdMember.membership_id == Membership.id)
        .outerjoin(Household, Household.id == HouseholdMember.household_id)
        .where(Membership.community_id == community.id, Membership.status == "verified")
    ).all()
    return {(n, h or "") for n, _u, h in rows}, {u for _n, u, _h in rows}


def plan_import(community, rows: list[Row]) -> list[Planned]:
    """What confirming would do, line by line. Someone already on the roster (same mobile, or
    same name in the same household) is left alone: importing the same file twice adds nobody."""
    by_name, usernames = _roster_index(community)
    out = []
    for row in rows:
        if row.errors:
            out.append(Planned(row, "error"))
        elif (row.mobile and row.mobile in usernames) or (row.name, row.household) in by_name:
            out.append(Planned(row, "existing"))
        else:
            out.append(Planned(row, "new"))
    return out


def _new_username(community) -> str:
    while True:
        name = f"c{community.id}-{secrets.token_hex(4)}"
        if find_user(name) is None:
            return name


def household_for(community, name: str, cache: dict) -> Household | None:
    if not name:
        return None
    if name not in cache:
        h = db.session.execute(select(Household).where(Household.community_id == community.id,
                                                       Household.name == name)).scalar_one_or_none()
        if h is None:
            h = Household(community_id=community.id, name=name)
            db.session.add(h)
            db.session.flush()
        cache[name] = h
    return cache[name]


def import_roster(community, rows: list[Row], *, actor) -> dict:
    """Add every new line as a verified resident (and household member). Nothing at all is
    imported while any line has an error."""
    plan = plan_import(community, rows)
    if any(p.status == "error" for p in plan):
        raise RuleViolation(_l("Some lines have errors: correct the file and upload it again. Nothing was imported."))
    households: dict[str, Household] = {}
    added = 0
    for p in plan:
        if p.status != "new":
            continue
        row = p.row
        user = find_user(row.mobile) if row.mobile else None
        if user is None:
            user = User(username=row.mobile or _new_username(community), display_name=row.name,
                        password_hash=NO_PASSWORD)
            db.session.add(user)
            db.session.flush()
        membership = communities.add_resident(community, user, actor=actor)
        household = household_for(community, row.household, households)
        if household is not None:
            db.session.add(HouseholdMember(membership_id=membership.id, household_id=household.id))
            if household.representative_id is None:
                household.representative_id = membership.id  # the first named; the committee can change it
        added += 1
    counts = {"added": added, "existing": sum(p.status == "existing" for p in plan)}
    audit.record(community, "roster.imported", ("community", community.id), counts, actor_role="committee", actor=actor)
    return counts


# --------------------------------------------------------------------------- households

def set_representative(community, household: Household, membership: Membership, *, actor) -> None:
    linked = db.session.get(HouseholdMember, membership.id)
    if linked is None or linked.household_id != household.id or membership.status != "verified":
        raise RuleViolation(_l("The representative must be a verified member of this household."), field="membership_id")
    household.representative_id = membership.id
    audit.record(community, "household.representative", household,
                 {"membership": membership.id}, actor_role="committee", actor=actor)


# --------------------------------------------------------------------------- login cards

def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_card(community, membership: Membership, days: int = CARD_DAYS, *, actor) -> tuple[LoginCard, str]:
    """A new card for a verified member; every earlier unused card of theirs stops working."""
    if membership.status != "verified":
        raise RuleViolation(_l("Login cards are for verified residents."))
    if membership.user_id == actor.id:
        raise RuleViolation(_l("You cannot print a login card for yourself."))
    now = utcnow()
    db.session.execute(update(LoginCard).where(
        LoginCard.user_id == membership.user_id, LoginCard.used_at.is_(None), LoginCard.voided_at.is_(None)
    ).values(voided_at=now))
    token = secrets.token_urlsafe(24)
    card = LoginCard(community_id=community.id, user_id=membership.user_id, token_hash=_hash(token),
                     issued_by_id=actor.id, issued_at=now, expires_at=now + timedelta(days=days))
    db.session.add(card)
    db.session.flush()
    audit.record(community, "login_card.issued", card,
                 {"user": membership.user_id, "expires": card.expires_at.date().isoformat()}, actor_role="committee", actor=actor)
    return card, token


def card_for(token: str) -> LoginCard | None:
    """The card of a token, whatever its state (None: no such card)."""
    if not token or len(token) > 64:
        return None
    return db.session.execute(select(LoginCard).where(LoginCard.token_hash == _hash(token))).scalar_one_or_none()


def card_problem(card: LoginCard | None):
    """Why a card cannot be used, in words for the resident; None when it can."""
    if card is None:
        return _l("This login card is not valid. Ask the committee for a new one.")
    if card.voided_at is not None:
        return _l("A newer login card was printed for you; this one no longer works.")
    if card.used_at is not None:
        return _l("This login card has already been used. Sign in with your password, or ask the committee for a new card.")
    if card.expires_at <= utcnow():
        return _l("This login card has expired. Ask the committee for a new one.")
    return None


def valid_secret(secret: str) -> bool:
    """A password of 8 or more characters, or a PIN of 6 or more digits."""
    if not secret or len(secret) > PASSWORD_MAX:
        return False
    return len(secret) >= 8 or (secret.isascii() and secret.isdigit() and len(secret) >= PIN_MIN)


def redeem_card(card: LoginCard, secret: str, remote_addr: str | None = None) -> User:
    """Use the card once: set the resident's password or PIN. The caller signs them in."""
    problem = card_problem(card)
    if problem is not None:
        raise RuleViolation(problem)
    if not valid_secret(secret):
        raise RuleViolation(_l("Choose a PIN of at least 6 digits or a password of at least 8 characters."), field="secret")
    # Single use even under concurrent requests: only one UPDATE finds the card unused.
    now = utcnow()
    done = db.session.execute(update(LoginCard).where(
        LoginCard.id == card.id, LoginCard.used_at.is_(None), LoginCard.voided_at.is_(None)
    ).values(used_at=now)).rowcount
    if done != 1:
        raise RuleViolation(_l("This login card has already been used. Sign in with your password, or ask the committee for a new card."))
    user = db.session.get(User, card.user_id)
    user.password_hash = hash_password(secret)
    user.password_changed_at = now
    from ..communities.models import Community
    community = db.session.get(Community, card.community_id)
    audit.record(community, "login_card.used", card, {"user": user.id}, actor_role="resident", actor=user)
    log_security(kind="login_card_used", user=user, remote_addr=remote_addr)
    return user
