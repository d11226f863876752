"""Platform administration: communities and their first committee members."""


def init_app(app) -> None:
    from . import views  # noqa: F401  (its routes)
    from .blueprint import bp

    app.register_blueprint(bp)
