"""Shared checks of the forms tests (tests/test_*_forms.py): a form refused by its service or its
own validators comes back as the same page, 400, input kept, each message at its field and in
the error summary (portal/web/actions.py, templates/base.html)."""
from __future__ import annotations

import re

from markupsafe import escape

from .pages import en  # noqa: F401  (the forms tests take it from here)
from .security import client_as, snapshot_world, speed_up  # noqa: F401  (re-exported for the tests)


def summary_of(html: str) -> str:
    m = re.search(r'<div class="error-summary".*?</ul>', html, re.DOTALL)
    assert m, "no error summary on the page"
    return m.group(0)


def refused(response, marker: str, message: str, field: str | None = None, kept=()) -> str:
    """Assert the refusal; returns the page. `marker`: a distinctive piece of the form's page;
    `field`: the id of the field the message belongs to (None: the message is about the whole form);
    `kept`: values typed that must be in the page again."""
    html = response.get_data(as_text=True)
    assert response.status_code == 400, (response.status_code, html[:800])
    assert marker in html, f"not the form's page: {marker!r} missing"
    summary = summary_of(html)
    text = str(escape(message))
    assert text in summary, (message, summary)
    if field is not None:
        at = re.search(rf'<p class="error" id="{re.escape(field)}-error">(.*?)</p>', html, re.DOTALL)
        assert at, f"no message at the field {field}"
        assert text in at.group(1), (message, at.group(1))
        assert f'href="#{field}"' in summary, summary
    for value in kept:
        assert str(escape(value)) in html, f"the typed {value!r} is not kept"
    return html


def token_of(html: str, form_action: str) -> str:
    """The one-time token of the form posting to `form_action` on a page."""
    start = html.index(f'action="{form_action}"')
    m = re.search(r'name="submit_token" type="hidden" value="([^"]+)"|name="submit_token" value="([^"]+)"',
                  html[start:])
    assert m, f"no one-time token in the form to {form_action}"
    return m.group(1) or m.group(2)
