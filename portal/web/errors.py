"""Typed rule violations raised by services, and the error pages."""
from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException


class PortalError(Exception):
    """A business-rule violation with a message for the user.

    `field` names the form field the message is about (the service's parameter, which the form
    calls the same): the action wrapper (portal/web/actions.py) shows it there and in the error
    summary. Without one the message stands in the summary alone."""

    status = 400

    def __init__(self, message=None, *, field: str | None = None):
        super().__init__(message or self.__class__.__name__)
        self.message = message or _l("This request could not be carried out.")
        self.field = field


class RuleViolation(PortalError):
    status = 409


class Forbidden(PortalError):
    status = 403


class NotFound(PortalError):
    status = 404


_TITLES = {
    400: _l("The request could not be understood"),
    403: _l("You may not do this"),
    404: _l("Page not found"),
    405: _l("This action is not available here"),
    409: _l("This cannot be done now"),
    413: _l("The upload is too large"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong on our side"),
    503: _l("Not available right now"),
}

_MESSAGES = {
    400: _l("Some of what was sent is not valid. Please go back and check the form."),
    403: _l("Your role in this community does not allow this action."),
    404: _l("There is nothing at this address. It may have been moved, or the link is wrong."),
    405: _l("This page cannot be used in this way."),
    409: _l("This cannot be done in the current state."),
    413: _l("What you sent is larger than allowed. Please send something smaller."),
    429: _l("Please wait a little and try again."),
    500: _l("The error has been noted. Nothing you sent was saved; please try again later."),
    503: _l("This part of the portal is not working at the moment. Please try again later."),
}


def render_error(status: int, message=None):
    from ..extensions import db

    if status >= 500:
        db.session.rollback()
    return render_template(
        "errors/error.html", status=status, title=_TITLES.get(status, _TITLES[400]),
        message=message or _MESSAGES.get(status, _MESSAGES[400]),
    ), status


def _is_unique_violation(exc: IntegrityError) -> bool:
    orig = exc.orig
    if getattr(orig, "sqlstate", None) == "23505":  # psycopg: unique_violation
        return True
    return "UNIQUE constraint failed" in str(orig)  # sqlite3


def register_error_handlers(app: Flask) -> None:
    from .security import refuse_nul_bytes

    # Input that no form or filter can accept is refused before any view runs.
    app.before_request(refuse_nul_bytes)

    @app.errorhandler(PortalError)
    def _portal_error(exc: PortalError):
        from ..extensions import db

        db.session.rollback()
        return render_error(exc.status, exc.message)

    @app.errorhandler(CSRFError)
    def _csrf_error(exc):
        return render_error(400, _l("The form has expired or was not sent from this site. "
                                    "Please go back, reload the page and try again."))

    @app.errorhandler(IntegrityError)
    def _integrity_error(exc: IntegrityError):
        """A unique constraint refused a row that a concurrent request (or a double tap
        on a slow phone) wrote first: the state changed under us, nothing was saved."""
        from ..extensions import db

        db.session.rollback()
        if _is_unique_violation(exc):
            app.logger.warning("Refused a duplicate on %s %s: %s", request.method, request.path, exc.orig)
            return render_error(409)
        app.logger.exception("Integrity error on %s %s", request.method, request.path)
        return render_error(500)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        code = exc.code or 500
        if 300 <= code < 400:
            return exc.get_response()
        message = None
        if code == 429:
            if getattr(exc, "response", None) is not None:  # a limit's own page (its on_breach)
                return exc.response
            message = getattr(exc, "portal_message", None)
        return render_error(code if code in _TITLES else 400, message)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        return render_error(500)
