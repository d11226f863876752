"""Comments with one level of replies, on any subject (proposals now, rule clauses later)."""

from . import registration  # noqa: E402,F401  (comments take part in moderation)
