"""Village rules (村规民约): clause-by-clause deliberation, amendments, versions, adoption."""


def init_app(app) -> None:
    from . import assisted_views, committee_views, registrations, views  # noqa: F401  (their routes)
    from .blueprint import bp

    app.register_blueprint(bp)
    registrations.register()
