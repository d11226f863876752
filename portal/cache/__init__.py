"""Page caches: whole pages for visitors (visitors.py), pages shared between signed-in readers of
one kind (readers.py, with the stand-ins of standin.py), and values shared between readers
(store.shared_value). This package imports no capability: the communities package hands it what
it needs to know at start-up (sources.py). Why the caches are correct is in docs/architecture.md,
"Caches"."""
from __future__ import annotations

from flask import before_render_template

from .readers import Facts, ReaderSpec, Spliced, add_spliced, own_part, spliced, viewer_name  # noqa: F401
from .sources import Keyed, Sources  # noqa: F401
from .standin import UnkeyedRead  # noqa: F401
from .store import PageCache, cache_of, shared_value  # noqa: F401
from .visitors import dont_store  # noqa: F401
from .wrapper import cached  # noqa: F401


def init_app(app, sources: Sources) -> None:
    from . import sources as _sources
    from .standin import before_render

    _sources.init_app(app, sources)
    before_render_template.connect(before_render, app)
    app.jinja_env.globals.update(viewer_name=viewer_name, own_part=own_part, spliced=spliced)


def serve_hit(app):
    """Before the request's hooks: a visitor's cached page, or a signed-in reader's shared one."""
    from .readers import serve_hit as reader_hit
    from .visitors import serve_hit as visitor_hit

    hit = visitor_hit(app)
    return hit if hit is not None else reader_hit(app)
