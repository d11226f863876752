"""Every rules form, sent with each kind of mistake its form or service refuses: the same page
comes back (400) with what was typed, the message under its field and in the error summary,
which links to the field (portal/web/actions.py). Nothing is written. And every form that
creates something, sent twice as the same rendered form, makes one object; the second send
lands where the first went (portal/web/once.py)."""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from html import unescape
from typing import Callable

import pytest
from sqlalchemy import func, select

from portal.comments.models import Comment
from portal.extensions import db
from portal.rules import phases, services
from portal.rules.models import (
    Amendment,
    AmendmentSupport,
    RuleChapter,
    RuleClause,
    RuleDocument,
    RuleVersion,
)
from portal.votes.models import Poll
from portal.web.models import SubmittedForm

from .support.rules import end_consultation, make_rules, today
from .support.security import client_as, row_counts

pytestmark = pytest.mark.usefixtures("fast_passwords")  # conftest: a cheap password hash

ASSISTED = {"present": "y", "agreed": "y"}


def en(app, role):
    c = client_as(app, role)
    c.http._c.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return c


def _first_clause(v):
    return services.clauses_of(v)[0]


def _amendment(w, v, kind="change"):
    a = phases.propose_amendment(w.a, v, kind, _first_clause(v), "" if kind == "delete" else "村民必须爱护。",
                                 "更清楚", today(), actor=w["resa"])
    db.session.commit()
    return a


def _comment_on(w, subject):
    from portal.comments import services as comments

    c = comments.add_comment(w.a, subject, "A first comment", actor=w["meda"])
    db.session.commit()
    return c


# --- the table: form x mistake -----------------------------------------------------------------

@dataclass(frozen=True)
class Mistake:
    id: str
    role: str
    setup: Callable  # world -> (url, data)
    page: str  # a distinctive piece of the page the form is on
    field: str | None  # the id of the field the message is at; None: the summary alone
    message: str
    kept: str | Callable | None = None  # a value typed that must be in the form again
    link: str | Callable | None = None  # the summary's link when it is not "#<field>" (a radio group's first option)


def _v(phase):
    def url(w, suffix=""):
        v = make_rules(w, phase)
        return v, f"/c/dorf-a/rules/v/{v.id}{suffix}"
    return url


def _doc(w):
    v = make_rules(w, "adopted")
    return f"/c/dorf-a/rules/{v.document_id}/redraft"


def _new_doc(data):
    return lambda w: ("/c/dorf-a/rules/new", data)


def _chapter(data):
    def setup(w):
        v, url = _v("drafting")(w, "/chapters")
        return url, data
    return setup


def _rename(title):
    def setup(w):
        v, base = _v("drafting")(w)
        ch = services.chapters_of(v)[0]
        return f"{base}/chapters/{ch.id}", {"title": title}
    return setup


def _rename_field(w):
    ch = db.session.execute(select(RuleChapter).order_by(RuleChapter.id.desc())).scalars().first()
    return f"ch-title-{ch.id}"


def _clause(text, chapter="own"):
    def setup(w):
        v, url = _v("drafting")(w, "/clauses")
        other = make_rules(w, "drafting")
        chapters = {"own": services.chapters_of(v)[0].id, "other": services.chapters_of(other)[0].id, "none": ""}
        return url, {"text": text, "chapter": str(chapters[chapter])}
    return setup


def _edit(text):
    def setup(w):
        v, base = _v("drafting")(w)
        return f"{base}/clauses/{_first_clause(v).id}/edit", {"text": text}
    return setup


def _move(direction):
    def setup(w):
        v, base = _v("drafting")(w)
        return f"{base}/clauses/{_first_clause(v).id}/move", {"direction": direction}
    return setup


def _consultation(start_days, end_days, empty=False, raw=None):
    def setup(w):
        if empty:
            v = services.create_document(w.a, "Empty draft", "other", actor=w["coma"])
            db.session.commit()
            url = f"/c/dorf-a/rules/v/{v.id}/consultation"
        else:
            url = _v("drafting")(w, "/consultation")[1]
        t = today()
        return url, raw or {"start": (t + timedelta(days=start_days)).isoformat(),
                            "end": (t + timedelta(days=end_days)).isoformat()}
    return setup


def _amend(data, clause_text=False):
    def setup(w):
        v, base = _v("consultation")(w)
        c = _first_clause(v)
        d = dict(data)
        if clause_text:
            d["text"] = c.text
        return f"{base}/clauses/{c.id}/amendments", d
    return setup


def _clause_comment(data, reply=False):
    def setup(w):
        v, base = _v("consultation")(w)
        c = _first_clause(v)
        d = dict(data)
        if reply:
            parent = _comment_on(w, c)
            d["reply-parent_id"] = str(parent.id)
        return f"{base}/clauses/{c.id}/comments", d
    return setup


def _amendment_comment(data):
    def setup(w):
        v, base = _v("consultation")(w)
        a = _amendment(w, v)
        return f"{base}/amendments/{a.id}/comments", data
    return setup


def _assisted(data, supported=False):
    def setup(w):
        v, base = _v("consultation")(w)
        a = _amendment(w, v)
        if supported:
            phases.support_amendment(w.a, v, a, today(), actor=w["meda"])
            db.session.commit()
        return f"{base}/amendments/{a.id}/support/assisted", data
    return setup


def _decide(data, kind="change"):
    def setup(w):
        if kind == "delete":  # proposed during the consultation, decided in the revision
            v = make_rules(w, "consultation")
            a = phases.propose_amendment(w.a, v, "delete", services.clauses_of(v)[1], "", "重复", today(), actor=w["meda"])
            end_consultation(v)
            phases.start_revision(w.a, v, today(), actor=w["coma"])
            db.session.commit()
        else:
            v = make_rules(w, "revision")
            a = db.session.execute(select(Amendment).where(Amendment.version_id == v.id)).scalars().first()
        return f"/c/dorf-a/rules/v/{v.id}/amendments/{a.id}/decide", data
    return setup


def _decide_field(prefix, suffix=""):
    def field(w):
        a = db.session.execute(select(Amendment).order_by(Amendment.id.desc())).scalars().first()
        return f"{prefix}-{a.id}{suffix}"
    return field


def _conclude(reason):
    return lambda w: (_v("revision")(w, "/conclude")[1], {"reason": reason})


def _filing(days, reference):
    return lambda w: (_v("adopted")(w, "/filing")[1], {"filed_on": (today() + timedelta(days=days)).isoformat(),
                                                         "reference": reference})


def _day(days):
    return lambda: (today() + timedelta(days=days)).isoformat()


NEW_DOC = 'id="new-h"'
DRAFT = "Add a clause"
CLAUSE_PAGE = 'id="amend-h"'
AMENDMENT_PAGE = 'id="support-h"'
REVISION = "Revision: decide on every amendment"
LONG = "Kept-" + "x" * 300
REQUIRED = "This field is required."

MISTAKES = [
    Mistake("document: no title", "coma", _new_doc({"title": "", "kind": "other"}), NEW_DOC, "title", REQUIRED),
    Mistake("document: unknown kind", "coma", _new_doc({"title": "Kept-doc", "kind": "law"}), NEW_DOC, "kind",
            "Not a valid choice", kept="Kept-doc"),
    Mistake("redraft: no reason", "coma", lambda w: (_doc(w), {"reason": " "}), "Change the rules",
            "redraft-reason", REQUIRED),
    Mistake("redraft: reason too long", "coma", lambda w: (_doc(w), {"reason": LONG}), "Change the rules",
            "redraft-reason", "300", kept=LONG),
    Mistake("new chapter: no title", "coma", _chapter({"title": ""}), DRAFT, "title", REQUIRED),
    Mistake("new chapter: title too long", "coma", _chapter({"title": LONG}), DRAFT, "title", "120", kept=LONG),
    Mistake("rename chapter: no title", "coma", _rename(""), DRAFT, _rename_field, REQUIRED),
    Mistake("rename chapter: title too long", "coma", _rename(LONG), DRAFT, _rename_field, "120", kept=LONG),
    # The "empty clause in the rules editor": the form again, not a bare error page.
    Mistake("new clause: empty", "coma", _clause("   "), DRAFT, "text", REQUIRED),
    Mistake("new clause: no chapter", "coma", _clause("Kept-clause", "none"), DRAFT, "chapter",
            "Please choose the chapter of the clause.", kept="Kept-clause"),
    Mistake("new clause: chapter of another draft", "coma", _clause("Kept-clause", "other"), DRAFT, "chapter",
            "Not a valid choice", kept="Kept-clause"),
    Mistake("edit clause: empty", "coma", _edit(""), "Back to the draft", "text", REQUIRED),
    Mistake("edit clause: too long", "coma", _edit("Kept-" + "x" * 2000), "Back to the draft", "text", "2000",
            kept="Kept-" + "x" * 2000),
    Mistake("move: no such direction", "coma", _move("left"), DRAFT, None, "A clause moves up or down."),
    Mistake("move: the first clause up", "coma", _move("up"), DRAFT, None, "This clause cannot move further."),
    # The "consultation whose last day is before its first".
    Mistake("consultation: last day before the first", "coma", _consultation(3, 1), DRAFT, "end",
            "The last day must be on or after the first day, within a year.",
            kept=_day(3)),
    Mistake("consultation: longer than a year", "coma", _consultation(0, 400), DRAFT, "end",
            "within a year", kept=_day(400)),
    Mistake("consultation: starts in the past", "coma", _consultation(-2, 5), DRAFT, "start",
            "The consultation cannot start in the past.", kept=_day(5)),
    Mistake("consultation: not a date", "coma", _consultation(0, 0, raw={"start": "Kept-soon", "end": ""}), DRAFT,
            "start", "Not a valid date value.", kept="Kept-soon"),
    Mistake("consultation: a draft without clauses", "coma", _consultation(0, 5, empty=True), "Open the consultation",
            None, "The draft has no clauses yet."),
    # The "amendment with no text".
    Mistake("amendment: a change without text", "resa", _amend({"kind": "change", "text": "", "rationale": "Kept-why"}),
            CLAUSE_PAGE, "text", "Please write the proposed text of the clause.", kept="Kept-why"),
    Mistake("amendment: a new clause without text", "resa", _amend({"kind": "new", "text": " ", "rationale": "Kept-why"}),
            CLAUSE_PAGE, "text", "Please write the proposed text of the clause.", kept="Kept-why"),
    Mistake("amendment: no reason", "resa", _amend({"kind": "change", "text": "Kept-text", "rationale": ""}),
            CLAUSE_PAGE, "rationale", REQUIRED, kept="Kept-text"),
    Mistake("amendment: the same text", "resa", _amend({"kind": "change", "rationale": "Kept-why"}, clause_text=True),
            CLAUSE_PAGE, "text", "Your text is the same as the clause now.", kept="Kept-why"),
    Mistake("amendment: unknown kind", "resa", _amend({"kind": "swap", "text": "Kept-text", "rationale": "Why"}),
            CLAUSE_PAGE, "kind", "Not a valid choice", kept="Kept-text", link="kind-0"),
    Mistake("clause comment: empty", "resa", _clause_comment({"body": ""}), CLAUSE_PAGE, "body", REQUIRED),
    Mistake("clause comment: a parent that is no number", "resa", _clause_comment({"body": "Kept-c", "parent_id": "x1"}),
            CLAUSE_PAGE, None, "You can only reply to a comment on the same page.", kept="Kept-c"),
    Mistake("clause reply: empty", "resa", _clause_comment({"reply-body": " "}, reply=True), CLAUSE_PAGE,
            "reply-body", REQUIRED),
    Mistake("amendment comment: empty", "meda", _amendment_comment({"body": ""}), AMENDMENT_PAGE, "body", REQUIRED),
    Mistake("amendment comment: too long", "meda", _amendment_comment({"body": "Kept-" + "y" * 2000}), AMENDMENT_PAGE,
            "body", "2000", kept="Kept-" + "y" * 2000),
    Mistake("assisted support: not confirmed", "coma", _assisted({"resident": "Kept-meda", "present": "y"}),
            AMENDMENT_PAGE, "agreed", REQUIRED, kept="Kept-meda"),
    Mistake("assisted support: no such resident", "coma", _assisted({**ASSISTED, "resident": "nobody"}),
            AMENDMENT_PAGE, "resident", "This person is not a verified resident of this community.", kept="nobody"),
    Mistake("assisted support: already supports", "coma", _assisted({**ASSISTED, "resident": "meda"}, supported=True),
            AMENDMENT_PAGE, "resident", "already supports this amendment.", kept="meda"),
    Mistake("decision: no reason", "coma", _decide({"decision": "rejected", "reason": ""}), REVISION,
            _decide_field("r"), REQUIRED),
    Mistake("decision: merged without text", "coma",
            _decide({"decision": "merged", "merged_text": "", "reason": "Kept-reason"}), REVISION, _decide_field("m"),
            "Please write the merged text of the clause", kept="Kept-reason"),
    Mistake("decision: a deletion merged", "coma",
            _decide({"decision": "merged", "merged_text": "x", "reason": "Kept-reason"}, kind="delete"), REVISION,
            _decide_field("d"), "A deletion is accepted or rejected", kept="Kept-reason", link=_decide_field("d", "-0")),
    Mistake("decision: unknown decision", "coma", _decide({"decision": "maybe", "reason": "Kept-reason"}), REVISION,
            _decide_field("d"), "Not a valid choice", kept="Kept-reason", link=_decide_field("d", "-0")),
    Mistake("conclude: no reason", "coma", _conclude(""), REVISION, "conclude-reason", REQUIRED),
    Mistake("conclude: amendments not decided", "coma", _conclude("Kept-summary"), REVISION, None,
            "Some amendments are not decided yet.", kept="Kept-summary"),
    Mistake("filing: no reference", "coma", _filing(0, ""), "Record the filing with", "reference", REQUIRED),
    Mistake("filing: a date in the future", "coma", _filing(3, "Kept-ref"), "Record the filing with", "filed_on",
            "The filing date must be between the adoption and today.", kept="Kept-ref"),
]


def _summary(html) -> str:
    m = re.search(r'<div class="error-summary"[^>]*>(.*?)</div>', html, re.S)
    assert m, "no error summary"
    return m.group(1)


def _field_message(html, field_id) -> str:
    m = re.search(rf'<p class="error" id="{re.escape(field_id)}-error">(.*?)</p>', html, re.S)
    assert m, f"no message at {field_id}"
    return unescape(m.group(1))


@pytest.mark.parametrize("case", MISTAKES, ids=lambda c: c.id)
def test_a_mistake_shows_the_same_form_again(app, world, case):
    url, data = case.setup(world)
    field = case.field(world) if callable(case.field) else case.field
    link = (case.link(world) if callable(case.link) else case.link) or field
    client = en(app, case.role)
    before = row_counts()
    r = client.post(url, data)
    html = r.get_data(as_text=True)
    assert r.status_code == 400, (r.status_code, r.headers.get("Location"), html[:500])
    assert case.page in unescape(html), "not the page of the form"
    summary = _summary(html)
    assert case.message in unescape(summary)
    if field is not None:
        assert case.message in _field_message(html, field)
        assert f'href="#{link}"' in summary
        assert f'id="{link}"' in html, "the summary links to nothing"
    else:
        assert "href=" not in summary  # about the whole form: no field to go to
    kept = case.kept() if callable(case.kept) else case.kept
    if kept is not None:
        assert kept in unescape(html), "what was typed is lost"
    assert row_counts() == before, "a refused form wrote something"
    assert "<title>Error:" in html


# --- one effect per rendered form ----------------------------------------------------------------

@dataclass(frozen=True)
class Creating:
    id: str
    role: str
    setup: Callable  # world -> (url, data)
    count: Callable  # () -> number of the objects the form makes


def _count(model, *where):
    def count():
        db.session.expire_all()
        return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()
    return count


def _comment_setup(reply):
    def setup(w):
        v, base = _v("consultation")(w)
        c = _first_clause(v)
        if not reply:
            return f"{base}/clauses/{c.id}/comments", {"body": "Agreed."}
        parent = _comment_on(w, c)
        return f"{base}/clauses/{c.id}/comments", {"reply-body": "Me too.", "reply-parent_id": str(parent.id)}
    return setup


def _vote_draft(w):
    v = make_rules(w, "vote_draft")
    return f"/c/dorf-a/rules/v/{v.id}/adoption-vote", {}


def _decided(w):
    v, base = _v("revision")(w)
    a = db.session.execute(select(Amendment).where(Amendment.version_id == v.id)).scalar_one()
    phases.decide_amendment(w.a, v, a, "rejected", "Too strict", actor=w["coma"])
    db.session.commit()
    return f"{base}/conclude", {"reason": "One amendment decided"}


CREATING = [
    Creating("new document", "coma", _new_doc({"title": "Parking", "kind": "other"}), _count(RuleDocument)),
    Creating("redraft", "coma", lambda w: (_doc(w), {"reason": "New parking rules"}), _count(RuleVersion)),
    Creating("new chapter", "coma", _chapter({"title": "附则"}), _count(RuleChapter)),
    Creating("new clause", "coma", _clause("Keep the lanes clear."), _count(RuleClause)),
    Creating("amendment", "resa", _amend({"kind": "change", "text": "A new text.", "rationale": "Clearer"}),
             _count(Amendment)),
    Creating("clause comment", "resa", _comment_setup(False), _count(Comment)),
    Creating("clause reply", "resa", _comment_setup(True), _count(Comment)),
    Creating("amendment comment", "resa", _amendment_comment({"body": "Agreed."}), _count(Comment)),
    Creating("assisted support", "coma", _assisted({**ASSISTED, "resident": "meda"}), _count(AmendmentSupport)),
    Creating("conclude the revision", "coma", _decided, _count(RuleVersion)),
    Creating("adoption vote", "coma", _vote_draft, _count(Poll)),
]


@pytest.mark.parametrize("case", CREATING, ids=lambda c: c.id)
def test_the_same_form_sent_twice_makes_one(app, world, case):
    url, data = case.setup(world)
    client = en(app, case.role)
    before = case.count()
    form = dict(data, submit_token=secrets.token_urlsafe(24))
    first = client.post(url, form)
    assert first.status_code == 303, first.get_data(as_text=True)[:800]
    assert case.count() == before + 1
    second = client.post(url, form)
    assert second.status_code == 303
    assert second.headers["Location"] == first.headers["Location"]
    assert case.count() == before + 1, "sent twice, made twice"
    landed = client.get(second.headers["Location"]).get_data(as_text=True)
    assert "This form was already sent" in unescape(landed)
    # One row for the one rendered form, none for the second send.
    assert db.session.execute(select(func.count()).select_from(SubmittedForm)).scalar_one() == 1


def test_a_form_shown_again_after_a_mistake_keeps_its_token_and_may_be_sent(app, world):
    """Nothing was made: the corrected form, with the token it came back with, is accepted."""
    v = make_rules(world, "consultation")
    c = _first_clause(v)
    url = f"/c/dorf-a/rules/v/{v.id}/clauses/{c.id}/amendments"
    client = en(app, "resa")
    token = secrets.token_urlsafe(24)
    r = client.post(url, {"kind": "change", "text": "", "rationale": "Why", "submit_token": token})
    assert r.status_code == 400
    assert f'name="submit_token" type="hidden" value="{token}"' in r.get_data(as_text=True)
    r = client.post(url, {"kind": "change", "text": "A better text.", "rationale": "Why", "submit_token": token})
    assert r.status_code == 303
    a = db.session.execute(select(Amendment)).scalar_one()
    assert r.headers["Location"].endswith(f"/rules/v/{v.id}/amendments/{a.id}")


def test_a_reply_sent_with_a_mistake_comes_back_under_its_thread(app, world):
    v = make_rules(world, "consultation")
    c = _first_clause(v)
    parent = _comment_on(world, c)
    url = f"/c/dorf-a/rules/v/{v.id}/clauses/{c.id}/comments"
    client = en(app, "resa")
    html = client.get(f"/c/dorf-a/rules/v/{v.id}/clauses/{c.id}?reply_to={parent.id}").get_data(as_text=True)
    form = re.search(rf'<form[^>]*id="reply-{parent.id}".*?</form>', html, re.S).group(0)
    # The token under the name the action wrapper reads, as a browser sends it (no other one).
    token = re.search(r'name="submit_token" type="hidden" value="([^"]+)"', form).group(1)
    sent = {"reply-body": "", "reply-parent_id": str(parent.id), "submit_token": token}
    r = client.post(url, sent)
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and f'id="reply-{parent.id}"' in html and 'id="reply-body-error"' in html
    assert f'value="{token}"' in html  # the same token: nothing was made
    r = client.post(url, {**sent, "reply-body": "Me too."})
    assert r.status_code == 303
    reply = db.session.execute(select(Comment).where(Comment.parent_id == parent.id)).scalar_one()
    assert r.headers["Location"].endswith(f"#comment-{reply.id}")
