"""Read side of proposals: list with keyset pagination, oversight, figures.

Every page runs a fixed number of statements whatever the number of proposals,
supports or comments (tests/test_query_budget covers it)."""
from __future__ import annotations

import functools
import re
import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.orm import joinedload

from ..db import utcnow
from ..extensions import db
from .models import OPEN_STATES, PUBLIC_STATES, OfficialAnswer, ProgressUpdate, Proposal, ProposalSupport

SORTS = ("newest", "supported", "oldest")
PAGE_SIZE = 20
SEARCH_MAX = 100


@dataclass
class ListQuery:
    state: str = ""
    category_id: int | None = None
    sort: str = "newest"
    q: str = ""
    after: str = ""


@dataclass
class Page:
    items: list
    next_cursor: str | None


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _ts(dt: datetime) -> int:
    return (dt - _EPOCH) // timedelta(microseconds=1)  # exact integer microseconds, no float
_MAX_TS = (datetime(9999, 12, 31, tzinfo=timezone.utc) - _EPOCH) // timedelta(microseconds=1)
_CURSOR_RE = re.compile(r"^([0-9]{1,18})\.([0-9]{1,10})$")


def _from_ts(v: int) -> datetime:
    return _EPOCH + timedelta(microseconds=v)  # exact: no float rounding


def _cursor(p: Proposal, sort: str) -> str:
    if sort == "supported":
        return f"{p.support_count}.{p.id}"
    return f"{_ts(p.published_at)}.{p.id}"


def parse_cursor(raw: str, sort: str = "newest") -> tuple[int, int] | None:
    """'<number>.<id>' as written by _cursor() for `sort`, or None when malformed or out of
    range (the view answers 400: a cursor only comes from our own "more" link)."""
    m = _CURSOR_RE.match(raw or "")
    if not m:
        return None
    a, b = int(m.group(1)), int(m.group(2))
    limit = 2**31 if sort == "supported" else _MAX_TS
    if not (0 <= a < limit and 0 < b < 2**31):
        return None
    return a, b


def _like(term: str) -> str:
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


@functools.lru_cache(maxsize=256)
def _list_statement(state_kind: str, category: bool, search: bool, sort: str, cursor: bool, include_hidden: bool):
    """The list's SELECT for one shape of query, built once with bind parameters (building it with
    its loader options on every request took longer than SQLite took to answer it). At most
    3 x 3 x 2 x 2 x 2 x 2 shapes."""
    stmt = (select(Proposal).options(joinedload(Proposal.author), joinedload(Proposal.category))
            .where(Proposal.community_id == bindparam("community_id"), Proposal.published_at.is_not(None)))
    if state_kind == "open":
        stmt = stmt.where(Proposal.state.in_(OPEN_STATES))
    elif state_kind == "one":
        stmt = stmt.where(Proposal.state == bindparam("state"))
    else:
        stmt = stmt.where(Proposal.state.in_(PUBLIC_STATES))
    if not include_hidden:
        stmt = stmt.where(Proposal.hidden_at.is_(None))
    if category:
        stmt = stmt.where(Proposal.category_id == bindparam("category_id"))
    if search:
        pattern = bindparam("pattern")
        # ILIKE: "Well" finds "well" on PostgreSQL as it does on SQLite (whose LIKE ignores ASCII case).
        stmt = stmt.where(or_(Proposal.title.ilike(pattern, escape="\\"), Proposal.body.ilike(pattern, escape="\\")))
    key, after_id = bindparam("cursor_key"), bindparam("cursor_id")
    if sort == "supported":
        if cursor:
            stmt = stmt.where(or_(Proposal.support_count < key,
                                  and_(Proposal.support_count == key, Proposal.id < after_id)))
        stmt = stmt.order_by(Proposal.support_count.desc(), Proposal.id.desc())
    elif sort == "oldest":
        stmt = stmt.where(Proposal.state.in_(OPEN_STATES))
        if cursor:
            stmt = stmt.where(or_(Proposal.published_at > key,
                                  and_(Proposal.published_at == key, Proposal.id > after_id)))
        stmt = stmt.order_by(Proposal.published_at.asc(), Proposal.id.asc())
    else:
        if cursor:
            stmt = stmt.where(or_(Proposal.published_at < key,
                                  and_(Proposal.published_at == key, Proposal.id < after_id)))
        stmt = stmt.order_by(Proposal.published_at.desc(), Proposal.id.desc())
    return stmt.limit(PAGE_SIZE + 1)


def list_proposals(community, lq: ListQuery, include_hidden: bool = False) -> Page:
    sort = lq.sort if lq.sort in ("supported", "oldest") else "newest"
    state_kind = "open" if lq.state == "open" else "one" if lq.state in PUBLIC_STATES else "all"
    params: dict = {"community_id": community.id}
    if state_kind == "one":
        params["state"] = lq.state
    if lq.category_id:
        params["category_id"] = lq.category_id
    if lq.q:
        params["pattern"] = _like(lq.q[:SEARCH_MAX])
    cur = parse_cursor(lq.after, lq.sort) if lq.after else None
    if cur:
        params["cursor_key"] = cur[0] if sort == "supported" else _from_ts(cur[0])
        params["cursor_id"] = cur[1]
    stmt = _list_statement(state_kind, bool(lq.category_id), bool(lq.q), sort, bool(cur), bool(include_hidden))
    rows = db.session.execute(stmt, params).scalars().all()
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return Page(rows, _cursor(rows[-1], sort) if more and rows else None)


# The detail page's statements are built once (on first use: loader options need every model
# mapped), with bind parameters: building a select() with its loader options took longer than
# SQLite took to answer it.


@functools.cache
def _drafts():
    return (select(Proposal).options(joinedload(Proposal.category))
               .where(Proposal.community_id == bindparam("community_id"), Proposal.author_id == bindparam("user_id"),
                      Proposal.state == "draft")
               .order_by(Proposal.created_at.desc()).limit(50))


@functools.cache
def _detail():
    return (select(Proposal).options(joinedload(Proposal.author), joinedload(Proposal.category))
               .where(Proposal.id == bindparam("proposal_id"), Proposal.community_id == bindparam("community_id")))


@functools.cache
def _answer():
    return (select(OfficialAnswer).options(joinedload(OfficialAnswer.author))
               .where(OfficialAnswer.proposal_id == bindparam("proposal_id")))


@functools.cache
def _progress():
    return (select(ProgressUpdate).options(joinedload(ProgressUpdate.author))
                 .where(ProgressUpdate.proposal_id == bindparam("proposal_id")).order_by(ProgressUpdate.id).limit(200))


def drafts_of(community, user) -> list[Proposal]:
    return db.session.execute(_drafts(), {"community_id": community.id, "user_id": user.id}).scalars().all()


def load_detail(community, proposal_id: int) -> Proposal | None:
    return db.session.execute(_detail(), {"proposal_id": proposal_id, "community_id": community.id}) \
        .scalar_one_or_none()


def answer_for(p: Proposal) -> OfficialAnswer | None:
    return db.session.execute(_answer(), {"proposal_id": p.id}).scalar_one_or_none()


def progress_for(p: Proposal) -> list[ProgressUpdate]:
    return db.session.execute(_progress(), {"proposal_id": p.id}).scalars().all()


def overdue(community, now: datetime | None = None, limit: int = 200) -> list[tuple[Proposal, int]]:
    """Proposals under review past their deadline, most overdue first, with days overdue."""
    now = now or utcnow()
    rows = db.session.execute(
        select(Proposal).options(joinedload(Proposal.author), joinedload(Proposal.category))
        .where(Proposal.community_id == community.id, Proposal.state == "under_review",
               Proposal.answer_due_at < now)
        .order_by(Proposal.answer_due_at.asc(), Proposal.id.asc()).limit(limit)).scalars().all()
    return [(p, max(1, (now - p.answer_due_at).days)) for p in rows]


@dataclass
class Figures:
    answered: int
    median_days: float | None
    on_time_share: float | None
    waiting: int
    overdue: int


def figures(community, now: datetime | None = None) -> Figures:
    """Median days from review start to answer, share answered on time (of those reviewed)."""
    now = now or utcnow()
    rows = db.session.execute(
        select(Proposal.review_started_at, Proposal.answered_at, Proposal.answer_due_at)
        .where(Proposal.community_id == community.id, Proposal.answered_at.is_not(None),
               Proposal.review_started_at.is_not(None))).all()
    durations = [(a - r).total_seconds() / 86400 for r, a, _d in rows]
    on_time = [a <= d for _r, a, d in rows if d is not None]
    waiting, late = db.session.execute(
        select(func.count(), func.count().filter(Proposal.answer_due_at < now))
        .where(Proposal.community_id == community.id, Proposal.state == "under_review")).one()
    return Figures(
        answered=len(rows),
        median_days=round(statistics.median(durations), 1) if durations else None,
        on_time_share=round(100 * sum(on_time) / len(on_time)) if on_time else None,
        waiting=waiting, overdue=late,
    )


@functools.cache
def _assisted_supports():
    return select(func.count()).select_from(ProposalSupport).where(
        ProposalSupport.proposal_id == bindparam("proposal_id"), ProposalSupport.origin == "assisted")


def assisted_support_count(p: Proposal) -> int:
    """Supports recorded by the committee with the resident present (shown to everyone)."""
    if not p.support_count:
        return 0
    return db.session.execute(_assisted_supports(), {"proposal_id": p.id}).scalar_one()
