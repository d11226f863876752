"""Assisted participation (线下人工): a committee member acts with a resident who is present
and agrees; the action is the resident's, marked "recorded by X with Y" for everyone, and
the resident can dispute it within a week."""


def init_app(app) -> None:
    from . import views  # noqa: F401  (its routes)
    from .blueprint import bp

    app.register_blueprint(bp)
