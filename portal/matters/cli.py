"""`flask matters escalate-due` (run from cron every few minutes) and `flask matters recount --check`."""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from ..extensions import db

matters_group = AppGroup("matters", help="Matters (事件/诉求) tools.")


@matters_group.command("escalate-due")
def escalate_due():
    """Move every matter past its deadline and the grace period one level up, each in its own commit."""
    from . import services
    from .models import Matter

    moved = 0
    for matter_id in services.due_for_escalation():
        matter = db.session.get(Matter, matter_id)
        try:
            if matter is not None and services.escalate_if_due(matter):
                moved += 1
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
    click.echo(f"escalated {moved} matter(s)")


@matters_group.command("recount")
@click.option("--check", is_flag=True, help="compare the counters with a recount; exit 1 when they differ")
def recount(check):
    """Recount the figures' counters from the matters (read only: --check reports the differences)."""
    from . import tally

    expected, expected_days = tally.recount()
    stored, stored_days = tally.stored()
    differ = sorted(set(expected) ^ set(stored) | {k for k in expected if k in stored and expected[k] != stored[k]})
    differ_days = sorted(set(expected_days.items()) ^ set(stored_days.items()))
    for key in differ:
        click.echo(f"tally {key}: stored {stored.get(key)} recounted {expected.get(key)}")
    for key in differ_days:
        click.echo(f"days {key}")
    if differ or differ_days:
        click.echo(f"{len(differ) + len(differ_days)} difference(s)")
        if check:
            sys.exit(1)
    else:
        click.echo("the counters agree with a recount")
