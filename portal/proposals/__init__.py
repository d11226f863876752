"""Proposals (提案): raise a matter, back it (附议), get a public answer on time (答复, 督查)."""
