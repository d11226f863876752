"""Serving stored files: only to people who may see what the file belongs to."""
from __future__ import annotations

from flask import abort, g, send_file

from .blueprint import PRIVATE, VISIBLE, bp, register_owner  # noqa: F401  (register_owner: used from here)
from .services import content_disposition, open_attachment
from .thumbnails import thumb_type, thumbnail_path


def _visible(attachment) -> None:
    check = VISIBLE.get(attachment.owner_type)
    if check is None or not check(g.ctx, g.community, attachment.owner_id):
        abort(404)  # do not confirm that a file we may not show exists


@bp.get("/<id:attachment_id>")
def get(attachment_id):
    attachment, path = open_attachment(g.community, attachment_id)
    _visible(attachment)
    private = attachment.owner_type in PRIVATE
    if private and PRIVATE[attachment.owner_type] is not None:
        PRIVATE[attachment.owner_type](g.ctx, g.community, attachment)
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


@bp.get("/<id:attachment_id>/w/<int:width>")
def thumbnail(attachment_id, width):
    """A photo's small copy (portal/uploads/thumbnails.py), made now if it was uploaded before
    thumbnails existed. Private files (mediation) have none: they are only ever downloaded."""
    attachment, _path = open_attachment(g.community, attachment_id)
    _visible(attachment)
    if attachment.owner_type in PRIVATE:
        abort(404)
    path = thumbnail_path(attachment, width)
    if path is None:
        abort(404)
    response = send_file(path, mimetype=thumb_type(attachment.content_type)[2], conditional=True, max_age=3600,
                         etag=f"{attachment.sha256}-w{width}")
    response.headers["Cache-Control"] = "private, max-age=3600"
    response.headers["Content-Disposition"] = "inline"
    return response
