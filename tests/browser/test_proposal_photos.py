"""Issue 14, on a phone (390 × 844): a proposal with three photos shows its photos as thumbnails,
and "I support this" is on the first screen, not 1,300 px down below full-column pictures."""
from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from .conftest import PHONE

pytestmark = pytest.mark.browser


def jpeg(color) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1600, 1200), color).save(out, "JPEG", quality=90)
    return out.getvalue()


def test_support_button_on_the_first_screen_and_photos_as_thumbnails(browsing, live_server):
    live_server.set_user_modes(large=False, contrast=False)
    author_ctx = browsing.new_context("resa", viewport=PHONE)
    reader_ctx = browsing.new_context("meda", viewport=PHONE)
    try:
        author = author_ctx.new_page()
        author.goto("/c/dorf-a/proposals/new?lang=zh_Hans")
        author.fill("#title", "村口路灯坏了三盏，晚上看不清路")
        author.fill("#body", "\n".join(["村口到小学这段路有三盏路灯不亮，老人晚上出门容易摔跤。"] * 8))
        author.select_option("#category", index=1)
        author.set_input_files("#photos", files=[{"name": f"{c}.jpg", "mimeType": "image/jpeg", "buffer": jpeg(c)}
                                                 for c in ("red", "green", "blue")])
        with author.expect_navigation():
            author.click("button[name=action][value=publish]")
        assert re.search(r"/c/dorf-a/proposals/\d+$", author.url), author.url
        path = "/c/" + author.url.split("/c/", 1)[1]

        page = reader_ctx.new_page()
        page.goto(path + "?lang=zh_Hans")
        button = page.locator("form[action$='/support'] button[type=submit]")
        assert button.inner_text().strip() == "我附议"
        main_top = page.evaluate("document.querySelector('main').getBoundingClientRect().top + window.scrollY")
        box = button.bounding_box()
        assert box["y"] + box["height"] - main_top <= 700, (box, main_top)
        assert box["y"] + box["height"] <= PHONE["height"]  # on the first screen, header included

        images = page.locator(".photos img")
        assert images.count() == 3
        for i in range(3):
            img = images.nth(i)
            img.scroll_into_view_if_needed()
            page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=img.element_handle())
            shown = img.bounding_box()
            assert shown["width"] <= 200 and shown["height"] <= 160, shown  # a thumbnail, not the column
            current = img.evaluate("img => img.currentSrc")
            assert re.search(r"/files/\d+/w/(320|640)$", current), current  # a small copy was fetched
            assert img.evaluate("img => img.naturalWidth") <= 640
            link = img.locator("xpath=..")
            assert re.search(r"/files/\d+$", link.get_attribute("href"))  # a tap opens the photo itself
    finally:
        author_ctx.close()
        reader_ctx.close()
