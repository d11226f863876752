"""The accounts blueprint and what every view that signs someone in uses: the session loader
and `begin_session` (login, registration, login cards)."""
from __future__ import annotations

from flask import (
    Blueprint,
    after_this_request,
    current_app,
    flash,
    redirect,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import login_user

from ..extensions import login_manager
from . import devices, services

bp = Blueprint("auth", __name__)


@login_manager.unauthorized_handler
def _unauthorized():
    flash(_("Please sign in to continue."), "info")
    target = request.full_path.rstrip("?") if request.method == "GET" else request.path
    return redirect(url_for("auth.login", next=target), code=303)


@login_manager.user_loader
def _load_user(token: str):
    # A GET marks an old session seen through commit_read("session") (portal/web/reads.py).
    return services.load_session_user(token, current_app.config["SESSION_IDLE_DAYS"])


def begin_session(user) -> None:
    """Sign `user` in on a fresh session: a new session id at every login (no fixation). Called
    inside an action's run(): the wrapper commits the new session row with the rest. The browser
    becomes a known device for the account (portal/auth/devices.py)."""
    session.clear()
    services.start_session(user)
    login_user(user)
    value = devices.remembered(request.cookies.get(devices.COOKIE), user.username)
    after_this_request(lambda response: devices.set_cookie(response, value))
