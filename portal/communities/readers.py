"""What of a signed-in reader the community's home page depends on beyond role (status and
roles), language and display modes (portal/cache/readers.py): a refused member reads the
committee's reason, which is theirs alone, so they get a page of their own."""
from __future__ import annotations

from ..cache import Facts, ReaderSpec


def home_columns(t):
    return []


def home_facts(row) -> Facts:
    return Facts(own=row.status == "rejected")


HOME = ReaderSpec(home_columns, home_facts)
