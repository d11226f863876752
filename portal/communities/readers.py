"""What of a signed-in reader the community's home page depends on beyond role (status and
roles), language and display modes (portal/readercache.py): a refused member reads the
committee's reason, which is theirs alone, so they get a page of their own."""
from __future__ import annotations


def home_columns(t):
    return []


def home_facts(row):
    return row.user_id if row.status == "rejected" else 0
