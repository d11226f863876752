"""require(): the one place where a permission predicate turns into a response."""
from __future__ import annotations

from flask import abort, redirect, request, url_for
from flask_login import current_user
from werkzeug.exceptions import HTTPException


class _LoginRedirect(HTTPException):
    code = 303

    def __init__(self, target):
        super().__init__()
        self.target = target

    def get_response(self, environ=None, scope=None):
        return redirect(self.target, code=303)


def require(allowed: bool) -> None:
    """Visitors are sent to sign in; signed-in users without the right get 403."""
    if allowed:
        return
    if not current_user.is_authenticated:
        target = request.full_path if request.method == "GET" else request.path
        raise _LoginRedirect(url_for("auth.login", next=target.rstrip("?")))
    abort(403)
