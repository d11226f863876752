"""For me to do (待我处理): what waits for the signed-in person in a community, grouped, overdue
first: for the committee the requests to join, mediation requests, proposals near or past their
answer deadline, reports, amendments and polls to close; for a resident the votes waiting for them,
the answers to their proposals and their cases; for a mediator the cases assigned to them. Its
count is in the header of every page (docs/architecture.md, "For me to do"). It only reads."""


def init_app(app) -> None:
    from . import views  # noqa: F401  (its routes)
    from .badge import install
    from .blueprint import bp, overview

    app.register_blueprint(bp)
    app.register_blueprint(overview)
    install(app)
