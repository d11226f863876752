"""Per-community tamper-evident audit trail (docs/architecture.md, "The audit chain")."""
from .chain import record, verify_community  # noqa: F401


def init_app(app) -> None:
    from . import cli, views  # noqa: F401  (views: its routes)
    from .blueprint import bp
    from .labels import action_label, role_label

    app.register_blueprint(bp)
    app.jinja_env.globals.update(action_label=action_label, role_label=role_label)
    cli.init_app(app)
