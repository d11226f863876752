"""My things: one page with what a resident has going on in a community (their proposals, the
votes waiting for them, their mediation cases, what was recorded with them). The easy mode's
fifth tile; it only reads, through each capability's own queries."""


def init_app(app) -> None:
    from . import views  # noqa: F401  (its routes)
    from .blueprint import bp

    app.register_blueprint(bp)
