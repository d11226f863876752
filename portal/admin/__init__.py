"""Platform administration: communities and their first committee members."""


def init_app(app) -> None:
    from .views import bp

    app.register_blueprint(bp)
