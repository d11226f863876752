"""GET requests never commit, but for the exceptions named here, in one place.

A page that is only read changes nothing, so a GET or HEAD request that tries to commit is a bug:
the session refuses it (`ReadCommitted`), in production as in the tests. A few reads must leave
something behind, each for a reason of its own; they commit through `commit_read(reason)` with one
of these names and nothing else:
"""
from __future__ import annotations

from flask import g, has_request_context, request
from sqlalchemy import event

from ..extensions import db

EXCEPTIONS = {
    "trace": "A look at a mediation case (or its agreement, a file, the committee's export) is traced: who "
             "looked, at which case, never its contents. The people's mediation rules want every access on "
             "record. The trace is chained like any event but does not move the community's content version "
             "(audit.record(trace=True)), so no cached page is thrown away for it.",
    "due": "A poll past its closing time is closed by the first request that sees it, so that nobody is shown "
           "an open ballot after the time, whether or not the periodic job has run yet.",
    "locale": "A language chosen with ?lang= is kept in the signed-in person's profile, as it is kept in "
              "the visitor's cookie.",
    "seen": "Opening \"Recorded with me\" marks what the committee recorded with the resident as seen, so that "
            "the notice at sign-in stops repeating it.",
    "session": "A session last seen over an hour ago is marked seen again (the idle limit of sessions counts "
               "from there); fresher sessions are left alone, so an ordinary page view writes nothing.",
}
__doc__ += "\n".join(f"\n- {name}: {why}" for name, why in EXCEPTIONS.items())


class ReadCommitted(RuntimeError):
    """A GET request tried to commit outside the named exceptions."""


def commit_read(reason: str) -> None:
    """Commit what one of the named exceptions wrote during a GET."""
    if reason not in EXCEPTIONS:
        raise KeyError(f"{reason!r} is not one of the named exceptions of portal/web/reads.py")
    previous = g.get("read_commit")
    g.read_commit = reason
    try:
        db.session.commit()
    finally:
        g.read_commit = previous


def _guard(session) -> None:
    if not has_request_context() or request.method not in ("GET", "HEAD"):
        return
    if g.get("read_commit") or session.in_nested_transaction():
        return  # a named exception, or the release of a savepoint inside the request's transaction
    raise ReadCommitted(f"{request.method} {request.path} commits outside the named exceptions of "
                        "portal/web/reads.py")


_installed = False


def init_app(app) -> None:
    global _installed
    if not _installed:
        event.listen(db.session, "before_commit", _guard)
        _installed = True
