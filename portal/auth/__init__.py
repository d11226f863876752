"""Accounts, login, password, profile."""


def init_app(app) -> None:
    from . import cli, throttle, views  # noqa: F401  (its routes)
    from .blueprint import bp

    app.register_blueprint(bp)
    throttle.init_app(app)
    cli.init_app(app)
