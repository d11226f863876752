"""Levels (分级): districts, streets and departments above the communities, grids inside them
(docs/architecture.md, "Levels")."""


def init_app(app) -> None:
    from . import grid_views, views  # noqa: F401  (their routes)
    from .blueprint import bp, grids_bp

    app.register_blueprint(bp)
    app.register_blueprint(grids_bp)
