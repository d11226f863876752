"""One moderation mechanism for every kind of user content: flag, hide, restore.

Content models mix in Hideable and register with `register()`; hidden content is
kept, not deleted, and shown as "hidden by the committee: reason".
"""


def init_app(app) -> None:
    from . import views  # noqa: F401  (its routes)
    from .blueprint import bp
    from .views import flag_url

    app.register_blueprint(bp)
    app.jinja_env.globals.update(flag_url=flag_url)
