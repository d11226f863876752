"""flask create-admin."""
from __future__ import annotations

import click
from flask import Flask

from ..extensions import db


def init_app(app: Flask) -> None:
    @app.cli.command("create-admin")
    @click.argument("username")
    @click.option("--name", "display_name", default=None, help="display name")
    @click.password_option(prompt=True)
    def create_admin(username, display_name, password):
        """Create a platform admin (or make an existing user one)."""
        from . import services

        user = services.find_user(username)
        if user is None:
            user = services.register_user(username, display_name or username, password)
        user.is_platform_admin = True
        db.session.commit()
        click.echo(f"{user.username} is a platform admin")
