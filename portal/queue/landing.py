"""Where signing in lands (docs/architecture.md, "For me to do"): a safe `next` first; a member of
one community on their queue when something waits for them there, else on the community's page; a
member of several on the list of their communities with what waits in each; anyone else on the
front page. Someone who is only staff of units above the communities lands on the first one's page
(docs/architecture.md, "Levels")."""
from __future__ import annotations

from flask import url_for

from . import queries


def landing_url(user) -> str:
    everything = queries.my_communities(user)
    mine = [(c, n) for c, n in everything if c.is_community]
    if not mine and everything:
        return url_for("units.home", slug=everything[0][0].slug)
    if len(mine) == 1:
        community, waiting = mine[0]
        return url_for("queue.index", slug=community.slug) if waiting else \
            url_for("communities.home", slug=community.slug)
    if mine:
        return url_for("queue_overview.everywhere")
    return url_for("main.home")
