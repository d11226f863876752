"""Communities, memberships, roles."""


def init_app(app) -> None:
    from .. import cache
    from . import caching, cli, views  # noqa: F401  (its routes)
    from .blueprint import bp

    cache.init_app(app, caching.sources())
    app.register_blueprint(bp)
    cli.init_app(app)
