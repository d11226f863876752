"""Matters (事件/诉求): one loop for every reported matter, from intake to the reporter's rating
(docs/architecture.md, "Matters")."""


def init_app(app) -> None:
    from . import registrations, views  # noqa: F401  (the community's matter pages)
    from .blueprint import bp

    app.register_blueprint(bp)
    registrations.register()

    # The units above the community: their queue, matter page, ledgers and figures (matters-u).
    from . import unit_views  # noqa: F401  (its routes)
    from .cli import matters_group
    from .unit_blueprint import unit_bp

    app.register_blueprint(unit_bp)
    app.cli.add_command(matters_group)
