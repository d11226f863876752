"""The demo data (portal/demo.py) as tests use it: seeded once into the test's database, and a
client signed in as one of its people, asking for one language."""
from __future__ import annotations

from sqlalchemy import select

from portal import demo
from portal.communities.models import Community
from portal.extensions import db

from .helpers import Client


def seeded():
    """Seed the demo (the test's database must be empty of it) and return 东山村."""
    assert demo.seed()
    return db.session.execute(select(Community).where(Community.slug == "dongshan")).scalar_one()


def demo_client(app, username: str | None, lang: str = "zh_Hans") -> Client:
    c = Client(app)
    c.http.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en" if lang == "en" else "zh-CN"
    if username:
        c.login(username, demo.DEMO_PASSWORD)
    return c
