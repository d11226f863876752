"""Comments with one level of replies, on any subject (proposals now, rule clauses later)."""


def init_app(app) -> None:
    from . import registration

    registration.register()  # comments take part in moderation
