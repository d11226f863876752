"""Proposals (提案): raise a matter, back it (附议), get a public answer on time (答复, 督查)."""


def init_app(app) -> None:
    from . import assisted_views, registrations, settings_views, views  # noqa: F401  (their routes)
    from .blueprint import bp
    from .labels import state_label, state_tone

    app.register_blueprint(bp)
    app.jinja_env.globals.update(state_label=state_label, state_tone=state_tone)
    registrations.register()
