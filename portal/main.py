"""The front page and health check."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import select, text

from .communities.models import Community, Membership
from .communities.scoping import Ctx
from .web.display import current_modes
from .extensions import db

bp = Blueprint("main", __name__)


@bp.get("/")
def home():
    communities = db.session.execute(select(Community).order_by(Community.name).limit(200)).scalars().all()
    return render_template("home.html", communities=communities, home=_home_community())


def _home_community() -> Ctx | None:
    """In easy mode a signed-in resident's front page shows the task tiles of their own
    community (the first where they are verified)."""
    if not (current_modes().get("easy") and current_user.is_authenticated):
        return None
    found = db.session.execute(
        select(Community, Membership).join(Membership, Membership.community_id == Community.id)
        .where(Membership.user_id == current_user.id, Membership.status == "verified")
        .order_by(Membership.id).limit(1)).first()
    return Ctx(user=current_user._get_current_object(), community=found[0], membership=found[1]) if found else None


@bp.get("/healthz")
def healthz():
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}


def init_app(app) -> None:
    app.register_blueprint(bp)
