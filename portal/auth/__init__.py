"""Accounts, login, password, profile."""


def init_app(app) -> None:
    from . import cli, views  # noqa: F401  (its routes)
    from .blueprint import bp

    app.register_blueprint(bp)
    cli.init_app(app)
