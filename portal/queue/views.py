"""GET /c/<slug>/queue/: what waits for the signed-in person in this community; GET /queue: their
communities with what waits in each."""
from __future__ import annotations

from flask import g, render_template
from flask_login import current_user, login_required

from ..mediation.labels import CATEGORY_LABELS
from . import queries
from .blueprint import bp, overview
from .labels import GROUPS, case_status, poll_status, proposal_status, report_kind


@bp.get("/")
@login_required
def index():
    return render_template("queue/index.html", groups=queries.page(g.ctx), group_names=GROUPS,
                           case_status=case_status, poll_status=poll_status, proposal_status=proposal_status,
                           case_categories=CATEGORY_LABELS, report_kind=report_kind)


@overview.get("/queue")
@login_required
def everywhere():
    return render_template("queue/overview.html", mine=queries.my_communities(current_user))
