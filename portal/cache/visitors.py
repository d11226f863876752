"""A whole-page cache for visitors (not signed in) of public community pages.

Why it is correct: every change to a community's data is written to its audit chain in the
same transaction, and every audited change of what people see moves `community.content_seq`
(loaded fresh on every request by the community blueprint); the traces that reads leave (a look at
a mediation case) do not move it, since nobody else sees them. The key holds the version, with
everything else a page depends on: the full path and query, the Cookie header (language and
display modes of visitors) and Accept-Language. What no event marks — the passing of time (days
left, days overdue) and changes outside the chain (an account renaming itself) — is bounded by a
short lifetime.

Never cached here: signed-in people (a page marked with `readers=` goes to their own cache
instead, portal/cache/readers.py, through the same wrapper), a request whose session holds
something (a flash message), a response that is not 200, one that touched the session (a form
with a CSRF token would set a cookie), or one whose view called `dont_store()`. The cache is per
process (one per gunicorn worker), bounded in entries.

Two ways in. `serve_hit` runs before anything else of the request (the app calls it first in
`preprocess_request`): a GET without a session cookie to a cached endpoint reads only the
community's (id, content_seq) with one Core statement and answers from the cache — no session,
no user, no ORM community, no rate-limit or CSRF hooks. Without a session cookie nobody is
signed in and no flash message is waiting, so the page can only be a visitor's. Everything
else (a session cookie, ?lang=, a miss) goes the ordinary way through the `cached` wrapper
(portal/cache/wrapper.py).
Either way the after_request hooks run on the answer, so the security headers are the same.
"""
from __future__ import annotations

from flask import current_app, g, request

from ..extensions import db
from .sources import sources_of
from .store import cache_of

VISITOR_MARK = "visitor_cacheable"
READER_MARK = "reader_spec"


def page_key(community_id: int, version: int) -> tuple:
    return (community_id, version, request.full_path, request.headers.get("Cookie", ""),
            request.headers.get("Accept-Language", ""))


def answer(found, vary_cookie: bool = False):
    _, body, status, headers = found
    response = current_app.response_class(body, status=status, headers=headers)
    if vary_cookie:
        # What the ordinary way adds when it looks at the session (current_user): the page
        # depends on the Cookie header, so a shared HTTP cache must not hand it to someone else.
        response.vary.add("Cookie")
    return response


def cached_view(app, cache, mark: str):
    """The view of this GET when `cache` is on and the view carries `mark` (set by `cached`),
    else None: what both fast paths ask before anything else."""
    if cache is None or request.method != "GET" or request.url_rule is None:
        return None
    view = app.view_functions.get(request.url_rule.endpoint)
    return view if getattr(view, mark, None) else None


def serve_hit(app):
    """A visitor's cached page, or None: see the module's docstring. Called before any
    url_value_preprocessor or before_request hook, so it decides from the raw request only."""
    cache = cache_of(app)
    if cached_view(app, cache, VISITOR_MARK) is None:
        return None
    cookies = request.cookies
    if app.config["SESSION_COOKIE_NAME"] in cookies or app.config.get("REMEMBER_COOKIE_NAME", "remember_token") \
            in cookies or "lang" in request.args:
        return None  # someone with a session (signed in, a flash, a form) / a language to remember
    slug = (request.view_args or {}).get("slug")
    if not slug:
        return None
    with db.engine.connect() as conn:  # not the ORM session: nothing to set up or tear down
        head = conn.execute(sources_of(app).head, {"slug": slug}).first()
    if head is None:
        return None  # the ordinary way answers 404
    found = cache.get(page_key(head[0], head[1]))
    return None if found is None else answer(found, vary_cookie=True)


def dont_store() -> None:
    """A cached view's way to say that this answer must not be kept (an open poll's page, which
    must be closed on access when its time has come, not shown from a copy)."""
    g.cache_dont_store = True
