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


def _new_proposal_with_errors(page):
    page.fill("form[action$='/proposals/new'] #title", "")
    _submit(page, "form[action$='/proposals/new']")


def _answer_with_errors(page):
    _submit(page, "form[action$='/answer']")


def _vote_confirm(page):
    page.check("form[action$='/confirm'] input[name=choice][value='1']")
    _submit(page, "form[action$='/confirm']")


def _new_poll_with_errors(page):
    page.fill("form[action$='/votes/new'] #question", "")
    _submit(page, "form[action$='/votes/new']")


def _flag_with_errors(page):
    _submit(page, "form[action*='/moderation/flag/']")


# Ids of objects in the demo data, filled in by the live server fixture.
IDS: dict[str, int] = {}


@dataclass(frozen=True)
class PageSpec:
    name: str
    role: str | None  # None: a visitor
    path: str
    action: Callable | None = None
    status: int = 200
    main: bool = False  # one of the main pages: screenshots
    variant: bool = False  # checked in each mode once (locale alternating), not in all six combinations

    @property
    def resolved(self) -> str:
        """The path with the ids of seeded objects filled in ({road}, {comment}...)."""
        return self.path.format(**IDS) if "{" in self.path else self.path

    def url(self, locale: str) -> str:
        path = self.resolved
        return path + ("&" if "?" in path else "?") + "lang=" + locale


PAGES = [
    # Every page of the portal as each role sees it: checked in every mode and locale.
    PageSpec("home", None, "/", main=True),
    PageSpec("login", None, "/login", main=True),
    PageSpec("register", None, "/register"),
    PageSpec("register-errors", None, "/register", _register_with_errors, 400, main=True),
    PageSpec("account", "resa", "/account"),
    PageSpec("profile", "resa", "/account/profile"),
    PageSpec("password", "resa", "/account/password"),
    PageSpec("community-visitor", None, "/c/dorf-a/"),
    PageSpec("community-nobody", "nobody", "/c/dorf-a/"),
    PageSpec("community-pending", "penda", "/c/dorf-a/"),
    PageSpec("community-resident", "resa", "/c/dorf-a/"),
    PageSpec("community-committee", "coma", "/c/dorf-a/", main=True),
    PageSpec("members", "coma", "/c/dorf-a/members", main=True),
    PageSpec("audit", "coma", "/c/dorf-a/audit/", main=True),
    PageSpec("admin", "root", "/admin/", main=True),
    # Proposals, comments and moderation, on the demo village 东山村 (portal.demo).
    PageSpec("proposals", None, "/c/dongshan/proposals/", main=True),
    PageSpec("proposal-answered", None, "/c/dongshan/proposals/{road}", main=True),
    PageSpec("proposal-resident", "zhao", "/c/dongshan/proposals/{bins}", main=True),
    PageSpec("proposal-committee", "wang", "/c/dongshan/proposals/{lights}"),
    PageSpec("proposal-new", "zhang", "/c/dongshan/proposals/new", main=True),
    PageSpec("proposal-withdraw", "liu", "/c/dongshan/proposals/{bins}/withdraw"),
    PageSpec("proposal-answer", "wang", "/c/dongshan/proposals/{lights}/answer"),
    PageSpec("oversight", None, "/c/dongshan/proposals/oversight", main=True),
    PageSpec("proposal-settings", "wang", "/c/dongshan/proposals/settings"),
    PageSpec("moderation-queue", "wang", "/c/dongshan/moderation/"),
    PageSpec("moderation-flag", "zhang", "/c/dongshan/moderation/flag/comment/{comment}"),
    # Votes, on the demo polls of 东山村 (portal.votes.demo).
    PageSpec("votes", None, "/c/dongshan/votes/", main=True),
    PageSpec("vote-open-resident", "liu", "/c/dongshan/votes/{poll_open}", main=True),
    PageSpec("vote-confirm", "liu", "/c/dongshan/votes/{poll_open}", _vote_confirm, main=True),
    PageSpec("vote-result", None, "/c/dongshan/votes/{poll_closed}", main=True),
    PageSpec("vote-ballots", None, "/c/dongshan/votes/{poll_closed}/ballots?tracker={tracker}", main=True),
    PageSpec("vote-receipt", None, "/c/dongshan/votes/{poll_closed}/receipt/{tracker}"),
    PageSpec("vote-new", "wang", "/c/dongshan/votes/new"),
    PageSpec("vote-assisted", "wang", "/c/dongshan/votes/{poll_open}/assisted"),
    PageSpec("vote-paper", "wang", "/c/dongshan/votes/{poll_open}/paper"),
    PageSpec("vote-mine", "13800000001", "/c/dongshan/votes/mine"),
    PageSpec("error-404", None, "/c/no-such-place/", status=404),
    # Variants: the same templates in another state (errors shown, other role or data).
    # Each is checked in every mode, with the locale alternating, to keep the run short.
    PageSpec("home-signed-in", "resa", "/", variant=True),
    PageSpec("login-errors", None, "/login", _login_with_errors, 400, variant=True),
    PageSpec("community-join-errors", "nobody", "/c/dorf-a/", _join_with_errors, 400, variant=True),
    PageSpec("community-rejected", "reja", "/c/dorf-a/", variant=True),
    PageSpec("community-chinese", "wang", "/c/dongshan/", variant=True),
    PageSpec("members-page-2", "coma", "/c/dorf-a/members?page=2", variant=True),
    PageSpec("members-reject-errors", "coma", "/c/dorf-a/members", _reject_without_reason, 400, variant=True),
    PageSpec("audit-resident-filtered", "resa", "/c/dorf-a/audit/?action=membership.added", variant=True),
    PageSpec("admin-errors", "root", "/admin/", _admin_appoint_unknown, 400, variant=True),
    PageSpec("proposals-author", "zhang", "/c/dongshan/proposals/", variant=True),
    PageSpec("proposals-filtered", "wang", "/c/dongshan/proposals/?state=open&sort=supported&q=路", variant=True),
    PageSpec("proposal-long-words", "wang", "/c/dongshan/proposals/{long}", variant=True),
    PageSpec("proposal-draft", "zhang", "/c/dongshan/proposals/{draft}", variant=True),
    PageSpec("proposal-new-errors", "zhang", "/c/dongshan/proposals/new", _new_proposal_with_errors, 400,
             variant=True),
    PageSpec("proposal-edit", "zhang", "/c/dongshan/proposals/{draft}/edit", variant=True),
    PageSpec("proposal-answer-errors", "wang", "/c/dongshan/proposals/{lights}/answer", _answer_with_errors, 400,
             variant=True),
    PageSpec("moderation-flag-errors", "zhang", "/c/dongshan/moderation/flag/comment/{comment}",
             _flag_with_errors, 400, variant=True),
    PageSpec("error-403", "resa", "/c/dorf-a/members", status=403, variant=True),
    PageSpec("votes-committee", "wang", "/c/dongshan/votes/", variant=True),
    PageSpec("vote-open-voted", "zhang", "/c/dongshan/votes/{poll_open}", variant=True),
    PageSpec("vote-open-committee", "wang", "/c/dongshan/votes/{poll_open}", variant=True),
    PageSpec("vote-rollcall", "zhao", "/c/dongshan/votes/{poll_rollcall}", variant=True),
    PageSpec("vote-draft", "wang", "/c/dongshan/votes/{poll_draft}", variant=True),
    PageSpec("vote-edit", "wang", "/c/dongshan/votes/{poll_draft}/edit", variant=True),
    PageSpec("vote-new-errors", "wang", "/c/dongshan/votes/new", _new_poll_with_errors, 400, variant=True),
    PageSpec("vote-ballots-all", None, "/c/dongshan/votes/{poll_closed}/ballots", variant=True),
]

BY_NAME = {p.name: p for p in PAGES}

# The demo data's people sign in with the demo password.
DEMO_USERS = {"wang", "admin", "lijg", "zhao", "zhang", "chen", "liu", "13800000001"}


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
