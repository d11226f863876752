"""flask create-community / grant-role."""
from __future__ import annotations

import click
from flask import Flask
from sqlalchemy import select

from ..extensions import db
from ..web.errors import PortalError


def community_named(slug):
    from .models import Community

    c = db.session.execute(select(Community).where(Community.slug == slug)).scalar_one_or_none()
    if c is None:
        raise click.ClickException(f"no community with slug {slug!r}")
    return c


def user_named(login):
    from ..auth.services import find_user

    u = find_user(login)
    if u is None:
        raise click.ClickException(f"no user {login!r}")
    return u


def init_app(app: Flask) -> None:
    @app.cli.command("create-community")
    @click.argument("slug")
    @click.argument("name")
    @click.option("--region", default="")
    @click.option("--kind", type=click.Choice(["village", "urban"]), default="village")
    @click.option("--locale", "default_locale", type=click.Choice(["zh_Hans", "en"]), default="zh_Hans")
    def create_community(slug, name, region, kind, default_locale):
        """Create a community (its audit chain starts with this event)."""
        from . import services

        try:
            c = services.create_community(None, slug, name, region, kind, default_locale)
        except PortalError as exc:
            raise click.ClickException(str(exc.message))
        db.session.commit()
        click.echo(f"created community {c.slug}")

    @app.cli.command("grant-role")
    @click.argument("slug")
    @click.argument("username")
    @click.argument("role", type=click.Choice(["resident", "committee", "mediator"]))
    def grant_role(slug, username, role):
        """Give USERNAME a ROLE in community SLUG (joins them as a verified resident if needed)."""
        from . import services
        from .scoping import membership_of

        c, u = community_named(slug), user_named(username)
        try:
            m = membership_of(u, c)
            if m is None or m.status != "verified":
                m = services.add_resident(c, u, actor_role="system", actor=None)
            if role != "resident":
                services.grant_role(c, m, role, actor_role="system", actor=None)
        except PortalError as exc:
            raise click.ClickException(str(exc.message))
        db.session.commit()
        click.echo(f"{u.username} is {role} in {c.slug}")
