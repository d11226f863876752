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


def _find_a_ballot(page):
    page.fill("form[action$='/find'] #tracker", "AAAA-BBBB-CCCC-DDDD")
    _submit(page, "form[action$='/find']")


def _new_poll_with_errors(page):
    page.fill("form[action$='/votes/new'] #question", "")
    _submit(page, "form[action$='/votes/new']")


def _flag_with_errors(page):
    _submit(page, "form[action*='/moderation/flag/']")


ROSTER_WITH_ERRORS = "姓名,户,手机\n王秀英,三组 12 号,\n,三组 12 号,\n李四,四组,12345\n".encode()
ROSTER_NEW = "姓名,户,手机\n周大妈,六组 2 号,\n吴大爷,六组 2 号,13912345678\n".encode()


def _upload(data):
    def act(page):
        page.set_input_files("#roster", files=[{"name": "roster.csv", "mimeType": "text/csv", "buffer": data}])
        _submit(page, "form[action$='/roster/preview']")
    return act


def _print_card(page):
    # liu's card: printing voids the earlier cards of that person only (not the demo card used below).
    _submit(page, f"form[action$='/roster/cards/{IDS['liu_member']}']")


def _amend_without_reason(page):
    page.fill("#rationale", "")
    with page.expect_navigation():  # "publish", not "show the changes"
        page.click("form[action$='/amendments'] button[type=submit]:not([name=_preview])")


def _filing_without_reference(page):
    _submit(page, "form[action$='/filing']")


def _mediation_new_with_errors(page):
    _submit(page, "form[action$='/mediation/new']")  # nothing filled in, no consent


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
    PageSpec("audit-check", "resa", "/c/dorf-a/audit/check?head=1:" + "0" * 64, main=True),
    PageSpec("audit-head-notice", "resa", "/c/dorf-a/audit/head", main=True),
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
    # Roster, households and login cards (committee), and the page a card's QR code opens.
    PageSpec("roster-import", "lijg", "/c/heping/roster/", main=True),
    PageSpec("roster-preview", "lijg", "/c/heping/roster/", _upload(ROSTER_NEW)),
    PageSpec("households", "lijg", "/c/heping/roster/households", main=True),
    PageSpec("login-card-print", "lijg", "/c/heping/members", _print_card, main=True),
    # The card is shown once, by the GET after the POST; opening that address later goes back to the
    # members page with a note.
    PageSpec("login-card-shown-once", "lijg", "/c/heping/roster/cards/{liu_member}", variant=True),
    PageSpec("login-card-use", None, "/card/{card}", main=True),
    # Assisted participation: the committee with a resident present; the resident's own list.
    PageSpec("proposal-assisted-new", "wang", "/c/dongshan/proposals/assisted"),
    PageSpec("assisted-mine", "13800000001", "/c/dongshan/assisted/"),
    PageSpec("mine", "zhang", "/c/dongshan/mine/", main=True),
    # For me to do: the committee's groups (overdue first), a resident's side, every community.
    PageSpec("queue-committee", "wang", "/c/dongshan/queue/", main=True),
    PageSpec("queue-resident", "zhang", "/c/dongshan/queue/"),
    PageSpec("queue-mediator", "zhao", "/c/dongshan/queue/", variant=True),
    PageSpec("queue-everywhere", "wang", "/queue", variant=True),
    PageSpec("assisted-disputes", "wang", "/c/dongshan/assisted/disputes"),
    # Village rules (portal/rules/demo.py and tests/browser/conftest.py _rules_ids).
    PageSpec("rules", None, "/c/dongshan/rules/", main=True),
    PageSpec("rules-document", None, "/c/dongshan/rules/{rules_doc}", main=True),
    PageSpec("rules-adopted", None, "/c/dongshan/rules/{rules_doc}/adopted"),
    PageSpec("rules-print", None, "/c/dongshan/rules/{rules_doc}/print", main=True),
    PageSpec("rules-history", None, "/c/dongshan/rules/{rules_doc}/history", main=True),
    PageSpec("rules-consultation", "zhang", "/c/dongshan/rules/v/{rules_consultation}", main=True),
    PageSpec("rules-clause", "zhang", "/c/dongshan/rules/v/{rules_consultation}/clauses/{rules_clause}", main=True),
    PageSpec("rules-amendment", "zhao", "/c/dongshan/rules/v/{rules_consultation}/amendments/{rules_amendment}"),
    PageSpec("rules-draft", "wang", "/c/dongshan/rules/v/{rules_draft}", main=True),
    PageSpec("rules-revision", "wang", "/c/dongshan/rules/v/{rules_revision}/revision", main=True),
    PageSpec("rules-filing", "wang", "/c/dongshan/rules/v/{rules_unfiled}/filing"),
    # Mediation (人民调解): 孙大爷 asked, 王秀英 decides, 赵德明 mediates, 张桂兰 and 刘芳 are parties.
    PageSpec("mediation-mine", "zhang", "/c/dongshan/mediation/"),
    PageSpec("mediation-new", "zhang", "/c/dongshan/mediation/new", main=True),
    PageSpec("mediation-committee", "wang", "/c/dongshan/mediation/committee", main=True),
    PageSpec("mediation-triage", "wang", "/c/dongshan/mediation/{case_waiting}", main=True),
    PageSpec("mediation-mediator", "zhao", "/c/dongshan/mediation/{case_busy}", main=True),
    PageSpec("mediation-party", "liu", "/c/dongshan/mediation/{case_agreement}"),
    PageSpec("mediation-outcome", "zhao", "/c/dongshan/mediation/{case_busy}/outcome"),
    PageSpec("mediation-agreement", "liu", "/c/dongshan/mediation/{case_agreement}/agreement", main=True),
    PageSpec("mediation-figures", None, "/c/dongshan/mediation/figures"),
    PageSpec("mediation-withdraw", "13800000001", "/c/dongshan/mediation/{case_waiting}/withdraw"),
    PageSpec("rules-clause-delete", "wang", "/c/dongshan/rules/v/{rules_draft}/clauses/{rules_draft_clause}/delete"),
    # Votes, on the demo polls of 东山村 (portal.votes.demo).
    PageSpec("votes", None, "/c/dongshan/votes/", main=True),
    PageSpec("vote-open-resident", "liu", "/c/dongshan/votes/{poll_open}", main=True),
    PageSpec("vote-confirm", "liu", "/c/dongshan/votes/{poll_open}", _vote_confirm, main=True),
    PageSpec("vote-result", None, "/c/dongshan/votes/{poll_closed}", main=True),
    PageSpec("vote-ballots", None, "/c/dongshan/votes/{poll_closed}/ballots", main=True),
    # The receipt is the cast's answer (test_votes_journey.py checks it); a lookup is a POST.
    PageSpec("vote-find", None, "/c/dongshan/votes/{poll_closed}/find", _find_a_ballot),
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
    PageSpec("audit-check-errors", "resa", "/c/dorf-a/audit/check?head=12%3Aabc", variant=True),
    PageSpec("audit-check-trail", "resa", "/c/dorf-a/audit/check?trail=1", variant=True),
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
    PageSpec("roster-preview-errors", "lijg", "/c/heping/roster/", _upload(ROSTER_WITH_ERRORS), 400, variant=True),
    PageSpec("login-card-invalid", None, "/card/not-a-card", status=404, variant=True),
    PageSpec("rules-committee-index", "wang", "/c/dongshan/rules/", variant=True),
    PageSpec("rules-clause-edit", "wang", "/c/dongshan/rules/v/{rules_draft}/clauses/{rules_draft_clause}/edit",
             variant=True),
    PageSpec("rules-consultation-committee", "wang", "/c/dongshan/rules/v/{rules_consultation}", variant=True),
    PageSpec("rules-clause-visitor", None, "/c/dongshan/rules/v/{rules_consultation}/clauses/{rules_clause}",
             variant=True),
    PageSpec("rules-amend-errors", "zhang", "/c/dongshan/rules/v/{rules_consultation}/clauses/{rules_clause}",
             _amend_without_reason, 400, variant=True),
    PageSpec("rules-filing-errors", "wang", "/c/dongshan/rules/v/{rules_unfiled}/filing", _filing_without_reference,
             400, variant=True),
    PageSpec("mediation-new-errors", "zhang", "/c/dongshan/mediation/new", _mediation_new_with_errors, 400,
             variant=True),
    PageSpec("mediation-committee-case", "wang", "/c/dongshan/mediation/{case_agreement}", variant=True),
    PageSpec("mediation-other-party", "zhang", "/c/dongshan/mediation/{case_busy}", variant=True),
    PageSpec("audit-resident-mediation", "zhang", "/c/dongshan/audit/?action=mediation.requested", variant=True),
    PageSpec("votes-committee", "wang", "/c/dongshan/votes/", variant=True),
    PageSpec("vote-open-voted", "zhang", "/c/dongshan/votes/{poll_open}", variant=True),
    PageSpec("vote-open-committee", "wang", "/c/dongshan/votes/{poll_open}", variant=True),
    PageSpec("vote-rollcall", "zhao", "/c/dongshan/votes/{poll_rollcall}", variant=True),
    PageSpec("vote-draft", "wang", "/c/dongshan/votes/{poll_draft}", variant=True),
    PageSpec("vote-edit", "wang", "/c/dongshan/votes/{poll_draft}/edit", variant=True),
    PageSpec("vote-open-check", "wang", "/c/dongshan/votes/{poll_draft}/open", variant=True),
    PageSpec("vote-new-errors", "wang", "/c/dongshan/votes/new", _new_poll_with_errors, 400, variant=True),
    PageSpec("vote-ballots-all", None, "/c/dongshan/votes/{poll_closed}/ballots", variant=True),
    # Levels (issue 15): the tree's pages, a community's grids.
    PageSpec("unit-street", None, "/u/dipu/", main=True),
    PageSpec("unit-street-staff", "jiedao", "/u/dipu/", variant=True),
    PageSpec("unit-departments", "jiedao", "/u/dipu/departments", variant=True),
    PageSpec("unit-communities", "jiedao", "/u/dipu/communities", variant=True),
    PageSpec("unit-staff", "quzf", "/u/anji/staff", variant=True),
    PageSpec("unit-categories", "jiedao", "/u/dipu/categories", variant=True),
    PageSpec("unit-category", "jiedao", "/u/dipu/categories/roads", variant=True),
    PageSpec("grids", "wang", "/c/dongshan/grids/", variant=True),
    # Matters: the community's side.
    PageSpec("matters-ledger", None, "/c/dongshan/matters/", main=True),
    PageSpec("matters-mine", "zhang", "/c/dongshan/matters/mine", variant=True),
    PageSpec("matter-new", "zhang", "/c/dongshan/matters/new", main=True),
    PageSpec("matter-committee", "wang", "/c/dongshan/matters/{heap}", main=True),
    PageSpec("matter-closed-reporter", "13800000001", "/c/dongshan/matters/{lamp}", variant=True),
    PageSpec("matter-refuse", "wang", "/c/dongshan/matters/{heap}/refuse", variant=True),
    PageSpec("matter-merge", "wang", "/c/dongshan/matters/{heap}/merge", variant=True),
    # Matters: the units' side, supervision and figures.
    PageSpec("unit-queue", "shuiwu", "/u/dipu-water/matters/", main=True),
    PageSpec("unit-matter", "shuiwu", "/u/dipu-water/matters/{pipe}", main=True),
    PageSpec("unit-matter-street", "jiedao", "/u/dipu/matters/{shed}", variant=True),
    PageSpec("unit-return", "jiedao", "/u/dipu/matters/{shed}/return", variant=True),
    PageSpec("unit-recall", "jiedao", "/u/dipu/matters/{relay}/recall", variant=True),
    PageSpec("unit-ledger", None, "/u/dipu/matters/ledger", variant=True),
    PageSpec("unit-overdue", None, "/u/anji/matters/overdue", variant=True),
    PageSpec("unit-figures-street", None, "/u/dipu/matters/figures", main=True),
]

BY_NAME = {p.name: p for p in PAGES}

# The demo data's people sign in with the demo password.
DEMO_USERS = {"wang", "admin", "lijg", "zhao", "zhang", "chen", "liu", "13800000001", "jiedao", "shuiwu", "quzf"}


def visit(page, spec: PageSpec, locale: str):
    """Open the page (and do its action); returns the final response status."""
    response = page.goto(spec.url(locale))
    status = response.status if response else None
    if spec.action is not None:
        with page.expect_response(lambda r: r.request.method == "POST") as info:
            spec.action(page)
        status = info.value.status
        if status in (302, 303) and spec.status not in (302, 303):  # a page shown by the GET after the POST
            status = page.evaluate("() => performance.getEntriesByType('navigation')[0].responseStatus")
    assert status == spec.status, f"{spec.name}: HTTP {status}, expected {spec.status} ({page.url})"
    return status
