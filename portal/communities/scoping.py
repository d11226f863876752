"""Community-scoped loading: every community object is fetched through here.

An object of another community is a 404, never a 403: we do not confirm that it exists.
"""
from __future__ import annotations

import functools

from dataclasses import dataclass

from flask import Blueprint, abort, g
from flask_login import current_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload, lazyload

from ..extensions import db
from .models import Community, Membership


@dataclass(frozen=True)
class Ctx:
    """Who is acting, where: the input of every permission predicate."""

    user: object | None
    community: Community | None
    membership: Membership | None

    @property
    def signed_in(self) -> bool:
        return self.user is not None

    @property
    def is_admin(self) -> bool:
        return bool(self.user is not None and self.user.is_platform_admin)

    @property
    def status(self) -> str | None:
        return self.membership.status if self.membership is not None else None

    @property
    def verified(self) -> bool:
        return self.status == "verified"

    def has_role(self, role: str) -> bool:
        return self.verified and role in self.membership.role_names

    @property
    def role_label(self) -> str:
        """The role written into audit events."""
        if self.has_role("committee"):
            return "committee"
        if self.has_role("mediator"):
            return "mediator"
        if self.verified:
            return "resident"
        if self.is_admin:
            return "platform_admin"
        return "user" if self.signed_in else "visitor"


# Statements run on every community page are built once, on first use (loader options need every
# model mapped), with bind parameters: building a
# select() with its options costs more Python time than SQLite takes to answer it.


@functools.cache
def _by_slug():
    return select(Community).where(Community.slug == bindparam("slug"))


@functools.cache
def _membership():
    return (select(Membership).options(joinedload(Membership.roles), lazyload(Membership.user))
        .where(Membership.community_id == bindparam("community_id"), Membership.user_id == bindparam("user_id")))


def community_by_slug_or_404(slug: str) -> Community:
    community = db.session.execute(_by_slug(), {"slug": slug}).scalar_one_or_none()
    if community is None:
        abort(404)
    return community


def membership_of(user, community: Community) -> Membership | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    # One statement on every community page: the roles joined (not a second SELECT), the user not
    # joined again (it is `user`, already in the session; Membership.user finds it there).
    return db.session.execute(_membership(), {"community_id": community.id, "user_id": user.id}) \
        .unique().scalar_one_or_none()


def context_for(user, community: Community | None) -> Ctx:
    user = user if (user is not None and getattr(user, "is_authenticated", False)) else None
    membership = membership_of(user, community) if community is not None else None
    return Ctx(user=user, community=community, membership=membership)


def get_or_404(model, community: Community, object_id: int):
    """Load `model` by id within `community` only."""
    obj = db.session.execute(
        select(model).where(model.id == object_id, model.community_id == community.id)
    ).scalar_one_or_none()
    if obj is None:
        abort(404)
    return obj


def current_ctx() -> Ctx:
    return g.ctx


COMMUNITY_ONLY = ("community",)


def community_blueprint(name: str, import_name: str, sub: str = "", *, prefix: str = "/c",
                        levels: tuple[str, ...] = COMMUNITY_ONLY) -> Blueprint:
    """A blueprint under /c/<slug>/...: loads the community (404 if unknown, or if it is a unit of
    another level than `levels`: a street has no proposals) and the acting Ctx into g before any
    view runs. The units above use prefix "/u" (portal/levels; docs/architecture.md, "Levels")."""
    bp = Blueprint(name, import_name, url_prefix=prefix + "/<slug:slug>" + sub)

    @bp.url_value_preprocessor
    def _load_community(endpoint, values):
        g.community = community_by_slug_or_404(values.pop("slug"))
        if g.community.level not in levels:
            abort(404)
        g.ctx = context_for(current_user, g.community)

    @bp.url_defaults
    def _add_slug(endpoint, values):
        if "slug" not in values and g.get("community") is not None:
            values["slug"] = g.community.slug

    return bp
