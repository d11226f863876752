"""XSS payloads for every free-text field, and the check that a page shows them inert."""
from __future__ import annotations

SCRIPT = "<script>alert(1)</script>"


IMG = '"><img src=x onerror=alert(1)>'


def assert_inert(html: str, where: str):
    low = html.lower()
    assert "<script" not in low, f"live <script> on {where}"
    assert "<img" not in low, f"live <img> on {where}"
    assert "onerror=alert(1)>" not in low, where
