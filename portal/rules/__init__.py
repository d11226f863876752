"""Village rules (村规民约): clause-by-clause deliberation, amendments, versions, adoption."""


def init_app(app) -> None:
    from .views import bp

    app.register_blueprint(bp)
