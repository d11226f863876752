"""What the page caches need to know of the portal, handed to them by the communities package at
start-up (portal/communities/caching.py), so that this package imports no capability.

- `head`: one Core statement, slug -> (community id, content version): all a visitor's hit reads.
- `reader_statement(columns)`: the one statement of a signed-in reader's hit: the community's id,
  version and default language, the session's last_seen_at, the user's id, name, settings and
  admin flag, the membership's status and roles, and the view's own `columns`.
- `reader_key(row)`: what of that row goes into a shared page's key (language, display modes,
  admin, status, roles).
- `keyed`: the attributes of the user, the membership and the acting context that the key holds;
  the only ones a template may read while a shared page is rendered (portal/cache/standin.py).
- `remember_locale()`: called when a cached copy answers a ?lang= request (the choice is kept).
- `current(g)`: the (id, version) of the request's community, loaded by the ordinary way.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

KEY = "yishi_cache_sources"


@dataclass(frozen=True)
class Keyed:
    user: frozenset[str]
    membership: frozenset[str]
    ctx: frozenset[str]


@dataclass(frozen=True)
class Sources:
    head: Any
    reader_statement: Callable[[Callable], Any]
    reader_key: Callable[[Any], tuple]
    keyed: Keyed
    remember_locale: Callable[[], None]
    current: Callable[[Any], tuple[int, int] | None]


def init_app(app, sources: Sources) -> None:
    app.extensions[KEY] = sources


def sources_of(app) -> Sources:
    return app.extensions[KEY]
