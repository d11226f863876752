"""A login card prints on one A6 sheet: no navigation, the name, the QR code, the link."""
from __future__ import annotations

import re

import pytest

from .pages import IDS

pytestmark = pytest.mark.browser


def pdf_pages(pdf: bytes) -> list[tuple[float, float]]:
    """(width, height) in points of every page of a PDF made by Chromium."""
    assert pdf.startswith(b"%PDF")
    count = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    assert count >= 1 and boxes, "no pages in the PDF"
    return [(float(w), float(h)) for w, h in boxes[:count]]


def test_login_card_prints_on_one_a6_page(browsing, live_server):
    live_server.set_user_modes(large=True, contrast=False)  # the largest type still fits
    ctx = browsing.new_context("lijg")
    try:
        page = ctx.new_page()
        page.goto("/c/heping/members?lang=zh_Hans")
        with page.expect_navigation():
            page.click(f"form[action$='/roster/cards/{IDS['liu_member']}'] button[type=submit]")
        assert page.locator(".login-card h1").inner_text() == "刘芳"
        page.emulate_media(media="print")
        assert not page.locator(".site-header").is_visible() and not page.locator(".no-print").first.is_visible()
        pages = pdf_pages(page.pdf(prefer_css_page_size=True, print_background=True))
        assert len(pages) == 1, pages
        width, height = pages[0]
        assert abs(width - 297.6) < 3 and abs(height - 419.5) < 3, pages  # A6: 105 x 148 mm
    finally:
        ctx.close()
        live_server.set_user_modes(large=False, contrast=False)
