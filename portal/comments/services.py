"""Add and list comments. The subject's own permission decides who may comment."""
from __future__ import annotations

import functools

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, case, func, or_, select
from sqlalchemy.orm import joinedload

from ..audit import chain as audit
from ..web.errors import RuleViolation
from ..extensions import db
from .models import Comment

BODY_MAX = 2000
THREAD_LIMIT = 1000
THREADS_PER_PAGE = 50  # a long discussion is read a page of threads at a time (page weight, time)


def add_comment(community, subject, body: str, parent: Comment | None = None,
                actor_role: str = "resident", *, actor) -> Comment:
    body = (body or "").strip()
    if not body:
        raise RuleViolation(_l("The comment is empty."), field="body")
    if len(body) > BODY_MAX:
        raise RuleViolation(_l("The comment is too long."), field="body")
    subject_type = subject.__tablename__
    if parent is not None:
        if parent.subject_type != subject_type or parent.subject_id != subject.id \
                or parent.community_id != community.id:
            raise RuleViolation(_l("You can only reply to a comment on the same page."))
        if parent.parent_id is not None:
            parent = db.session.get(Comment, parent.parent_id)  # one level of replies: answer the thread
    comment = Comment(community_id=community.id, subject_type=subject_type, subject_id=subject.id,
                      parent_id=parent.id if parent else None, author_id=actor.id, body=body)
    db.session.add(comment)
    db.session.flush()
    audit.record(community, "comment.added", comment,
                 {"on": [subject_type, subject.id], "parent": comment.parent_id}, actor_role=actor_role, actor=actor)
    return comment


def get_comment(community, comment_id: int) -> Comment | None:
    return db.session.execute(
        select(Comment).where(Comment.id == comment_id, Comment.community_id == community.id)
    ).scalar_one_or_none()


@dataclass(frozen=True)
class ThreadPage:
    items: list  # [(top-level comment, [replies])]
    page: int
    pages: int
    total: int  # every comment on the subject, replies included


def _on(community, subject):
    return (Comment.community_id == community.id, Comment.subject_type == subject.__tablename__,
            Comment.subject_id == subject.id)


def _group(rows) -> list[tuple[Comment, list[Comment]]]:
    tops: dict[int, tuple[Comment, list[Comment]]] = {}
    order: list[int] = []
    for c in rows:
        if c.parent_id is None:
            tops[c.id] = (c, [])
            order.append(c.id)
    for c in rows:
        if c.parent_id is not None and c.parent_id in tops:
            tops[c.parent_id][1].append(c)
    return [tops[i] for i in order]


def thread(community, subject) -> list[tuple[Comment, list[Comment]]]:
    """Top-level comments in order, each with its replies: one query, authors joined."""
    rows = db.session.execute(
        select(Comment).options(joinedload(Comment.author)).where(*_on(community, subject))
        .order_by(Comment.id).limit(THREAD_LIMIT)
    ).scalars().all()
    return _group(rows)


# thread_page() runs on every page with comments: its three statements are built once, with
# bind parameters (building them took longer than SQLite took to answer them).
_ON = (Comment.community_id == bindparam("community_id"), Comment.subject_type == bindparam("subject_type"),
       Comment.subject_id == bindparam("subject_id"))


@functools.cache
def _sizes():
    return select(func.coalesce(func.sum(case((Comment.parent_id.is_(None), 1), else_=0)), 0), func.count()).where(*_ON)


@functools.cache
def _top_ids():
    return select(Comment.id).where(*_ON, Comment.parent_id.is_(None)).order_by(Comment.id) \
        .limit(bindparam("per_page")).offset(bindparam("skip")).scalar_subquery()


@functools.cache
def _page_rows():
    return select(Comment).options(joinedload(Comment.author)) \
        .where(*_ON, or_(Comment.id.in_(_top_ids()), Comment.parent_id.in_(_top_ids()))).order_by(Comment.id)


def thread_page(community, subject, page: int = 1, per_page: int = THREADS_PER_PAGE) -> ThreadPage:
    """One page of threads (top-level comments with all their replies) in three statements,
    whatever the length of the discussion. A page past the end shows the last one."""
    on = {"community_id": community.id, "subject_type": subject.__tablename__, "subject_id": subject.id}
    tops_n, total = db.session.execute(_sizes(), on).one()
    pages = max(1, -(-int(tops_n) // per_page))
    page = min(max(1, page), pages)
    rows = db.session.execute(_page_rows(), {**on, "per_page": per_page, "skip": (page - 1) * per_page}) \
        .scalars().all()
    return ThreadPage(_group(rows), page, pages, int(total))


def page_of(comment: Comment, per_page: int = THREADS_PER_PAGE) -> int:
    """The page of thread_page() that shows `comment` (a reply is on its thread's page)."""
    top = comment.parent_id or comment.id
    before = db.session.execute(
        select(func.count()).where(Comment.community_id == comment.community_id,
                                   Comment.subject_type == comment.subject_type,
                                   Comment.subject_id == comment.subject_id,
                                   Comment.parent_id.is_(None), Comment.id <= top)
    ).scalar_one()
    return max(1, -(-before // per_page))


def count_for(community, subject_type: str, subject_ids: list[int]) -> dict[int, int]:
    if not subject_ids:
        return {}
    rows = db.session.execute(_counts(), {"community_id": community.id, "subject_type": subject_type,
                                        "ids": list(subject_ids)}).all()
    return dict(rows)


@functools.cache
def _counts():
    return select(Comment.subject_id, func.count()).where(
        Comment.community_id == bindparam("community_id"), Comment.subject_type == bindparam("subject_type"),
        Comment.subject_id.in_(bindparam("ids", expanding=True)), Comment.hidden_at.is_(None)) \
        .group_by(Comment.subject_id)
