"""Per-community tamper-evident audit trail (DESIGN.md §3)."""
from .chain import record, verify_community  # noqa: F401
