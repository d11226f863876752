"""Where signing in lands (docs/architecture.md, "For me to do"): a safe `next` first; a member of
one community on their queue when something waits for them there, else on the community's page; a
member of several on the list of their communities with what waits in each; anyone else on the
front page."""
from __future__ import annotations

from flask import url_for

from . import queries


def landing_url(user) -> str:
    mine = queries.my_communities(user)
    if len(mine) == 1:
        community, waiting = mine[0]
        return url_for("queue.index", slug=community.slug) if waiting else \
            url_for("communities.home", slug=community.slug)
    if mine:
        return url_for("queue_overview.everywhere")
    return url_for("main.home")
