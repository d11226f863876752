"""Polls: secret or roll-call votes with a recountable published tally (DESIGN.md §4)."""


def init_app(app) -> None:
    from . import cli, readaloud  # noqa: F401
    from .views import bp

    app.register_blueprint(bp)
    cli.register(app)
