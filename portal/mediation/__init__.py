"""People's mediation (人民调解): private dispute cases, need-to-know access."""


def init_app(app) -> None:
    from .cli import mediation_group
    from .views import bp

    app.register_blueprint(bp)
    app.cli.add_command(mediation_group)
