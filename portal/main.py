"""The front page and health check."""
from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import select, text

from .communities.models import Community
from .extensions import db

bp = Blueprint("main", __name__)


@bp.get("/")
def home():
    communities = db.session.execute(select(Community).order_by(Community.name).limit(200)).scalars().all()
    return render_template("home.html", communities=communities)


@bp.get("/healthz")
def healthz():
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
