"""GET /c/<slug>/mine: the signed-in resident's own things in this community."""
from __future__ import annotations

from flask import g, render_template
from flask_login import current_user, login_required

from ..mediation import queries as mediation_queries
from ..mediation.labels import CATEGORY_LABELS
from ..queue.labels import case_status, poll_status, proposal_status
from ..votes import queries as vote_queries
from . import queries
from .blueprint import bp


@bp.get("/")
@login_required
def index():
    c, user = g.community, current_user
    return render_template("mine/index.html", proposals=queries.my_proposals(c, user),
                           waiting=queries.votes_waiting(c, user), voted=bool(vote_queries.history(c, user, limit=1)),
                           cases=mediation_queries.my_cases(c, user, limit=10), case_categories=CATEGORY_LABELS,
                           case_status=case_status, poll_status=poll_status, proposal_status=proposal_status,
                           recorded=queries.recorded_count(c, user))
