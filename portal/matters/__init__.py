"""Matters (事件/诉求): one loop for every reported matter, from intake to the reporter's rating
(docs/architecture.md, "Matters")."""


def init_app(app) -> None:
    from . import registrations, views  # noqa: F401  (the community's matter pages)
    from .blueprint import bp

    app.register_blueprint(bp)
    registrations.register()
