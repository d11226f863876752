"""Levels (分级): districts, streets and departments above the communities, grids inside them
(docs/architecture.md, "Levels")."""


def init_app(app) -> None:
    pass
