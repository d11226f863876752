"""Polls: secret or roll-call votes with a recountable published tally (docs/architecture.md, "Votes")."""


def init_app(app) -> None:
    from . import cli, committee_views, registrations, sealing, views  # noqa: F401  (their routes)
    from .blueprint import bp
    from .closing import watch_closes

    sealing.load_server_key(app)
    watch_closes()

    app.register_blueprint(bp)
    cli.register(app)
    registrations.register()
