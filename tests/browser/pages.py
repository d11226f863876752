"""The catalogue of portal pages the browser tests visit: every page, as the role
that sees it, including forms shown back with validation errors."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


def _submit(page, form_selector: str):
    with page.expect_navigation():
        page.click(f"{form_selector} button[type=submit]")


def _register_with_errors(page):
    page.fill("#username", "1x")  # a bad user name, no name, passwords that differ
    page.fill("#password", "short")
    page.fill("#confirm", "other")
    _submit(page, "form[action$='/register']")


def _login_with_errors(page):
    _submit(page, "form[action$='/login']")


def _join_with_errors(page):
    page.evaluate("document.querySelector('#message').removeAttribute('maxlength')")
    page.fill("#message", "x" * 600)  # longer than allowed
    _submit(page, "form[action$='/join']")


def _reject_without_reason(page):
    _submit(page, "form.reject-form")


def _admin_appoint_unknown(page):
    page.fill("form[action$='/dorf-b/committee'] input[name=username]", "")
    _submit(page, "form[action$='/dorf-b/committee']")


@dataclass(frozen=True)
class PageSpec:
    name: str
    role: str | None  # None: a visitor
    path: str
    action: Callable | None = None
    status: int = 200
    main: bool = False  # one of the main pages: screenshots

    def url(self, locale: str) -> str:
        return self.path + ("&" if "?" in self.path else "?") + "lang=" + locale


PAGES = [
    PageSpec("home", None, "/", main=True),
    PageSpec("home-signed-in", "resa", "/"),
    PageSpec("login", None, "/login", main=True),
    PageSpec("login-errors", None, "/login", _login_with_errors, 400),
    PageSpec("register", None, "/register"),
    PageSpec("register-errors", None, "/register", _register_with_errors, 400, main=True),
    PageSpec("account", "resa", "/account", main=True),
    PageSpec("profile", "resa", "/account/profile", main=True),
    PageSpec("password", "resa", "/account/password"),
    PageSpec("community-visitor", None, "/c/dorf-a/", main=True),
    PageSpec("community-nobody", "nobody", "/c/dorf-a/"),
    PageSpec("community-join-errors", "nobody", "/c/dorf-a/", _join_with_errors, 400),
    PageSpec("community-pending", "penda", "/c/dorf-a/"),
    PageSpec("community-rejected", "reja", "/c/dorf-a/"),
    PageSpec("community-resident", "resa", "/c/dorf-a/"),
    PageSpec("community-committee", "coma", "/c/dorf-a/", main=True),
    PageSpec("community-chinese", "wang", "/c/dongshan/"),
    PageSpec("members", "coma", "/c/dorf-a/members", main=True),
    PageSpec("members-page-2", "coma", "/c/dorf-a/members?page=2"),
    PageSpec("members-reject-errors", "coma", "/c/dorf-a/members", _reject_without_reason, 400),
    PageSpec("audit", "coma", "/c/dorf-a/audit/", main=True),
    PageSpec("audit-resident-filtered", "resa", "/c/dorf-a/audit/?action=membership.added"),
    PageSpec("admin", "root", "/admin/", main=True),
    PageSpec("admin-errors", "root", "/admin/", _admin_appoint_unknown, 400),
    PageSpec("error-404", None, "/c/no-such-place/", status=404, main=True),
    PageSpec("error-403", "resa", "/c/dorf-a/members", status=403),
]

BY_NAME = {p.name: p for p in PAGES}

# The demo data's people sign in with the demo password.
DEMO_USERS = {"wang", "admin", "lijg", "zhao", "zhang", "chen", "liu"}


def visit(page, spec: PageSpec, locale: str):
    """Open the page (and do its action); returns the final response status."""
    response = page.goto(spec.url(locale))
    status = response.status if response else None
    if spec.action is not None:
        with page.expect_response(lambda r: r.request.method == "POST") as info:
            spec.action(page)
        status = info.value.status
    assert status == spec.status, f"{spec.name}: HTTP {status}, expected {spec.status} ({page.url})"
    return status
