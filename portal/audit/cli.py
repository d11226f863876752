"""flask audit verify / verify-export."""
from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from ..communities.cli import community_named
from ..extensions import db


def init_app(app: Flask) -> None:
    audit_group = AppGroup("audit", help="Audit chain tools.")
    app.cli.add_command(audit_group)

    def _head_option(value):
        if value is None:
            return None
        from .chain import parse_head

        try:
            return parse_head(value)
        except ValueError:
            raise click.BadParameter("must look like SEQ:HASH (a seq number, a colon, 64 hex digits)")

    @audit_group.command("verify")
    @click.option("--community", "slug", default=None, help="only this community")
    @click.option("--head", default=None, help="SEQ:HASH written down earlier; must still be in the chain")
    def verify(slug, head):
        """Recompute every chain; exit 1 naming the first broken seq."""
        from . import verify_community
        from ..communities.models import Community

        if head and not slug:
            raise click.UsageError("--head needs --community")
        expect = _head_option(head)
        communities = [community_named(slug)] if slug else db.session.execute(
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
        # Across chains: the anchors a street or district holds of the chains below, and the
        # hand-offs each receiving unit holds of its sender's chain (docs: "Traces across levels").
        from .anchors import check_anchors, check_handoffs

        for c in communities:
            for problem in check_anchors(c) + check_handoffs(c):
                bad += 1
                click.echo(f"BROKEN {problem}", err=True)
        sys.exit(1 if bad else 0)

    @audit_group.command("anchor")
    def anchor():
        """Write each community's and department's head into its street's chain, then each
        street's into its district's (run at least daily)."""
        from .anchors import anchor_all

        n = anchor_all()
        db.session.commit()
        click.echo(f"{n} anchors written")

    @audit_group.command("verify-export", with_appcontext=False)
    @click.argument("file", type=click.File("rb"))
    @click.option("--head", default=None, help="SEQ:HASH written down earlier; must be in the exported chain")
    def verify_export(file, head):
        """Verify an exported audit file (JSON Lines) offline; no database needed.

        Exits 1 naming the first broken seq. Without --head a cut-off tail cannot
        be seen: compare the last head with the one on the community's page."""
        from .chain import verify_export_lines

        r = verify_export_lines(file, expect_head=_head_option(head))
        name = getattr(file, "name", "-")
        if r.ok:
            click.echo(f"{name}: ok, {r.count} events, head {r.head_seq}:{r.head_hash}")
            sys.exit(0)
        click.echo(f"{name}: BROKEN at seq {r.broken_seq}: {r.reason}", err=True)
        sys.exit(1)
