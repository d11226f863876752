"""`cached(readers=None)`: the one way a view is marked cacheable (nothing sets a flag by hand)."""
from __future__ import annotations

import functools

from flask import current_app, g, request, session
from flask_login import current_user

from .readers import render_shared
from .sources import sources_of
from .store import cache_of
from .visitors import READER_MARK, VISITOR_MARK, answer, page_key


def cached(readers=None):
    """Mark a community page as cacheable. Visitors get it from the page cache when nothing it
    shows has changed; with `readers` (a `portal.cache.readers.ReaderSpec`), signed-in readers
    who would see the same page share one copy too (portal/cache/readers.py)."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            cache = cache_of(current_app)
            if cache is None or request.method != "GET" or "_flashes" in session:
                return view(*args, **kwargs)
            if current_user.is_authenticated:
                if readers is not None and g.get("reader_page") is not None:
                    return render_shared(view, args, kwargs)
                return view(*args, **kwargs)
            community_id, version = sources_of(current_app).current(g)
            key = page_key(community_id, version)
            found = cache.get(key)
            if found is not None:
                if "lang" in request.args:
                    sources_of(current_app).remember_locale()  # a ?lang= choice is remembered on a copy too
                return answer(found)
            response = current_app.make_response(view(*args, **kwargs))
            if response.status_code == 200 and not session.modified and not response.is_streamed \
                    and "Set-Cookie" not in response.headers and not g.get("cache_dont_store"):
                cache.put(key, response.get_data(), response.status_code, list(response.headers.items()))
            return response

        setattr(wrapper, VISITOR_MARK, True)
        if readers is not None:
            setattr(wrapper, READER_MARK, readers)
        return wrapper

    return decorate
