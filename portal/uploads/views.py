"""Serving stored files: only to people who may see what the file belongs to."""
from __future__ import annotations

from typing import Callable

from flask import abort, g, send_file

from ..communities.scoping import community_blueprint
from .services import content_disposition, open_attachment

bp = community_blueprint("files", __name__, "/files")

# owner_type -> (ctx, community, owner_id) -> bool: may this person see the owner's files?
_VISIBLE: dict[str, Callable] = {}
# Owner types whose files are private (mediation cases): always a download, never cached,
# and `on_serve(ctx, community, attachment)` runs before the file is sent (e.g. to audit it).
_PRIVATE: dict[str, Callable | None] = {}


def register_owner(owner_type: str, visible: Callable, private: bool = False,
                   on_serve: Callable | None = None) -> None:
    _VISIBLE[owner_type] = visible
    if private:
        _PRIVATE[owner_type] = on_serve
    else:
        _PRIVATE.pop(owner_type, None)


@bp.get("/<id:attachment_id>")
def get(attachment_id):
    attachment, path = open_attachment(g.community, attachment_id)
    check = _VISIBLE.get(attachment.owner_type)
    if check is None or not check(g.ctx, g.community, attachment.owner_id):
        abort(404)  # do not confirm that a file we may not show exists
    private = attachment.owner_type in _PRIVATE
    if private and _PRIVATE[attachment.owner_type] is not None:
        _PRIVATE[attachment.owner_type](g.ctx, g.community, attachment)
    response = send_file(path, mimetype=attachment.content_type, conditional=not private, max_age=0 if private else 3600,
                         etag=not private and attachment.sha256)
    disposition = content_disposition(attachment)
    if private:
        disposition = "attachment;" + disposition.split(";", 1)[1]
        response.headers["Cache-Control"] = "no-store"
        response.headers.pop("Expires", None)
    else:
        response.headers["Cache-Control"] = "private, max-age=3600"
    response.headers["Content-Disposition"] = disposition
    return response
