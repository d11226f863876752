"""The header's count of what waits for the signed-in person (docs/architecture.md, "For me to
do"). On a community page it is that community's count; elsewhere the sum over the person's
communities. Shared readers' pages (portal/cache/readers.py) carry a mark in its place, and a cache
hit reads the count in its one statement (`queries.count_columns`) and splices it in, so that one
reader's count never reaches another and the count is in no key."""
from __future__ import annotations

from flask import g
from flask_login import current_user

from ..cache import Spliced, add_spliced
from . import queries

NAME = "queue_count"


def html(n: int | None) -> str:
    """The count as the header shows it: a number after the link's words, nothing for 0."""
    n = int(n or 0)
    return f'<span class="count">{n}</span>' if n > 0 else ""


def live() -> str:
    if not current_user.is_authenticated:
        return ""
    community = g.get("community")
    counts = queries.counts_of(current_user, community.id if community is not None else None)
    return html(sum(counts.values()))


def install(app) -> None:
    add_spliced(app, Spliced(NAME, queries.count_columns, queries.count_params,
                             lambda row: html(row.queue_count), live))
