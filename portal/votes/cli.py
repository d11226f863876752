"""flask votes close-due / flask votes recount POLL_ID."""
from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import AppGroup

from ..extensions import db


def register(app: Flask) -> None:
    group = AppGroup("votes", help="Polls: close the due ones, recount a result.")
    app.cli.add_command(group)

    @group.command("close-due")
    def close_due():
        """Close every open poll whose closing time has passed, and publish its result."""
        from .closing import close_due as run

        closed = run()
        click.echo(f"closed {len(closed)} poll(s)" + (": " + ", ".join(map(str, closed)) if closed else ""))

    @group.command("recount")
    @click.argument("poll_id", type=int)
    def recount(poll_id):
        """Recount POLL_ID from its published ballots table and compare with the stored result."""
        from ..web.errors import PortalError
        from .models import Poll
        from .closing import recount as run

        poll = db.session.get(Poll, poll_id)
        if poll is None:
            raise click.ClickException(f"no poll {poll_id}")
        try:
            ok, stored, counted, problems = run(poll)
        except PortalError as exc:
            raise click.ClickException(str(exc.message))
        click.echo(f"poll {poll_id}: published totals {stored}, recounted {counted}")
        if ok:
            click.echo("recount agrees with the published result and hashes")
            sys.exit(0)
        for p in problems:
            click.echo(f"DIFFERS: {p}", err=True)
        click.echo("DIFFERS from the published result", err=True)
        sys.exit(1)
