"""require(): the one place where a permission predicate turns into a response."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, current_app, g, redirect, request, url_for
from flask_login import current_user
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from . import once


class _LoginRedirect(HTTPException):
    code = 303

    def __init__(self, target):
        super().__init__()
        self.target = target

    def get_response(self, environ=None, scope=None):
        return redirect(self.target, code=303)


def _can_get(path: str) -> bool:
    try:
        current_app.url_map.bind("localhost").match(path, method="GET")
    except (MethodNotAllowed, NotFound):
        return False
    except HTTPException:  # e.g. a redirect for a missing slash: the page exists
        return True
    return True


def return_target() -> str:
    """Where to go back after signing in: a page that can be opened (GET).

    A refused GET returns to itself. A refused POST cannot be replayed, and its own
    address would be a 405 after signing in, so it returns to the page the form was
    on (same-site Referer), else to the community's page, else to the start page.
    """
    if request.method in ("GET", "HEAD"):
        return request.full_path.rstrip("?")
    if _can_get(request.path):
        return request.path
    ref = urlsplit(request.referrer or "")
    if ref.netloc == request.host and ref.path.startswith("/") and _can_get(ref.path):
        from .security import safe_next

        target = safe_next(ref.path + ("?" + ref.query if ref.query else ""), "")
        if target:
            return target
    community = g.get("community")
    if community is not None and getattr(community, "level", "community") == "community":  # a unit above has no /c/ page
        return url_for("communities.home", slug=community.slug)
    return url_for("main.home")


def require(allowed: bool) -> None:
    """Visitors are sent to sign in; signed-in users without the right get 403."""
    if allowed:
        return
    if not current_user.is_authenticated:
        raise _LoginRedirect(url_for("auth.login", next=return_target()))
    abort(403)


def found(obj):
    """`obj`, or the 404 page when a loader found nothing (an object of another community included)."""
    if obj is None:
        abort(404)
    return obj


def require_or_sent(allowed: bool) -> None:
    """require(allowed) for a creating form whose right depends on the state the form itself
    changes (an outcome moves a case on, a rating or a ballot is given once). The same rendered
    form sent a second time finds the right gone because the first send used it: it passes here,
    and the action wrapper lands it on what the first send made (portal/web/once.py). Any other
    send without the right is refused as before."""
    if not allowed and not once.sent_before():
        require(False)
