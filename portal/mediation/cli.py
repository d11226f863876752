"""`flask mediation anonymise-due`: the retention rule, run daily from cron."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from ..db import utcnow
from ..extensions import db

mediation_group = AppGroup("mediation", help="Mediation case tools.")


@mediation_group.command("anonymise-due")
@click.option("--days", type=int, default=None,
              help="retention period in days (default: MEDIATION_RETENTION_DAYS, 3 years)")
@click.option("--dry-run", is_flag=True, help="only count the cases that are due")
def anonymise_due(days, dry_run):
    """Anonymise finished cases older than the retention period: personal fields and
    files are removed, category, outcome, dates and ratings stay for the statistics."""
    from . import retention

    days = days if days is not None else int(current_app.config.get("MEDIATION_RETENTION_DAYS", 3 * 365))
    if days < 1:
        raise click.BadParameter("must be at least 1", param_hint="--days")
    if dry_run:
        n = len(retention.due_for_anonymisation(utcnow(), days))
        click.echo(f"{n} case(s) due for anonymisation (retention {days} days)")
        return
    n = retention.anonymise_due(utcnow(), days)
    db.session.commit()
    click.echo(f"anonymised {n} case(s) (retention {days} days)")
