"""flask create-admin / create-community / grant-role / audit verify / seed-demo / mediation / translate."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_migrate import upgrade
from sqlalchemy import select

from .extensions import db

ROOT = Path(__file__).resolve().parent.parent


def _community(slug):
    from .communities.models import Community

    c = db.session.execute(select(Community).where(Community.slug == slug)).scalar_one_or_none()
    if c is None:
        raise click.ClickException(f"no community with slug {slug!r}")
    return c


def _user(login):
    from .auth.services import find_user

    u = find_user(login)
    if u is None:
        raise click.ClickException(f"no user {login!r}")
    return u


def register_cli(app: Flask) -> None:
    @app.cli.command("init-db")
    def init_db():
        """Create or upgrade the schema with the Alembic migrations."""
        upgrade(directory=str(ROOT / "migrations"))
        click.echo("database is at the latest migration")

    @app.cli.command("create-admin")
    @click.argument("username")
    @click.option("--name", "display_name", default=None, help="display name")
    @click.password_option(prompt=True)
    def create_admin(username, display_name, password):
        """Create a platform admin (or make an existing user one)."""
        from .auth import services

        user = services.find_user(username)
        if user is None:
            user = services.register_user(username, display_name or username, password)
        user.is_platform_admin = True
        db.session.commit()
        click.echo(f"{user.username} is a platform admin")

    @app.cli.command("create-community")
    @click.argument("slug")
    @click.argument("name")
    @click.option("--region", default="")
    @click.option("--kind", type=click.Choice(["village", "urban"]), default="village")
    @click.option("--locale", "default_locale", type=click.Choice(["zh_Hans", "en"]), default="zh_Hans")
    def create_community(slug, name, region, kind, default_locale):
        """Create a community (its audit chain starts with this event)."""
        from .communities import services
        from .web.errors import PortalError

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
        from .communities import services
        from .communities.scoping import membership_of
        from .web.errors import PortalError

        c, u = _community(slug), _user(username)
        try:
            m = membership_of(u, c)
            if m is None or m.status != "verified":
                m = services.add_resident(None, c, u, actor_role="system")
            if role != "resident":
                services.grant_role(None, c, m, role, actor_role="system")
        except PortalError as exc:
            raise click.ClickException(str(exc.message))
        db.session.commit()
        click.echo(f"{u.username} is {role} in {c.slug}")

    audit_group = AppGroup("audit", help="Audit chain tools.")
    app.cli.add_command(audit_group)

    def _head_option(value):
        if value is None:
            return None
        from .audit.chain import parse_head

        try:
            return parse_head(value)
        except ValueError:
            raise click.BadParameter("must look like SEQ:HASH (a seq number, a colon, 64 hex digits)")

    @audit_group.command("verify")
    @click.option("--community", "slug", default=None, help="only this community")
    @click.option("--head", default=None, help="SEQ:HASH written down earlier; must still be in the chain")
    def verify(slug, head):
        """Recompute every chain; exit 1 naming the first broken seq."""
        from .audit import verify_community
        from .communities.models import Community

        if head and not slug:
            raise click.UsageError("--head needs --community")
        expect = _head_option(head)
        communities = [_community(slug)] if slug else db.session.execute(
            select(Community).order_by(Community.slug)).scalars().all()
        if not communities:
            click.echo("no communities")
        bad = 0
        for c in communities:
            r = verify_community(c, expect_head=expect)
            if r.ok:
                click.echo(f"{c.slug}: ok, {r.count} events, head {r.head_seq}:{r.head_hash}")
            else:
                bad += 1
                click.echo(f"{c.slug}: BROKEN at seq {r.broken_seq}: {r.reason}", err=True)
        sys.exit(1 if bad else 0)

    @audit_group.command("verify-export", with_appcontext=False)
    @click.argument("file", type=click.File("rb"))
    @click.option("--head", default=None, help="SEQ:HASH written down earlier; must be in the exported chain")
    def verify_export(file, head):
        """Verify an exported audit file (JSON Lines) offline; no database needed.

        Exits 1 naming the first broken seq. Without --head a cut-off tail cannot
        be seen: compare the last head with the one on the community's page."""
        from .audit.chain import verify_export_lines

        r = verify_export_lines(file, expect_head=_head_option(head))
        name = getattr(file, "name", "-")
        if r.ok:
            click.echo(f"{name}: ok, {r.count} events, head {r.head_seq}:{r.head_hash}")
            sys.exit(0)
        click.echo(f"{name}: BROKEN at seq {r.broken_seq}: {r.reason}", err=True)
        sys.exit(1)

    @app.cli.command("seed-demo")
    def seed_demo():
        """Fill an empty database with demo communities and people (demo passwords!)."""
        if not current_app.config.get("DEMO_ALLOWED", False):
            raise click.ClickException("seed-demo is refused in production")
        from .demo import seed

        created = seed()
        click.echo("demo data created" if created else "demo data already present")

    from .mediation.cli import mediation_group

    app.cli.add_command(mediation_group)
    from .votes.cli import register as register_votes

    register_votes(app)

    translate = click.Group("translate", help="Translation workflow (pybabel).")
    app.cli.add_command(translate)

    def _babel(*args):
        subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True, cwd=ROOT)

    @translate.command("update")
    def translate_update():
        """Extract strings and merge them into every catalog."""
        # 120 columns, like the committed catalogs (pybabel's 76 would rewrap every entry).
        _babel("extract", "-F", "babel.cfg", "-w", "120", "-k", "_l", "-k", "pgettext:1c,2", "--no-location",
               "--ignore-dirs", ".* instance artifacts", "--sort-output", "-o", "translations/messages.pot", ".")
        _babel("update", "-i", "translations/messages.pot", "-d", "translations", "--no-fuzzy-matching", "-w", "120")

    @translate.command("compile")
    def translate_compile():
        """Compile the catalogs (.po -> .mo)."""
        _babel("compile", "-d", "translations", "--statistics")
