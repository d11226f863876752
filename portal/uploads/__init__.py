"""The one upload handler of the portal: photos and voice recordings attached to
any community object (proposals now; village rules and mediation later).

A library, no routes: a capability's service calls save_image()/save_audio() in
its own transaction, list pages call attachments_for() once, and the serving
view calls open_attachment() and sends the file with content_disposition().
"""
from .services import (  # noqa: F401
    AUDIO_TYPES,
    IMAGE_TYPES,
    INLINE_TYPES,
    UploadRejected,
    UploadTooLarge,
    attachments_for,
    content_disposition,
    download_name,
    open_attachment,
    safe_filename_for_display,
    save_audio,
    save_image,
    upload_root,
)


def init_app(app) -> None:
    from . import views  # noqa: F401  (its routes)
    from .blueprint import bp
    from .pictures import photo_sources

    app.register_blueprint(bp)
    app.jinja_env.globals.update(photo_sources=photo_sources)
