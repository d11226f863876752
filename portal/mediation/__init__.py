"""People's mediation (人民调解): private dispute cases, need-to-know access."""


def init_app(app) -> None:
    from . import actions, registrations, views  # noqa: F401  (their routes)
    from .blueprint import bp
    from .cli import mediation_group

    app.register_blueprint(bp)
    app.cli.add_command(mediation_group)
    registrations.register()
