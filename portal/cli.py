"""The app's own commands: flask init-db / seed-demo / translate. Each capability brings its own
(its cli.py, registered by its init_app)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask_migrate import upgrade

ROOT = Path(__file__).resolve().parent.parent


def init_app(app: Flask) -> None:
    @app.cli.command("init-db")
    def init_db():
        """Create or upgrade the schema with the Alembic migrations."""
        upgrade(directory=str(ROOT / "migrations"))
        click.echo("database is at the latest migration")

    @app.cli.command("seed-demo")
    def seed_demo():
        """Fill an empty database with demo communities and people (demo passwords!)."""
        if not current_app.config.get("DEMO_ALLOWED", False):
            raise click.ClickException("seed-demo is refused in production")
        from .demo import seed

        created = seed()
        click.echo("demo data created" if created else "demo data already present")

    translate = click.Group("translate", help="Translation workflow (pybabel).")
    app.cli.add_command(translate)

    def _babel(*args):
        subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True, cwd=ROOT)

    @translate.command("update")
    def translate_update():
        """Extract strings and merge them into every catalog."""
        # 120 columns, like the committed catalogs (pybabel's 76 would rewrap every entry).
        _babel("extract", "-F", "babel.cfg", "-w", "120", "-k", "_l", "-k", "pgettext:1c,2", "--no-location",
               "--ignore-dirs", ".* instance artifacts", "--sort-output", "-o", "translations/messages.pot", ".")
        _babel("update", "-i", "translations/messages.pot", "-d", "translations", "--no-fuzzy-matching", "-w", "120")

    @translate.command("compile")
    def translate_compile():
        """Compile the catalogs (.po -> .mo)."""
        _babel("compile", "-d", "translations", "--statistics")
