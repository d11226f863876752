"""The front page and health check."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from .communities import queries
from .communities.scoping import Ctx
from .web.display import current_modes

bp = Blueprint("main", __name__)
COMMUNITIES_SHOWN = 200


@bp.get("/")
def home():
    return render_template("home.html", communities=queries.all_communities(COMMUNITIES_SHOWN),
                           home=_home_community())


def _home_community() -> Ctx | None:
    """In easy mode a signed-in resident's front page shows the task tiles of their own
    community (the first where they are verified)."""
    if not (current_modes().get("easy") and current_user.is_authenticated):
        return None
    found = queries.first_verified(current_user)
    return Ctx(user=current_user._get_current_object(), community=found[0], membership=found[1]) if found else None


@bp.get("/healthz")
def healthz():
    queries.database_answers()
    return {"status": "ok"}


def init_app(app) -> None:
    app.register_blueprint(bp)
