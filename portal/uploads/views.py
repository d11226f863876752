"""Serving stored files: only to people who may see what the file belongs to."""
from __future__ import annotations

from typing import Callable

from flask import abort, g, send_file

from ..communities.scoping import community_blueprint
from .services import content_disposition, open_attachment

bp = community_blueprint("files", __name__, "/files")

# owner_type -> (ctx, community, owner_id) -> bool: may this person see the owner's files?
_VISIBLE: dict[str, Callable] = {}


def register_owner(owner_type: str, visible: Callable) -> None:
    _VISIBLE[owner_type] = visible


@bp.get("/<id:attachment_id>")
def get(attachment_id):
    attachment, path = open_attachment(g.community, attachment_id)
    check = _VISIBLE.get(attachment.owner_type)
    if check is None or not check(g.ctx, g.community, attachment.owner_id):
        abort(404)  # do not confirm that a file we may not show exists
    response = send_file(path, mimetype=attachment.content_type, conditional=True, max_age=3600,
                         etag=attachment.sha256)
    response.headers["Content-Disposition"] = content_disposition(attachment)
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
