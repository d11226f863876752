"""Comments with one level of replies, on any subject (proposals now, rule clauses later)."""
