"""What the page caches (portal/cache/) need to know of communities, members, users and sessions:
handed to them at start-up, so that the cache package imports no capability."""
from __future__ import annotations

from sqlalchemy import and_, bindparam, func, select

from ..auth.models import AuthSession, User
from ..cache import Keyed, Sources
from ..web.display import locale_for, select_locale
from .models import Community, MemberRole, Membership

_c = Community.__table__
HEAD = select(_c.c.id, _c.c.content_seq).where(_c.c.slug == bindparam("slug"))

# What of a reader a shared page's key holds (reader_key below); the only attributes a template
# may read of them while such a page is rendered (portal/cache/standin.py).
KEYED = Keyed(
    user=frozenset({"is_authenticated", "is_active", "is_anonymous", "locale", "display_large",
                    "display_contrast", "display_easy", "is_platform_admin"}),
    membership=frozenset({"status", "role_names", "roles"}),
    ctx=frozenset({"community", "signed_in", "is_admin", "status", "verified", "has_role", "role_label"}),
)


def reader_statement(columns):
    c, s, u = _c, AuthSession.__table__, User.__table__
    m, r = Membership.__table__, MemberRole.__table__
    roles = select(func.aggregate_strings(r.c.role, ",")).where(r.c.membership_id == m.c.id).scalar_subquery()
    extra = columns({"community": c, "user": u, "membership": m})
    return (select(c.c.id.label("community_id"), c.c.content_seq, c.c.default_locale, s.c.last_seen_at,
                   u.c.id.label("user_id"), u.c.display_name, u.c.locale, u.c.display_large,
                   u.c.display_contrast, u.c.display_easy, u.c.is_platform_admin,
                   m.c.status, roles.label("roles"), *extra)
            .select_from(c.join(s, s.c.token_hash == bindparam("token_hash")).join(u, u.c.id == s.c.user_id)
                         .outerjoin(m, and_(m.c.community_id == c.c.id, m.c.user_id == u.c.id)))
            .where(c.c.slug == bindparam("slug")))


def reader_key(row) -> tuple:
    return (locale_for(row.locale, row.default_locale), row.locale,
            bool(row.display_large), bool(row.display_contrast), bool(row.display_easy),
            bool(row.is_platform_admin), row.status, tuple(sorted((row.roles or "").split(","))))


def current(g_):
    community = g_.get("community")
    return None if community is None else (community.id, community.content_seq)


def sources() -> Sources:
    return Sources(head=HEAD, reader_statement=reader_statement, reader_key=reader_key, keyed=KEYED,
                   remember_locale=select_locale, current=current)
