"""The votes blueprint, its loaders and the template helpers, shared by the view modules of votes
(views.py, committee_views.py)."""
from __future__ import annotations

from flask import abort, g, url_for

from ..communities.scoping import community_blueprint, get_or_404
from ..web.reads import commit_read
from . import links, queries, results
from . import permissions as perm
from .closing import close_if_due
from .models import Poll

bp = community_blueprint("votes", __name__, "/votes")


def load(poll_id: int) -> Poll:
    """The poll of this community that the person may see (404 otherwise), closed first if its
    time has come (a GET may commit that: portal/web/reads.py, "due")."""
    poll = get_or_404(Poll, g.community, poll_id)
    if not perm.can_view(g.ctx, poll):
        abort(404)
    if close_if_due(g.community, poll):
        commit_read("due")
    return poll


def detail_url(poll, anchor: str = "") -> str:
    return url_for("votes.detail", poll_id=poll.id) + anchor


def paper_url(poll) -> str:
    return url_for("votes.paper", poll_id=poll.id)


def fmt_tracker(t: str) -> str:
    return "-".join(t[i:i + 4] for i in range(0, len(t), 4))


@bp.app_template_global()
def vote_label(option) -> str:
    return results.option_label(option)


@bp.app_template_global()
def linked_polls(kind: str, obj_id: int):
    """Polls (not drafts) that decide an object of another capability, for its page."""
    return queries.polls_linked_to(g.community, kind, obj_id)


@bp.app_template_filter("tracker")
def tracker_filter(t: str) -> str:
    return fmt_tracker(t)


def linked(poll):
    """The item of another capability this poll decides, as {title, url}, or None."""
    if not poll.link_kind:
        return None
    try:
        kind = links.get(poll.link_kind)
    except KeyError:
        return None
    obj = kind.load(g.community, poll.link_id)
    return None if obj is None else {"title": kind.title(obj), "url": kind.url(obj)}
