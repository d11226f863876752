"""What one row of the proposal list shows, prepared once per page in Python.

The template used to build each of the twenty rows with an include, a url_for, two ngettext
calls and a date filter, each of which looks up the request's locale, translations and URL
adapter again; that was most of the list page's rendering time. Here those are looked up once
and every row is a handful of plain strings (the template still escapes them).

The rows do not depend on who reads them, only on the question (filters, sort, search, cursor),
the language and whether hidden proposals are shown (the committee). So `page_rows` keeps them,
like the visitors' page cache keeps whole pages (portal/cache/visitors.py), under the community's
content_seq, which every audited change moves, for PAGE_CACHE_SECONDS at most: signed-in people
asking the same question share one query, one comment count and one formatting."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, url_for
from flask_babel import get_translations

from ..comments import services as comments
from ..web.dates import date_formatter, isotime
from ..cache import shared_value
from . import queries
from .labels import STATE_LABELS, state_tone


@dataclass(frozen=True, slots=True)
class Row:
    url: str
    title: str
    state: str
    state_label: str
    tone: str
    category: str
    author: str
    published_iso: str
    published: str
    supports: str
    comments: str
    hidden: bool


def detail_urls():
    """id -> the proposal's URL, as url_for('proposals.detail') writes it, with one url_for."""
    sample = url_for("proposals.detail", proposal_id=1)
    head = sample[:-1]
    if not sample.endswith("/1") or "?" in sample:  # pragma: no cover - a changed route
        return lambda pid: url_for("proposals.detail", proposal_id=pid)
    return lambda pid: f"{head}{int(pid)}"


def rows(items, comment_counts: dict[int, int], locale: str) -> list[Row]:
    t = get_translations()
    url = detail_urls()
    day = date_formatter("short")
    states = {s: str(label) for s, label in STATE_LABELS.items()}

    def ngettext(singular: str, plural: str, n: int) -> str:  # the name pybabel extracts
        return t.ungettext(singular, plural, n) % {"num": n}

    out = []
    for p in items:
        n_comments = comment_counts.get(p.id, 0)
        out.append(Row(
            url=url(p.id), title=p.title, state=p.state, state_label=states.get(p.state, p.state),
            tone=state_tone(p.state),
            category=p.category.label(locale), author=p.author.display_name,
            published_iso=isotime(p.published_at), published=day(p.published_at),
            supports=ngettext("%(num)d support", "%(num)d supports", p.support_count),
            comments=ngettext("%(num)d comment", "%(num)d comments", n_comments),
            hidden=p.is_hidden))
    return out


def page_rows(community, lq: queries.ListQuery, include_hidden: bool, locale: str) -> tuple[list[Row], str | None]:
    """The rows of one list page and the cursor of the next, from the shared cache when the same
    question was asked in the same language since the community last changed."""
    key = (community.id, community.content_seq, locale, bool(include_hidden), lq.state, lq.category_id, lq.sort,
           lq.q, lq.after)

    def compute():
        page = queries.list_proposals(community, lq, include_hidden=include_hidden)
        counts = comments.count_for(community, "proposal", [p.id for p in page.items])
        return rows(page.items, counts, locale), page.next_cursor

    return shared_value(current_app, "yishi_proposal_rows", key, compute)
