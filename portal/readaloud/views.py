"""GET /c/<slug>/speak/<kind>/<id>/<part>.ogg: the spoken text of one block."""
from __future__ import annotations

import subprocess

from flask import abort, current_app, g, send_file

from ..communities.scoping import community_blueprint
from ..extensions import limiter
from . import registry, speech

bp = community_blueprint("readaloud", __name__, "/speak")
PART_MAX = 20


def cache_dir() -> str:
    return current_app.config.get("SPEECH_CACHE") or f"{current_app.instance_path}/speech"


@bp.get("/<string:kind>/<id:obj_id>/<string:part>.ogg")
@limiter.limit("30 per minute")
def audio(kind, obj_id, part):
    readable = registry.get(kind)
    if readable is None or len(part) > PART_MAX or not current_app.config.get("READ_ALOUD"):
        abort(404)
    obj = readable.load(g.community, obj_id)
    if obj is None or not readable.can_read(g.ctx, obj):
        abort(404)  # what one may not read does not exist
    text = readable.text(obj, part)
    if not text or not text.strip():
        abort(404)
    try:
        path = speech.speak(text, cache_dir())
    except (speech.SpeechUnavailable, OSError, subprocess.SubprocessError) as exc:  # not a crash page
        current_app.logger.warning("read-aloud failed for %s %s: %s", kind, obj_id, type(exc).__name__)
        abort(503)
    response = send_file(path, mimetype="audio/ogg", conditional=True, max_age=3600)
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
