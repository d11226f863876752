"""The blueprint serving stored files, and who may see the files of each kind of owner."""
from __future__ import annotations

from collections.abc import Callable

from ..communities.scoping import community_blueprint

bp = community_blueprint("files", __name__, "/files")

# owner_type -> (ctx, community, owner_id) -> bool: may this person see the owner's files?
VISIBLE: dict[str, Callable] = {}
# Owner types whose files are private (mediation cases): always a download, never cached,
# and `on_serve(ctx, community, attachment)` runs before the file is sent (e.g. to audit it).
PRIVATE: dict[str, Callable | None] = {}


def register_owner(owner_type: str, visible: Callable, private: bool = False,
                   on_serve: Callable | None = None) -> None:
    VISIBLE[owner_type] = visible
    if private:
        PRIVATE[owner_type] = on_serve
    else:
        PRIVATE.pop(owner_type, None)
