"""Read-aloud without JavaScript: an <audio> element whose source the server speaks with
espeak-ng and compresses with opusenc, cached on disk by content hash."""


def init_app(app) -> None:
    from .views import bp

    app.register_blueprint(bp)
