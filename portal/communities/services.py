"""Community use cases. Each takes an explicit actor and community, writes its
audit event in the same transaction, flushes; the caller commits."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..audit import chain as audit
from ..db import utcnow
from ..extensions import db
from ..web.errors import RuleViolation
from .models import KINDS, ROLES, UNIT_ROLES, Community, MemberRole, Membership

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")
RESERVED_SLUGS = {"admin", "static", "login", "logout", "register", "account", "display"}


# Other capabilities add what a new community needs (e.g. default proposal categories).
ON_COMMUNITY_CREATED: list = []


DEFAULT_STREET = "street"  # the unnamed street of an installation that uses no levels


def default_street() -> Community:
    """The unnamed street that holds communities created without one (made on first use; the
    migration to levels made it for the communities that already existed)."""
    street = db.session.execute(select(Community).where(Community.slug == DEFAULT_STREET)).scalar_one_or_none()
    if street is None:
        street = Community(slug=DEFAULT_STREET, name="", region="", kind="urban", level="street")
        db.session.add(street)
        db.session.flush()
    return street


def create_community(actor, slug: str, name: str, region: str = "", kind: str = "village",
                     default_locale: str = "zh_Hans", *, parent: Community | None = None,
                     actor_role: str | None = None) -> Community:
    """A community or village under `parent` (a street; the unnamed street when None)."""
    slug = (slug or "").strip().lower()
    if not SLUG_RE.match(slug) or slug in RESERVED_SLUGS:
        raise RuleViolation(_l("The short name may use 2 to 40 lower-case letters, digits and dashes."), field="slug")
    if kind not in KINDS:
        raise RuleViolation(_l("Unknown kind of community."), field="kind")
    if db.session.execute(select(Community.id).where(Community.slug == slug)).first():
        raise RuleViolation(_l("A community with this short name already exists."), field="slug")
    if parent is not None and parent.level != "street":
        raise RuleViolation(_l("A community belongs to a street or township."), field="parent")
    street = parent if parent is not None else default_street()
    community = Community(slug=slug, name=name.strip(), region=region.strip(), kind=kind,
                          default_locale=default_locale, level="community", parent_id=street.id)
    db.session.add(community)
    db.session.flush()
    role = actor_role or ("platform_admin" if actor is not None else "system")
    audit.record(community, "community.created", community,
                 {"slug": slug, "name": community.name, "region": community.region, "kind": kind,
                  "default_locale": default_locale, "street": street.id},
                 actor_role=role, actor=actor)
    if parent is not None:  # the street's chain records its new community too
        audit.record(street, "unit.child_created", community, {"slug": slug, "level": "community"},
                     actor_role=role, actor=actor)
    for hook in ON_COMMUNITY_CREATED:
        hook(community)
    return community


def _membership(community: Community, user) -> Membership | None:
    return db.session.execute(
        select(Membership).where(Membership.community_id == community.id, Membership.user_id == user.id)
    ).scalar_one_or_none()


def find_membership(community: Community, user) -> Membership | None:
    """`user`'s membership of `community` (any status), or None."""
    return _membership(community, user)


def request_join(community: Community, message: str = "", *, actor) -> Membership:
    membership = _membership(community, actor)
    if membership is not None and membership.status == "verified":
        raise RuleViolation(_l("You are already a member of this community."))
    if membership is not None and membership.status == "pending":
        raise RuleViolation(_l("Your request is already waiting for the committee."))
    if membership is None:
        membership = Membership(community_id=community.id, user_id=actor.id)
        db.session.add(membership)
    membership.status = "pending"
    membership.message = message.strip()
    membership.reason = ""
    membership.requested_at = utcnow()
    membership.decided_at = None
    membership.decided_by_id = None
    db.session.flush()
    audit.record(community, "membership.requested", membership,
                 {"user": actor.id}, actor_role="user", actor=actor)
    return membership


def approve_member(community: Community, membership: Membership, actor_role: str = "committee", *, actor) -> None:
    if membership.status != "pending":
        raise RuleViolation(_l("Only a waiting request can be approved."))
    membership.status = "verified"
    membership.decided_at = utcnow()
    membership.decided_by_id = actor.id
    membership.reason = ""
    audit.record(community, "membership.verified", membership,
                 {"user": membership.user_id, "status": "verified"}, actor_role=actor_role, actor=actor)


def reject_member(community: Community, membership: Membership, reason: str, *, actor) -> None:
    if membership.status != "pending":
        raise RuleViolation(_l("Only a waiting request can be rejected."))
    reason = (reason or "").strip()
    if not reason:
        raise RuleViolation(_l("Please give the reason; the person asking will see it."), field="reason")
    membership.status = "rejected"
    membership.decided_at = utcnow()
    membership.decided_by_id = actor.id
    membership.reason = reason
    audit.record(community, "membership.rejected", membership,
                 {"user": membership.user_id, "status": "rejected", "reason": reason}, actor_role="committee", actor=actor)


def add_resident(community: Community, user, actor_role: str = "committee", *, actor) -> Membership:
    """Add a registered person directly as a verified resident (they came in person)."""
    membership = _membership(community, user)
    if membership is not None and membership.status == "verified":
        raise RuleViolation(_l("This person is already a member of this community."), field="username")
    if membership is None:
        membership = Membership(community_id=community.id, user_id=user.id)
        db.session.add(membership)
    membership.status = "verified"
    membership.reason = ""
    membership.decided_at = utcnow()
    membership.decided_by_id = actor.id if actor is not None else None
    db.session.flush()
    audit.record(community, "membership.added", membership,
                 {"user": user.id, "status": "verified"}, actor_role=actor_role, actor=actor)
    return membership


def grant_role(community: Community, membership: Membership, role: str,
               actor_role: str = "committee", *, actor) -> None:
    if role not in (ROLES if community.level == "community" else UNIT_ROLES):
        raise RuleViolation(_l("Unknown role."))
    if membership.status != "verified":
        raise RuleViolation(_l("Roles can only be given to verified members."))
    if role in membership.role_names:
        raise RuleViolation(_l("This member already has this role."))
    membership.roles.append(MemberRole(role=role, granted_by_id=actor.id if actor is not None else None))
    db.session.flush()
    audit.record(community, "role.granted", membership,
                 {"user": membership.user_id, "role": role}, actor_role=actor_role, actor=actor)


def committee_count(community: Community) -> int:
    return db.session.execute(
        select(func.count()).select_from(MemberRole).join(Membership)
        .where(Membership.community_id == community.id, Membership.status == "verified",
               MemberRole.role == "committee")
    ).scalar_one()


def revoke_role(community: Community, membership: Membership, role: str, *, actor) -> None:
    found = next((r for r in membership.roles if r.role == role), None)
    if found is None:
        raise RuleViolation(_l("This member does not have this role."))
    if role == "committee" and committee_count(community) <= 1:
        raise RuleViolation(_l("The last committee member cannot be removed; "
                               "first give the committee role to someone else."))
    membership.roles.remove(found)
    db.session.flush()
    audit.record(community, "role.revoked", membership,
                 {"user": membership.user_id, "role": role}, actor_role="committee", actor=actor)


def appoint_committee(community: Community, user, *, actor) -> Membership:
    """Platform admin (or CLI) appoints a committee member; joins them if needed."""
    membership = _membership(community, user)
    if membership is None or membership.status != "verified":
        membership = add_resident(community, user,
                                  actor_role="platform_admin" if actor is not None else "system", actor=actor)
    grant_role(community, membership, "committee",
               actor_role="platform_admin" if actor is not None else "system", actor=actor)
    return membership


def memberships_of(user) -> list[tuple[Membership, Community]]:
    rows = db.session.execute(
        select(Membership, Community).join(Community, Community.id == Membership.community_id)
        .where(Membership.user_id == user.id).order_by(Community.name)
    ).all()
    return [(m, c) for m, c in rows]
