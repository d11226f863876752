"""Accounts, login, password, profile."""


def init_app(app) -> None:
    from . import cli
    from .views import bp

    app.register_blueprint(bp)
    cli.init_app(app)
