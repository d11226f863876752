"""Residents who cannot use a phone well: the committee imports the community roster
(households included) and prints single-use login cards."""


def init_app(app) -> None:
    from . import views  # noqa: F401  (its routes)
    from .blueprint import bp, cards

    app.register_blueprint(bp)
    app.register_blueprint(cards)
