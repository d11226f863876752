"""Communities, memberships, roles."""


def init_app(app) -> None:
    from .. import cache
    from . import caching, cli
    from .views import bp

    cache.init_app(app, caching.sources())
    app.register_blueprint(bp)
    cli.init_app(app)
