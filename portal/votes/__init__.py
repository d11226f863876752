"""Polls: secret or roll-call votes with a recountable published tally (docs/architecture.md, "Votes")."""


def init_app(app) -> None:
    from . import cli, committee_views, registrations, views  # noqa: F401  (their routes)
    from .blueprint import bp

    app.register_blueprint(bp)
    cli.register(app)
    registrations.register()
