"""What of a signed-in reader the proposal pages depend on, beyond role, language and display
modes (portal/cache/readers.py): these facts go into the shared pages' key.

- The list shows the reader's own drafts: a reader with drafts gets a page of their own.
- A proposal's page differs for its author (edit, withdraw, no support button): the author gets a
  page of their own. It differs with whether the reader supports it. A reader with comments on it
  sees no "Report" link on them: they share the page all the same, which marks those links with
  their authors, and the cache takes each reader's own out (portal.cache.own_part).
"""
from __future__ import annotations

from sqlalchemy import bindparam, exists, select

from ..cache import Facts, ReaderSpec
from .models import Proposal, ProposalSupport


def list_columns(t):
    p, c, u = Proposal.__table__, t["community"], t["user"]
    return [exists().where(p.c.author_id == u.c.id, p.c.community_id == c.c.id, p.c.state == "draft")
            .label("has_drafts")]


def list_facts(row) -> Facts:
    return Facts(own=bool(row.has_drafts))


def detail_columns(t):
    p, sp = Proposal.__table__, ProposalSupport.__table__
    c, u, pid = t["community"], t["user"], bindparam("proposal_id")
    author = select(p.c.author_id).where(p.c.id == pid, p.c.community_id == c.c.id).scalar_subquery()
    return [author.label("author_id"),
            exists().where(sp.c.proposal_id == pid, sp.c.user_id == u.c.id).label("supported")]


def detail_facts(row) -> Facts:
    return Facts(own=row.author_id == row.user_id, extra=(bool(row.supported),))


LIST = ReaderSpec(list_columns, list_facts)
DETAIL = ReaderSpec(detail_columns, detail_facts)
