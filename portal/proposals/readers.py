"""What of a signed-in reader the proposal pages depend on, beyond role, language and display
modes (portal/readercache.py): these facts go into the shared pages' key.

- The list shows the reader's own drafts: a reader with drafts gets a page of their own.
- A proposal's page differs for its author (edit, withdraw, no support button, no report link),
  for a reader with comments on it (no report link on their own comments) — both get a page of
  their own — and with whether the reader supports it.
"""
from __future__ import annotations

from sqlalchemy import bindparam, exists, select

from ..comments.models import Comment
from .models import Proposal, ProposalSupport


def list_columns(t):
    p, c, u = Proposal.__table__, t["community"], t["user"]
    return [exists().where(p.c.author_id == u.c.id, p.c.community_id == c.c.id, p.c.state == "draft")
            .label("has_drafts")]


def list_facts(row):
    return row.user_id if row.has_drafts else 0


def detail_columns(t):
    p, sp, cm = Proposal.__table__, ProposalSupport.__table__, Comment.__table__
    c, u, pid = t["community"], t["user"], bindparam("proposal_id")
    return [select(p.c.author_id).where(p.c.id == pid, p.c.community_id == c.c.id).scalar_subquery()
            .label("author_id"),
            exists().where(sp.c.proposal_id == pid, sp.c.user_id == u.c.id).label("supported"),
            exists().where(cm.c.community_id == c.c.id, cm.c.subject_type == "proposal", cm.c.subject_id == pid,
                           cm.c.author_id == u.c.id).label("commented")]


def detail_facts(row):
    own = row.author_id == row.user_id or row.commented
    return (row.user_id if own else 0, bool(row.supported))
