"""Polls: secret or roll-call votes with a recountable published tally (DESIGN.md §4)."""
