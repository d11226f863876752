"""Every mediation form, sent with each kind of bad input its form or service refuses: the same
page again (400), what was typed kept, the message at its field and in the error summary, with a
link to the field. Every form that creates something, sent twice with the same one-time token:
one object, and the second send lands where the first went (portal/web/once.py).

The concurrency of the request form (eight sends at once) is in test_mediation_once_pg.py.
"""
from __future__ import annotations

import io
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from html import unescape

import pytest
from PIL import Image
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.mediation import services as ms
from portal.mediation.models import (
    Agreement,
    CaseSession,
    CorrectionRequest,
    FollowUp,
    MediationCase,
    MediatorAssignment,
    Rating,
)

from .support.mediation import make_case
from .support.security import client_as, row_counts

pytestmark = pytest.mark.usefixtures("fast_passwords")  # conftest: a cheap password hash

NEW = "/c/dorf-a/mediation/new"
REQUIRED = "This field is required."
CHOICE = "Not a valid choice."


def en(app, role):
    """A client signed in as `role` whose browser asks for English."""
    c = client_as(app, role)
    c.http._c.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return c


def png(n: int = 0) -> tuple[io.BytesIO, str]:
    buf = io.BytesIO()
    Image.new("RGB", (4, 4), (n * 40 % 256, 0, 0)).save(buf, "PNG")
    buf.seek(0)
    return buf, f"photo{n}.png"


# --- the cases --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Bad:
    id: str
    who: str
    state: str | None  # the case's state, None: the request form (no case yet)
    suffix: str  # the form's action after /c/dorf-a/mediation/<case>; "" for the request form
    data: Callable  # (world, case) -> the form as sent
    field: str  # the field the message is at (its id)
    message: str  # (part of) the message shown there
    kept: str | None = None  # something typed that the page shows again
    link: str | None = None  # the summary link's target, default the field's id
    setup: Callable | None = None  # (world, case) -> None, before sending


def intake(**changes):
    def data(w, case):
        d = {"category": "family", "what_happened": "邻居的狗每天夜里叫", "what_they_want": "请他把狗拴好",
             "other_party_name": "李四", "other_party_contact": "13700000000", "urgency": "normal",
             "consent": "y"}
        d.update(changes)
        return {k: v for k, v in d.items() if v is not None}
    return data


def on_behalf(**changes):
    return intake(**{"on_behalf_username": "resa", "present": "y", "agreed": "y", **changes})


def fixed(**d):
    def data(w, case):
        return {k: v for k, v in d.items() if v is not None}
    return data


def assign_data(mediator="meda"):
    def data(w, case):
        return {"mediator": str(w[mediator].id)} if mediator else {}
    return data


def assigned_undeclared(w, case):
    """meda is assigned to the accepted case and has not declared yet."""
    ms.assign_mediator(w.a, case, w["meda"], actor=w["coma"])
    db.session.commit()


def change_data(reason="请换一位调解员", with_assignment=True):
    def data(w, case):
        d = {"reason": reason}
        if with_assignment:
            d["assignment"] = str(ms.active_assignments(case)[0].id)
        return d
    return data


def outcome(**changes):
    def data(w, case):
        d = {"kind": "written", "facts": "两家为排水沟争吵", "issues": "谁来修", "term1": "王二疏通水沟",
             "how1": "自己动手", "due1": "2026-12-20"}
        d.update(changes)
        return {k: v for k, v in d.items() if v is not None}
    return data


def step_aside(w, case):
    """meda declares a conflict: the case waits for a mediator again, and meda may never be it."""
    ms.declare_conflict(w.a, case, ms.active_assignments(case)[0], actor=w["meda"])
    db.session.commit()


def photos(n):
    def data(w, case):
        return dict(intake()(w, case), photos=[png(i) for i in range(n)])
    return data


def not_a_photo(w, case):
    return dict(intake()(w, case), photos=[(io.BytesIO(b"this is no picture at all"), "x.png")])


MED = "mediating"
BAD = [
    # The request form (IntakeForm): the resident for themselves, the committee for a resident.
    Bad("intake: no category", "resa", None, "", intake(category=None), "category", REQUIRED,
        kept="邻居的狗每天夜里叫", link="category-0"),
    Bad("intake: unknown category", "resa", None, "", intake(category="aliens"), "category", CHOICE,
        kept="请他把狗拴好", link="category-0"),
    Bad("intake: nothing happened", "resa", None, "", intake(what_happened="   "), "what_happened", REQUIRED,
        kept="请他把狗拴好"),
    Bad("intake: what happened too long", "resa", None, "", intake(what_happened="村" * 5001), "what_happened",
        "5000", kept="村" * 5001),
    Bad("intake: no wish", "resa", None, "", intake(what_they_want=""), "what_they_want", REQUIRED,
        kept="邻居的狗每天夜里叫"),
    Bad("intake: no other party", "resa", None, "", intake(other_party_name=""), "other_party_name", REQUIRED,
        kept="邻居的狗每天夜里叫"),
    Bad("intake: other party's contact too long", "resa", None, "", intake(other_party_contact="1" * 81),
        "other_party_contact", "80", kept="1" * 81),
    Bad("intake: unknown urgency", "resa", None, "", intake(urgency="yesterday"), "urgency", CHOICE,
        kept="邻居的狗每天夜里叫", link="urgency-0"),
    Bad("intake: no consent", "resa", None, "", intake(consent=None), "consent", REQUIRED,
        kept="邻居的狗每天夜里叫"),
    Bad("intake: other party unknown", "resa", None, "", intake(other_party_username="ghost"),
        "other_party_username", "There is no verified resident with the user name ghost.", kept="ghost"),
    Bad("intake: other party of another village", "resa", None, "", intake(other_party_username="resb"),
        "other_party_username", "There is no verified resident with the user name resb.", kept="resb"),
    Bad("intake: other party is oneself", "resa", None, "", intake(other_party_username="resa"),
        "other_party_username", "The other party cannot be the person asking.", kept="邻居的狗每天夜里叫"),
    Bad("intake: five photos", "resa", None, "", photos(5), "photos", "At most 4 photos.",
        kept="邻居的狗每天夜里叫"),
    Bad("intake: a photo that is none", "resa", None, "", not_a_photo, "photos",
        "Photos must be JPEG, PNG or WebP pictures.", kept="邻居的狗每天夜里叫"),
    Bad("intake for a resident: unknown user name", "coma", None, "", on_behalf(on_behalf_username="ghost"),
        "on_behalf_username", "There is no verified resident with the user name ghost.", kept="ghost"),
    Bad("intake for a resident: not here in person", "coma", None, "", on_behalf(present=None), "present",
        "Confirm that the resident is here in person and agrees.", kept="邻居的狗每天夜里叫"),
    Bad("intake for a resident: not agreed", "coma", None, "", on_behalf(agreed=None), "agreed",
        "Confirm that the resident is here in person and agrees.", kept="邻居的狗每天夜里叫"),
    Bad("intake for a resident: oneself", "coma", None, "", on_behalf(on_behalf_username="coma"),
        "on_behalf_username", "You cannot record an action for yourself this way.", kept="邻居的狗每天夜里叫"),
    # TriageForm
    Bad("triage: no decision", "coma", "requested", "/triage", fixed(reason="再看看"), "decision", REQUIRED,
        kept="再看看", link="decision-0"),
    Bad("triage: declined without a reason", "coma", "requested", "/triage",
        fixed(decision="decline", referral="court"), "reason", "Please say why the request is declined.",
        kept='selected value="court"'),
    Bad("triage: declined without a referral", "coma", "requested", "/triage",
        fixed(decision="decline", reason="这是合同纠纷"), "referral",
        "Please say where the person can turn instead.", kept="这是合同纠纷"),
    Bad("triage: unknown referral", "coma", "requested", "/triage",
        fixed(decision="decline", reason="这是合同纠纷", referral="moon"), "referral", CHOICE, kept="这是合同纠纷"),
    Bad("triage: reason too long", "coma", "requested", "/triage", fixed(decision="accept", reason="村" * 5001),
        "reason", "5000", kept="村" * 5001),
    # OtherPartyForm
    Bad("other party: no answer", "coma", "accepted", "/other-party", fixed(), "agrees", REQUIRED, link="agrees-0"),
    Bad("other party: unknown answer", "coma", "accepted", "/other-party", fixed(agrees="maybe"), "agrees", CHOICE,
        link="agrees-0"),
    # AssignForm
    Bad("assign: no mediator", "coma", "accepted", "/mediators", assign_data(mediator=None), "mediator", REQUIRED),
    Bad("assign: not a mediator", "coma", "accepted", "/mediators", assign_data(mediator="penda"), "mediator",
        CHOICE),
    # A mediator who stepped aside, or who is on the case already, is not offered (issue 14, 8: see
    # tests/test_mediation_views.py); one sent anyway (assigned meanwhile) is told at the field.
    Bad("assign: stepped aside before", "coma", MED, "/mediators", assign_data(), "mediator",
        "This mediator declared a conflict of interest in this case and cannot be assigned.", setup=step_aside),
    Bad("assign: already assigned", "coma", MED, "/mediators", assign_data(), "mediator",
        "This mediator is already assigned."),
    # NoConflictForm: the mediator's own declaration
    Bad("declaration: not ticked", "meda", "accepted", "/no-conflict", fixed(), "declare",
        "Tick the box to declare it, or step aside.", setup=assigned_undeclared),
    # ChangeMediatorForm
    Bad("other mediator: which one", "resa", MED, "/other-mediator", change_data(with_assignment=False),
        "assignment", REQUIRED, kept="请换一位调解员"),
    Bad("other mediator: reason too long", "resa", MED, "/other-mediator", change_data(reason="村" * 2001),
        "reason", "2000", kept="村" * 2001),
    # SessionForm
    Bad("session: no date", "meda", MED, "/sessions", fixed(place="村委会调解室"), "held_on", REQUIRED,
        kept="村委会调解室"),
    Bad("session: no such date", "meda", MED, "/sessions", fixed(held_on="2026-02-30", place="村委会调解室"),
        "held_on", "Not a valid date value.", kept="村委会调解室"),
    Bad("session: no place", "meda", MED, "/sessions", fixed(held_on="2026-11-20", place=" ", notes="双方都来了"),
        "place", REQUIRED, kept="双方都来了"),
    Bad("session: place too long", "meda", MED, "/sessions", fixed(held_on="2026-11-20", place="村" * 121),
        "place", "120", kept="村" * 121),
    Bad("session: attendees too long", "meda", MED, "/sessions",
        fixed(held_on="2026-11-20", place="村委会", attendees="人" * 301), "attendees", "300", kept="人" * 301),
    # OutcomeForm
    Bad("outcome: no kind", "meda", MED, "/outcome", outcome(kind=None), "kind", REQUIRED, kept="两家为排水沟争吵",
        link="kind-0"),
    Bad("outcome: unknown kind", "meda", MED, "/outcome", outcome(kind="magic"), "kind", CHOICE,
        kept="两家为排水沟争吵", link="kind-0"),
    Bad("outcome: written without a term", "meda", MED, "/outcome", outcome(term1="", how1="", due1=""), "term1",
        "A written agreement needs at least one agreed term.", kept="两家为排水沟争吵"),
    Bad("outcome: written without the facts", "meda", MED, "/outcome", outcome(facts=" "), "facts",
        "Please fill in this field.", kept="王二疏通水沟"),
    Bad("outcome: oral without the facts", "meda", MED, "/outcome", outcome(kind="oral", facts=""), "facts",
        "Please fill in this field.", kept="王二疏通水沟"),
    Bad("outcome: failed without a note", "meda", MED, "/outcome", outcome(kind="failed", referral="court"), "note",
        "Please fill in this field.", kept="两家为排水沟争吵"),
    Bad("outcome: failed without a referral", "meda", MED, "/outcome", outcome(kind="failed", note="可以去法院"),
        "referral", "Please say where the person can turn instead.", kept="可以去法院"),
    Bad("outcome: no such date", "meda", MED, "/outcome", outcome(due1="2026-12-99"), "due1",
        "Not a valid date value.", kept="王二疏通水沟"),
    Bad("outcome: term too long", "meda", MED, "/outcome", outcome(how1="办" * 301), "how1", "300",
        kept="办" * 301),
    # FollowUpForm
    Bad("follow-up: kept or not", "coma", "agreement_written", "/follow-up", fixed(note="去看过了"), "kept",
        REQUIRED, kept="去看过了", link="kept-0"),
    Bad("follow-up: unknown answer", "coma", "agreement_written", "/follow-up", fixed(kept="sort of", note="去看过了"),
        "kept", CHOICE, kept="去看过了", link="kept-0"),
    Bad("follow-up: note too long", "coma", "agreement_written", "/follow-up", fixed(kept="kept", note="村" * 5001),
        "note", "5000", kept="村" * 5001),
    # RatingForm
    Bad("rating: no stars", "resa", "closed", "/rating", fixed(comment="还不错"), "stars", REQUIRED, kept="还不错",
        link="stars-0"),
    Bad("rating: nine stars", "resa", "closed", "/rating", fixed(stars="9", comment="还不错"), "stars", CHOICE,
        kept="还不错", link="stars-0"),
    Bad("rating: comment too long", "resa", "closed", "/rating", fixed(stars="4", comment="好" * 1001), "comment",
        "1000", kept="好" * 1001),
    # CorrectionForm
    Bad("correction: empty", "resa", MED, "/correction", fixed(body=" "), "body", REQUIRED),
    Bad("correction: too long", "resa", MED, "/correction", fixed(body="改" * 5001), "body", "5000",
        kept="改" * 5001),
]


def _field_message(html: str, field: str) -> str:
    m = re.search(rf'<p class="error" id="{re.escape(field)}-error">(.*?)</p>', html, re.DOTALL)
    assert m, f"no message at {field}"
    return unescape(re.sub(r"<[^>]+>", "", m.group(1)))


def _summary(html: str) -> str:
    m = re.search(r'<div class="error-summary"[^>]*>(.*?)</div>', html, re.DOTALL)
    assert m, "no error summary"
    return m.group(1)


@pytest.mark.parametrize("bad", BAD, ids=lambda b: b.id)
def test_bad_input_shows_the_same_form_again_with_the_message_at_its_field(app, world, bad):
    w = world
    case = make_case(w, bad.state) if bad.state else None
    if bad.setup is not None:
        bad.setup(w, case)
    url = f"/c/dorf-a/mediation/{case.id}{bad.suffix}" if case is not None else NEW
    client = en(app, bad.who)
    before = row_counts()
    r = client.post(url, bad.data(w, case))
    html = r.get_data(as_text=True)
    assert r.status_code == 400, (r.status_code, html[:500])
    assert f'action="{url}"' in html, "not the same form"  # the form that was sent, shown again
    if bad.kept is not None:
        assert bad.kept in unescape(html), "what was typed is lost"
    assert bad.message in _field_message(html, bad.field)
    summary = _summary(html)
    link = bad.link or bad.field
    links = {href: unescape(re.sub(r"<[^>]+>", "", text))
             for href, text in re.findall(r'<a href="#([^"]+)">(.*?)</a>', summary, re.DOTALL)}
    assert link in links, (link, links)
    assert bad.message in links[link]
    assert f'id="{link}"' in html, "the summary links to nothing"
    assert row_counts() == before, "a refused form wrote something"


def test_every_mediation_form_is_tested(app):
    """A new mediation form (or field that refuses input) gets its bad-input case here."""
    from portal.mediation import forms

    sent = {"intake": "IntakeForm", "triage": "TriageForm", "other party": "OtherPartyForm", "assign": "AssignForm",
            "declaration": "NoConflictForm", "other mediator": "ChangeMediatorForm", "session": "SessionForm", "outcome": "OutcomeForm",
            "follow-up": "FollowUpForm", "rating": "RatingForm", "correction": "CorrectionForm"}
    covered = {sent[b.id.split(":")[0].replace(" for a resident", "")] for b in BAD}
    from flask_wtf import FlaskForm

    every = {name for name, cls in vars(forms).items() if isinstance(cls, type) and issubclass(cls, FlaskForm)
             and cls.__module__ == forms.__name__}
    # CaseFilterForm: a GET filter, a bad value is a 400 (test_bad_input); WithdrawForm: a button with
    # nothing to type (the state is the permission: tests/test_mediation_views.py).
    assert every - covered == {"CaseFilterForm", "WithdrawForm"}


# --- one effect per rendered form ------------------------------------------------------------

@dataclass(frozen=True)
class Creating:
    id: str
    who: str
    state: str | None
    suffix: str
    data: Callable  # (world, case) -> form
    count: Callable  # (case) -> how many of what it makes there are
    anchor: str = ""


def _count(model, case_column):
    def count(case):
        db.session.expire_all()
        q = select(func.count()).select_from(model)
        if case is not None:
            q = q.where(case_column == case.id)
        return db.session.execute(q).scalar_one()
    return count


def _asked_other(case):
    db.session.expire_all()
    return db.session.execute(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "mediation.other_mediator_asked", AuditEvent.subject_id == case.id)).scalar_one()


CREATING = [
    Creating("request", "resa", None, "", intake(), _count(MediationCase, None)),
    Creating("request for a resident", "coma", None, "", on_behalf(), _count(MediationCase, None)),
    Creating("assignment", "coma", "accepted", "/mediators", assign_data(),
             _count(MediatorAssignment, MediatorAssignment.case_id), "#mediators"),
    Creating("request for another mediator", "resa", MED, "/other-mediator", change_data(), _asked_other,
             "#mediators"),
    Creating("session", "meda", MED, "/sessions", fixed(held_on="2026-11-20", place="村委会调解室"),
             _count(CaseSession, CaseSession.case_id), "#sessions"),
    Creating("agreement", "meda", MED, "/outcome", outcome(), _count(Agreement, Agreement.case_id)),
    Creating("follow-up", "coma", "agreement_written", "/follow-up", fixed(kept="kept", note="去看过了"),
             _count(FollowUp, FollowUp.case_id)),
    Creating("rating", "resa", "closed", "/rating", fixed(stars="4"), _count(Rating, Rating.case_id)),
    Creating("correction", "resa", MED, "/correction", fixed(body="电话号码写错了"),
             _count(CorrectionRequest, CorrectionRequest.case_id)),
]


@pytest.mark.parametrize("made", CREATING, ids=lambda c: c.id)
def test_a_creating_form_sent_twice_makes_one(app, world, made):
    w = world
    case = make_case(w, made.state) if made.state else None
    url = f"/c/dorf-a/mediation/{case.id}{made.suffix}" if case is not None else NEW
    before = made.count(case)
    client = en(app, made.who)
    form = dict(made.data(w, case), submit_token=secrets.token_urlsafe(24))
    first = client.post(url, form)
    assert first.status_code == 303, first.get_data(as_text=True)[:1500]
    target = first.headers["Location"]
    if case is not None:
        assert target.endswith(f"/c/dorf-a/mediation/{case.id}{made.anchor}")
    assert made.count(case) == before + 1
    second = client.post(url, form)  # the same rendered form again: Back and send, a double tap
    assert second.status_code == 303 and second.headers["Location"] == target
    assert made.count(case) == before + 1
    page = client.get(target).get_data(as_text=True)
    assert "This form was already sent" in page


def test_the_request_form_carries_its_one_time_token(app, world):
    html = en(app, "resa").get(NEW).get_data(as_text=True)
    assert re.search(r'name="submit_token" type="hidden" value="[A-Za-z0-9_-]{32}"', html)
    med, accepted, assigned = make_case(world, MED), make_case(world, "accepted"), make_case(world, "assigned")
    for who, what, case in (("meda", "sessions", med), ("resa", "correction", med), ("resa", "other-mediator", med),
                            ("coma", "mediators", accepted), ("meda", "no-conflict", assigned),
                            ("resa", "withdraw", make_case(world, "requested"))):
        html = en(app, who).get(f"/c/dorf-a/mediation/{case.id}" + ("/withdraw" if what == "withdraw" else "")
                                ).get_data(as_text=True)
        form = html[html.index(f'action="/c/dorf-a/mediation/{case.id}/{what}"'):]
        form = form[:form.index("</form>")]
        assert 'name="submit_token"' in form, what
