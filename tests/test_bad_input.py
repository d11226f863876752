"""Bad input never breaks the portal: no 500, a 400/404/405/413 page with a message in
the person's language, never a partial write. Free text is always rendered escaped.
"""
from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from typing import Callable
from urllib.parse import quote

import pytest
from markupsafe import escape
from sqlalchemy import select
from wtforms import PasswordField, StringField, TextAreaField
from wtforms.validators import Length

from portal.auth.models import User
from portal.communities.models import Community
from portal.extensions import db

from .support.helpers import PASSWORD, membership
from .support.payloads import IMG, SCRIPT, assert_inert
from .support.security import (
    FORM,
    POST_RULES,
    client_as,
    error_page_parts,
    main_text,
    post_url,
    row_counts,
)

pytestmark = pytest.mark.usefixtures("fast_passwords")  # conftest: a cheap password hash

_url = post_url


def assert_error_page(response, status, lang=None):
    """The portal's error page, in the person's language, with a title and a message."""
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:300])
    title, lead = error_page_parts(response)
    assert title and lead, "error page without a title or a message"
    html = response.get_data(as_text=True)
    assert f'lang="{"en" if lang == "en" else "zh-Hans"}"' in html
    assert "Traceback" not in html


def form_messages(response) -> list[str]:
    """Messages shown on a re-rendered form: field errors and the alert above the form."""
    html = response.get_data(as_text=True)
    found = re.findall(r'<p class="error"[^>]*>(.*?)</p>', html, re.S)
    found += re.findall(r'class="alert alert-error"[^>]*>(.*?)</div>', html, re.S)
    found += re.findall(r'class="error-summary"[^>]*>(.*?)</div>', html, re.S)
    return [m for m in (" ".join(re.sub(r"<[^>]+>", " ", f).split()) for f in found) if m]


# --- Over-long fields --------------------------------------------------------------------------

NEW_PASSWORD = "another-pass-1"


@dataclass(frozen=True)
class Field:
    form: str  # FormClass.field
    max: int | None  # None: no own limit (e.g. a confirmation that must equal another field)
    role: str
    url: Callable
    data: Callable  # (world, value) -> form data
    at_max: str | None = None  # a value of exactly max characters that must be accepted
    stored: Callable | None = None  # world -> the stored value, to check at_max round-trips
    method: str = "POST"  # GET: a filter form, the value travels in the query string
    page: bool = False  # refused with the error page (and its message) instead of the form again

    @property
    def id(self):
        return self.form

    def send(self, client, url, world, value, lang=None):
        data = self.data(world, value)
        if self.method == "GET":
            return client.get(url, query_string={**data, **({"lang": lang} if lang else {})})
        return client.post(url + (f"?lang={lang}" if lang else ""), data)


def _form(defaults, mirror: str | None = None):
    """Form data builders for field cases: `defaults` (a dict, or world -> dict) with one field
    set to the value; `mirror` names the field whose confirmation field gets it too."""
    def for_field(field):
        def data(w, v):
            d = dict(defaults(w) if callable(defaults) else defaults)
            d[field] = v
            if mirror and field == mirror:
                d["confirm"] = v
            return d
        return data
    return for_field


_register = _form({"username": "newcomer", "display_name": "New", "password": PASSWORD, "confirm": PASSWORD},
                  mirror="password")

def _user_field(username, attr):
    def stored(w):
        db.session.expire_all()
        return getattr(db.session.execute(select(User).where(User.username == username)).scalar_one(), attr)
    return stored


def _community_field(slug, attr):
    def stored(w):
        db.session.expire_all()
        return getattr(db.session.execute(select(Community).where(Community.slug == slug)).scalar_one(), attr)
    return stored


_community_form = _form({"slug": "dorf-c", "name": "Dorf C", "region": "Region C", "kind": "village",
                         "default_locale": "zh_Hans"})

_password_form = _form({"current": PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD}, mirror="new")

def _reject_url(w):
    return f"/c/dorf-a/members/{membership(w.a, w['penda']).id}/reject"


def _fixed(url):
    return lambda w: url


# --- Proposals, comments and moderation (resa is the author of every proposal) ---


def _proposal_url(state="published", suffix=""):
    """Makes a proposal of resa in `state` and returns its address (+ suffix)."""
    def make(w):
        from portal.proposals import services as ps

        from .support.proposals import make_proposal, set_threshold

        p = make_proposal(w)
        if state in ("under_review", "accepted"):
            set_threshold(w.a, 1)
            ps.support(w.a, p, actor=w["meda"])
        if state == "accepted":
            ps.answer(w.a, p, "accepted", "We will.", actor=w["coma"])
        db.session.commit()
        return f"/c/dorf-a/proposals/{p.id}{suffix}"
    return make


def _moderation_url(action):
    def make(w):
        pid = _proposal_url()(w).rsplit("/", 1)[1]
        return f"/c/dorf-a/moderation/flag/proposal/{pid}" if action == "flag" \
            else f"/c/dorf-a/moderation/proposal/{pid}/{action}"
    return make


def _proposal_defaults(w):
    from .support.proposals import category_id

    return {"title": "Repair the well", "body": "It is dry.", "category": str(category_id(w.a)), "action": "publish"}


_new_proposal = _form(_proposal_defaults)

_category_form = _form({"key": "water", "name_zh": "饮水", "name_en": "Water"})

def _latest(model_path, attr, **where):
    def stored(w):
        import importlib

        module, name = model_path.rsplit(".", 1)
        model = getattr(importlib.import_module(module), name)
        db.session.expire_all()
        q = select(getattr(model, attr)).filter_by(**where).order_by(model.id.desc()).limit(1)
        return db.session.execute(q).scalar_one()
    return stored


def _card_url(w):
    from portal.roster import services as rs

    _card, token = rs.issue_card(w.a, membership(w.a, w["resa"]), actor=w["coma"])
    db.session.commit()
    return f"/card/{token}"


_card_form = _form({"secret": "13572468", "confirm": "13572468"}, mirror="secret")

_assisted_support = _form({"resident": "meda", "present": "y", "agreed": "y"})

def _assisted_entry_url(w):
    from portal.assisted import services as assisted
    from portal.proposals import services as ps

    p = ps.create_proposal(w.a, "Lights", "Dark.", ps.categories(w.a)[0].id, publish=True, actor=w["coma"])
    entry = assisted.act_for(w.a, w["resa"], "proposal.supported", True, True,
                             lambda: (ps.support(w.a, p, origin="assisted", actor=w["resa"]), p)[1], actor=w["coma"])
    db.session.commit()
    from portal.assisted.models import AssistedAction
    entry = db.session.execute(select(AssistedAction).order_by(AssistedAction.id.desc()).limit(1)).scalar_one()
    return f"/c/dorf-a/assisted/{entry.id}/dispute"


ASSISTED_FIELDS = [
    # A refused support form goes back to the proposal with a message (flash), not a form page.
    Field("ResidentForm.resident", 32, "coma", _proposal_url(suffix="/support/assisted"),
          _assisted_support("resident")),
    Field("DisputeForm.reason", 500, "resa", _assisted_entry_url, lambda w, v: {"reason": v},
          at_max="说" * 500, stored=_latest("portal.assisted.models.AssistedAction", "dispute_reason")),
]

ROSTER_FIELDS = [
    Field("CardSecretForm.secret", 128, "visitor", _card_url, _card_form("secret"), at_max="p" * 128),
    Field("CardSecretForm.confirm", None, "visitor", _card_url, _card_form("confirm")),
    # The checked file travels back whole in a hidden field; anything else is refused (error page).
    Field("ConfirmForm.roster_text", 400 * 1024, "coma", _fixed("/c/dorf-a/roster/import"),
          lambda w, v: {"roster_text": v}),
]

PROPOSAL_FIELDS = [
    Field("ProposalForm.title", 120, "resa", _fixed("/c/dorf-a/proposals/new"), _new_proposal("title"),
          at_max="村" * 120, stored=_latest("portal.proposals.models.Proposal", "title")),
    Field("ProposalForm.body", 5000, "resa", _fixed("/c/dorf-a/proposals/new"), _new_proposal("body"),
          at_max="村" * 5000, stored=_latest("portal.proposals.models.Proposal", "body")),
    Field("AnswerForm.body", 5000, "coma", _proposal_url("under_review", "/answer"),
          lambda w, v: {"decision": "accepted", "body": v},
          at_max="村" * 5000, stored=_latest("portal.proposals.models.OfficialAnswer", "body")),
    Field("ProgressForm.body", 5000, "coma", _proposal_url("accepted", "/progress"),
          lambda w, v: {"body": v},
          at_max="村" * 5000, stored=_latest("portal.proposals.models.ProgressUpdate", "body")),
    Field("CommentForm.body", 2000, "meda", _proposal_url(suffix="/comments"), lambda w, v: {"body": v},
          at_max="村" * 2000, stored=_latest("portal.comments.models.Comment", "body")),
    Field("CommentForm.parent_id", 10, "meda", _proposal_url(suffix="/comments"),
          lambda w, v: {"body": "A reply", "parent_id": v}, page=True),
    Field("CategoryForm.key", 30, "coma", _fixed("/c/dorf-a/proposals/settings/categories"), _category_form("key"),
          at_max="k" * 30, stored=_latest("portal.proposals.models.ProposalCategory", "key")),
    Field("CategoryForm.name_zh", 40, "coma", _fixed("/c/dorf-a/proposals/settings/categories"),
          _category_form("name_zh"), at_max="村" * 40,
          stored=_latest("portal.proposals.models.ProposalCategory", "name_zh")),
    Field("CategoryForm.name_en", 60, "coma", _fixed("/c/dorf-a/proposals/settings/categories"),
          _category_form("name_en"), at_max="e" * 60,
          stored=_latest("portal.proposals.models.ProposalCategory", "name_en")),
    Field("SearchForm.q", 100, "visitor", _fixed("/c/dorf-a/proposals/"), lambda w, v: {"q": v}, method="GET",
          page=True),
    Field("FlagForm.reason", 300, "meda", _moderation_url("flag"), lambda w, v: {"reason": v},
          at_max="村" * 300, stored=_latest("portal.moderation.models.Flag", "reason")),
    Field("ModerateForm.reason", 300, "coma", _moderation_url("hide"), lambda w, v: {"reason": v},
          at_max="村" * 300, stored=_latest("portal.proposals.models.Proposal", "hidden_reason")),
]

def _rules_url(phase, suffix):
    def make(w):
        from .support.routes import rules_url as url_of
        from .support.rules import make_rules

        v = make_rules(w, phase)
        db.session.commit()
        return url_of(w, v, suffix)
    return make


def _clause_data(field):
    def data(w, v):
        from .support.routes import rules_chapter_id

        d = {"text": "Keep the lanes clear.", "chapter": str(rules_chapter_id(w))}
        d[field] = v
        return d
    return data


def _with(base, field):
    return lambda w, v: {**base, field: v}


_AMEND = {"kind": "change", "text": "A new text.", "rationale": "Clearer"}
_DECIDE = {"decision": "merged", "merged_text": "The merged text.", "reason": "Both ideas"}
_RULE = "portal.rules.models."
RULES_FIELDS = [
    Field("DocumentForm.title", 120, "coma", _fixed("/c/dorf-a/rules/new"),
          lambda w, v: {"title": v, "kind": "village_rules"}, at_max="村" * 120,
          stored=_latest(_RULE + "RuleDocument", "title")),
    Field("ChapterForm.title", 120, "coma", _rules_url("drafting", "/chapters"), lambda w, v: {"title": v},
          at_max="村" * 120, stored=_latest(_RULE + "RuleChapter", "title")),
    Field("ClauseForm.text", 2000, "coma", _rules_url("drafting", "/clauses"), _clause_data("text"),
          at_max="村" * 2000, stored=_latest(_RULE + "RuleClause", "text")),
    Field("ReasonForm.reason", 300, "coma", _rules_url("adopted", "{doc}/redraft"), lambda w, v: {"reason": v},
          at_max="村" * 300, stored=_latest(_RULE + "RuleVersion", "reason")),
    Field("AmendmentForm.text", 2000, "resa", _rules_url("consultation", "/clauses/{clause}/amendments"),
          _with(_AMEND, "text"), at_max="村" * 2000, stored=_latest(_RULE + "Amendment", "proposed_text")),
    Field("AmendmentForm.rationale", 2000, "resa", _rules_url("consultation", "/clauses/{clause}/amendments"),
          _with(_AMEND, "rationale"), at_max="村" * 2000, stored=_latest(_RULE + "Amendment", "rationale")),
    Field("DecisionForm.merged_text", 2000, "coma", _rules_url("revision", "/amendments/{amendment}/decide"),
          _with(_DECIDE, "merged_text"), at_max="村" * 2000,
          stored=_latest(_RULE + "Amendment", "merged_text")),
    Field("DecisionForm.reason", 300, "coma", _rules_url("revision", "/amendments/{amendment}/decide"),
          _with(_DECIDE, "reason"), at_max="村" * 300,
          stored=_latest(_RULE + "Amendment", "decision_reason")),
    Field("FilingForm.reference", 60, "coma", _rules_url("adopted", "/filing"),
          lambda w, v: {"filed_on": _today(), "reference": v}, at_max="村" * 60,
          stored=_latest(_RULE + "RuleVersion", "filing_reference", status="adopted")),
    Field("ClauseCommentForm.body", 2000, "resa", _rules_url("consultation", "/clauses/{clause}/comments"),
          lambda w, v: {"body": v}, at_max="村" * 2000,
          stored=_latest("portal.comments.models.Comment", "body")),
    Field("ClauseCommentForm.parent_id", 10, "resa", _rules_url("consultation", "/clauses/{clause}/comments"),
          lambda w, v: {"body": "A reply", "parent_id": v}),
    Field("MoveForm.direction", 4, "coma", _rules_url("drafting", "/clauses/{clause}/move"),
          lambda w, v: {"direction": v}, at_max="down"),
]


def _today():
    from .support.rules import today

    return today().isoformat()


# --- Mediation (resa asks, meda mediates, coma decides) ---


def _mediation_url(state, suffix=""):
    def make(w):
        from .support.mediation import make_case

        return f"/c/dorf-a/mediation/{make_case(w, state).id}{suffix}"
    return make


def _intake(field):
    def data(w, v):
        d = {"category": "family", "what_happened": "x", "what_they_want": "y", "other_party_name": "z",
             "urgency": "normal", "consent": "y"}
        d[field] = v
        return d
    return data


def _outcome(field, kind="written"):
    def data(w, v):
        d = {"kind": kind, "facts": "事实", "term1": "第一条", "referral": "court", "note": "可去法院"}
        d[field] = v
        return d
    return data


def _latest_assignment_form(w, v):
    from portal.mediation.models import MediatorAssignment

    aid = db.session.execute(select(MediatorAssignment.id).order_by(MediatorAssignment.id.desc())).scalars().first()
    return {"assignment": str(aid), "reason": v}


_CASE = "portal.mediation.models.MediationCase"
_TERM = "portal.mediation.models.AgreementTerm"
_SESSION = "portal.mediation.models.CaseSession"
_NEW_CASE = _fixed("/c/dorf-a/mediation/new")
MEDIATION_FIELDS = [
    Field("IntakeForm.what_happened", 5000, "resa", _NEW_CASE, _intake("what_happened"), at_max="村" * 5000,
          stored=_latest(_CASE, "what_happened")),
    Field("IntakeForm.what_they_want", 5000, "resa", _NEW_CASE, _intake("what_they_want"), at_max="村" * 5000,
          stored=_latest(_CASE, "what_they_want")),
    Field("IntakeForm.other_party_name", 80, "resa", _NEW_CASE, _intake("other_party_name"), at_max="村" * 80,
          stored=_latest(_CASE, "other_party_name")),
    Field("IntakeForm.other_party_contact", 80, "resa", _NEW_CASE, _intake("other_party_contact"),
          at_max="1" * 80, stored=_latest(_CASE, "other_party_contact")),
    Field("IntakeForm.other_party_username", 32, "resa", _NEW_CASE, _intake("other_party_username")),
    Field("IntakeForm.contact_time", 80, "resa", _NEW_CASE, _intake("contact_time"), at_max="晚" * 80,
          stored=_latest(_CASE, "contact_time")),
    Field("IntakeForm.on_behalf_username", 32, "coma", _NEW_CASE, _intake("on_behalf_username")),
    Field("TriageForm.reason", 5000, "coma", _mediation_url("requested", "/triage"),
          lambda w, v: {"decision": "decline", "reason": v, "referral": "court"}, at_max="村" * 5000,
          stored=_latest(_CASE, "decision_reason")),
    Field("ChangeMediatorForm.reason", 2000, "resa", _mediation_url("mediating", "/other-mediator"),
          _latest_assignment_form, at_max="村" * 2000,
          stored=_latest("portal.mediation.models.MediatorAssignment", "change_reason")),
    Field("SessionForm.place", 120, "meda", _mediation_url("mediating", "/sessions"),
          lambda w, v: {"held_on": "2026-11-20", "place": v}, at_max="村" * 120, stored=_latest(_SESSION, "place")),
    Field("SessionForm.attendees", 300, "meda", _mediation_url("mediating", "/sessions"),
          lambda w, v: {"held_on": "2026-11-20", "place": "p", "attendees": v}, at_max="村" * 300,
          stored=_latest(_SESSION, "attendees")),
    Field("SessionForm.notes", 5000, "meda", _mediation_url("mediating", "/sessions"),
          lambda w, v: {"held_on": "2026-11-20", "place": "p", "notes": v}, at_max="村" * 5000,
          stored=_latest(_SESSION, "notes")),
    Field("OutcomeForm.facts", 5000, "meda", _mediation_url("mediating", "/outcome"), _outcome("facts"),
          at_max="村" * 5000, stored=_latest("portal.mediation.models.Agreement", "facts")),
    Field("OutcomeForm.issues", 5000, "meda", _mediation_url("mediating", "/outcome"), _outcome("issues"),
          at_max="村" * 5000, stored=_latest("portal.mediation.models.Agreement", "issues")),
    Field("OutcomeForm.term1", 5000, "meda", _mediation_url("mediating", "/outcome"), _outcome("term1"),
          at_max="村" * 5000, stored=_latest(_TERM, "what")),
    Field("OutcomeForm.how1", 300, "meda", _mediation_url("mediating", "/outcome"), _outcome("how1"),
          at_max="村" * 300, stored=_latest(_TERM, "how")),
    Field("OutcomeForm.term2", 5000, "meda", _mediation_url("mediating", "/outcome"), _outcome("term2"),
          at_max="村" * 5000, stored=_latest(_TERM, "what")),
    Field("OutcomeForm.how2", 300, "meda", _mediation_url("mediating", "/outcome"),
          lambda w, v: dict(_outcome("how2")(w, v), term2="第二条"), at_max="村" * 300, stored=_latest(_TERM, "how")),
    Field("OutcomeForm.note", 5000, "meda", _mediation_url("mediating", "/outcome"), _outcome("note", "failed"),
          at_max="村" * 5000, stored=_latest(_CASE, "outcome_note")),
    Field("FollowUpForm.note", 5000, "coma", _mediation_url("agreement_written", "/follow-up"),
          lambda w, v: {"kept": "partly", "note": v}, at_max="村" * 5000,
          stored=_latest("portal.mediation.models.FollowUp", "note")),
    Field("RatingForm.comment", 1000, "resa", _mediation_url("closed", "/rating"),
          lambda w, v: {"stars": "4", "comment": v}, at_max="村" * 1000,
          stored=_latest("portal.mediation.models.Rating", "comment")),
    Field("CorrectionForm.body", 5000, "resa", _mediation_url("mediating", "/correction"),
          lambda w, v: {"body": v}, at_max="村" * 5000,
          stored=_latest("portal.mediation.models.CorrectionRequest", "body")),
]

def _poll_form(field):
    def data(w, v):
        from .support.routes import poll_form as base

        d = base(w, "coma")
        if field == "options":
            d["kind"] = "single"
        d[field] = v
        return d
    return data


def _closed_poll_find(w):
    from .support.votes import make_poll

    return f"/c/dorf-a/votes/{make_poll(w, 'closed').id}/find"


VOTES_FIELDS = [
    Field("PollForm.question", 200, "coma", _fixed("/c/dorf-a/votes/new"), _poll_form("question"),
          at_max="村" * 200, stored=_latest("portal.votes.models.Poll", "question")),
    Field("PollForm.description", 5000, "coma", _fixed("/c/dorf-a/votes/new"), _poll_form("description"),
          at_max="村" * 5000, stored=_latest("portal.votes.models.Poll", "description")),
    Field("PollForm.options", 2500, "coma", _fixed("/c/dorf-a/votes/new"), _poll_form("options")),
    Field("LookupForm.tracker", 40, "visitor", _closed_poll_find, lambda w, v: {"tracker": v}),
]

FIELDS = [
    Field("RegisterForm.username", 32, "visitor", _fixed("/register"), _register("username"),
          at_max="n" + "a" * 31, stored=lambda w: _user_field("n" + "a" * 31, "username")(w)),
    Field("RegisterForm.display_name", 50, "visitor", _fixed("/register"), _register("display_name"),
          at_max="村" * 50, stored=_user_field("newcomer", "display_name")),
    Field("RegisterForm.password", 128, "visitor", _fixed("/register"), _register("password"), at_max="p" * 128),
    Field("RegisterForm.confirm", None, "visitor", _fixed("/register"), _register("confirm")),
    Field("LoginForm.login", 32, "visitor", _fixed("/login"), lambda w, v: {"login": v, "password": PASSWORD}),
    Field("LoginForm.password", 128, "visitor", _fixed("/login"), lambda w, v: {"login": "resa", "password": v}),
    Field("LoginForm.next", 500, "visitor", _fixed("/login"),
          lambda w, v: {"login": "resa", "password": PASSWORD, "next": "/" + v[1:]}, at_max="/" + "a" * 499),
    Field("PasswordForm.current", 128, "resa", _fixed("/account/password"), _password_form("current")),
    Field("PasswordForm.new", 128, "resa", _fixed("/account/password"), _password_form("new"), at_max="n" * 128),
    Field("PasswordForm.confirm", None, "resa", _fixed("/account/password"), _password_form("confirm")),
    Field("ProfileForm.display_name", 50, "resa", _fixed("/account/profile"),
          lambda w, v: {"display_name": v, "locale": ""}, at_max="村" * 50,
          stored=_user_field("resa", "display_name")),
    Field("JoinForm.message", 300, "nobody", _fixed("/c/dorf-a/join"), lambda w, v: {"message": v},
          at_max="村" * 300, stored=lambda w: membership(w.a, w["nobody"]).message),
    Field("RejectForm.reason", 300, "coma", _reject_url, lambda w, v: {"reason": v},
          at_max="村" * 300, stored=lambda w: membership(w.a, w["penda"]).reason),
    Field("AddResidentForm.username", 32, "coma", _fixed("/c/dorf-a/members/add"), lambda w, v: {"username": v}),
    Field("CommunityForm.slug", 40, "root", _fixed("/admin/communities"), _community_form("slug"),
          at_max="s" + "a" * 39, stored=lambda w: _community_field("s" + "a" * 39, "slug")(w)),
    Field("CommunityForm.name", 80, "root", _fixed("/admin/communities"), _community_form("name"),
          at_max="村" * 80, stored=_community_field("dorf-c", "name")),
    Field("CommunityForm.region", 120, "root", _fixed("/admin/communities"), _community_form("region"),
          at_max="村" * 120, stored=_community_field("dorf-c", "region")),
    Field("AppointForm.username", 32, "root", _fixed("/admin/communities/dorf-a/committee"),
          lambda w, v: {"username": v}),
    # The tree (portal/admin: a district or a street; the staff of a unit).
    Field("UnitForm.slug", 40, "root", _fixed("/admin/units"),
          lambda w, v: {"level": "district", "parent": "", "slug": v, "name": "Qu C"}, at_max="q" + "a" * 39),
    Field("UnitForm.name", 80, "root", _fixed("/admin/units"),
          lambda w, v: {"level": "district", "parent": "", "slug": "qu-c", "name": v}, at_max="区" * 80),
    Field("StaffForm.username", 32, "root", _fixed("/admin/units/jie-a/staff"), lambda w, v: {"username": v}),
] + PROPOSAL_FIELDS + ROSTER_FIELDS + ASSISTED_FIELDS + RULES_FIELDS + MEDIATION_FIELDS + VOTES_FIELDS

SECRET_FIELDS = {"RegisterForm.password", "RegisterForm.confirm", "LoginForm.password", "PasswordForm.current",
                 "PasswordForm.new", "PasswordForm.confirm", "CardSecretForm.secret", "CardSecretForm.confirm"}

FORM_MODULES = ("portal.auth.forms", "portal.communities.forms", "portal.admin.forms", "portal.proposals.forms",
                "portal.moderation.forms", "portal.roster.forms",
                "portal.assisted.forms", "portal.rules.forms", "portal.mediation.forms",
                "portal.votes.forms")
TEXT_FIELDS = (StringField, TextAreaField, PasswordField)


def _text_fields_of_forms() -> dict[str, int | None]:
    """Every free-text field of the foundation's forms, with its Length(max)."""
    from flask_wtf import FlaskForm

    found = {}
    for name in FORM_MODULES:
        module = importlib.import_module(name)
        for cls in vars(module).values():
            if not (isinstance(cls, type) and issubclass(cls, FlaskForm) and cls.__module__ == name):
                continue
            for attr, unbound in vars(cls).items():
                if getattr(unbound, "field_class", None) is None:
                    continue
                if issubclass(unbound.field_class, TEXT_FIELDS):
                    validators = unbound.kwargs.get("validators") or (unbound.args[1] if len(unbound.args) > 1 else [])
                    maxes = [v.max for v in validators if isinstance(v, Length) and v.max != -1]
                    found[f"{cls.__name__}.{attr}"] = min(maxes) if maxes else None
    return found


def test_every_text_field_has_a_case(app):
    fields = _text_fields_of_forms()
    assert "JoinForm.message" in fields and "CommunityForm.region" in fields
    table = {f.form: f.max for f in FIELDS}
    assert set(fields) == set(table), ("fields without a bad-input case", sorted(set(fields) - set(table)),
                                       "cases for fields that are gone", sorted(set(table) - set(fields)))
    assert fields == table, "the limits in the table differ from the forms"
    # Every limited field also fits its column (a form limit above the column is a 500 on PostgreSQL).
    assert all(f.max is None or f.at_max is None or len(f.at_max) == f.max for f in FIELDS)


@pytest.mark.parametrize("size", ["max+1", 10000])
@pytest.mark.parametrize("field", FIELDS, ids=lambda f: f.id)
def test_over_long_field_is_refused(app, world, field, size):
    length = 10000 if size == 10000 else (field.max or 300) + 1
    client = client_as(app, field.role)
    value = ("/" if field.form == "LoginForm.next" else "x") + "x" * (length - 1)
    url = field.url(world)
    before = row_counts()
    r = field.send(client, url, world, value)
    assert r.status_code == 400, r.status_code
    assert form_messages(r) or (field.page and all(error_page_parts(r))), "no message tells what is wrong"
    if field.form in SECRET_FIELDS:
        assert value not in r.get_data(as_text=True), "a password was echoed back"
    assert row_counts() == before
    # The same in English: a message too.
    r = field.send(client, url, world, value, lang="en")
    assert r.status_code == 400
    assert form_messages(r) or (field.page and all(error_page_parts(r)))
    if field.page:
        assert_error_page(r, 400, "en")
    assert row_counts() == before


@pytest.mark.parametrize("field", [f for f in FIELDS if f.at_max], ids=lambda f: f.id)
def test_longest_allowed_value_is_stored_whole(app, world, field):
    """Exactly max characters (Chinese where free text) pass the form and fit the column."""
    client = client_as(app, field.role)
    r = field.send(client, field.url(world), world, field.at_max)
    assert r.status_code == 303, (r.status_code, form_messages(r), error_page_parts(r))
    if field.stored:
        assert field.stored(world) == field.at_max.strip()


def test_passwords_are_never_echoed(app, world):
    client = client_as(app, "visitor")
    secret = "s3cret-" + "z" * 200
    r = client.post("/register", {"username": "newcomer", "display_name": "N", "password": secret, "confirm": secret})
    assert r.status_code == 400
    assert secret not in r.get_data(as_text=True)


# --- Wrong types in the address and the query --------------------------------------------------

BAD_IDS = ["0", "-1", "99999999999", "abc", "1e3", "1.5", "0x1", "%20", "1%00"]


@pytest.mark.parametrize("action", ["approve", "reject", "roles/grant", "roles/revoke"])
def test_bad_member_ids_are_404(app, world, action):
    client = client_as(app, "coma")
    before = row_counts()
    for bad in BAD_IDS:
        r = client.post(f"/c/dorf-a/members/{bad}/{action}", {"reason": "x", "role": "mediator"})
        assert_error_page(r, 404)
    r = client.post(f"/c/dorf-a/members/abc/{action}?lang=en", {"reason": "x", "role": "mediator"})
    assert_error_page(r, 404, "en")
    assert row_counts() == before


@pytest.mark.parametrize("page, status", [
    ("", 200), ("1", 200), ("abc", 400), ("1e3", 400), ("-1", 400), ("1.0", 400), (" 1", 400), ("１", 400),
    ("0", 404), ("2", 404), ("99999999999", 404), ("9" * 5000, 404),
])
def test_members_page_number(app, world, page, status):
    client = client_as(app, "coma")
    r = client.get("/c/dorf-a/members", query_string={"page": page})
    if status == 200:
        assert r.status_code == 200
    else:
        assert_error_page(r, status)
        assert_error_page(client.get("/c/dorf-a/members", query_string={"page": page, "lang": "en"}), status, "en")


@pytest.mark.parametrize("param", ["actor", "before"])
@pytest.mark.parametrize("value", ["abc", "0", "-1", "99999999999", "1e3", "1.5"])
def test_audit_filters_with_wrong_types(app, world, param, value):
    r = client_as(app, "resa").get(f"/c/dorf-a/audit/?{param}={value}")
    assert_error_page(r, 400)


@pytest.mark.parametrize("slug", ["no-such", "DORF-A", "a", "x" * 41, "dorf-a.", "dorf%20a", "%FF%FE", "..%2Fadmin",
                                  "-dorf", "dorf_a", "%3Cscript%3E"])
def test_unknown_community_slugs(app, world, slug):
    client = client_as(app, "coma")
    before = row_counts()
    assert_error_page(client.get(f"/c/{slug}/"), 404)
    assert_error_page(client.get(f"/c/{slug}/members?lang=en"), 404, "en")
    assert_error_page(client.post(f"/c/{slug}/join", {"message": "x"}), 404)
    assert row_counts() == before


@pytest.mark.parametrize("role_value", ["mayor", "", "COMMITTEE", "committee ", "committee' OR '1'='1", "x" * 1000,
                                        None])
@pytest.mark.parametrize("action, who", [("grant", "resa"), ("revoke", "meda")])
def test_unknown_roles_are_refused(app, world, action, who, role_value):
    client = client_as(app, "coma")
    m = membership(world.a, world[who])
    data = {} if role_value is None else {"role": role_value}
    before = row_counts()
    r = client.post(f"/c/dorf-a/members/{m.id}/roles/{action}", data)
    assert r.status_code == 400 and form_messages(r)  # the members page again, saying what is wrong
    r = client.post(f"/c/dorf-a/members/{m.id}/roles/{action}?lang=en", data)
    assert r.status_code == 400 and form_messages(r)
    assert row_counts() == before


@pytest.mark.parametrize("field, value", [("kind", "castle"), ("kind", ""), ("default_locale", "fr"),
                                          ("default_locale", "zh_Hans; DROP TABLE community")])
def test_admin_choices_outside_the_list(app, world, field, value):
    client = client_as(app, "root")
    data = {"slug": "dorf-c", "name": "C", "kind": "village", "default_locale": "zh_Hans", field: value}
    before = row_counts()
    r = client.post("/admin/communities", data)
    assert r.status_code == 400 and form_messages(r)
    assert row_counts() == before


def test_profile_language_outside_the_list(app, world):
    client = client_as(app, "resa")
    before = row_counts()
    r = client.post("/account/profile", {"display_name": "R", "locale": "fr"})
    assert r.status_code == 400 and form_messages(r)
    assert row_counts() == before
    db.session.expire_all()
    assert world["resa"].display_name == "Resa"


@pytest.mark.parametrize("toggle", ["zzz", "", "LARGE", "large,contrast", "x" * 10000, None])
@pytest.mark.parametrize("role", ["visitor", "resa"])
def test_unknown_display_toggle_changes_nothing(app, world, toggle, role):
    client = client_as(app, role)
    data = {"next": "/c/dorf-a/"} if toggle is None else {"toggle": toggle, "next": "/c/dorf-a/"}
    before = row_counts()
    r = client.post("/display", data)
    assert r.status_code in (303, 400), r.status_code
    if r.status_code == 303:
        assert r.headers["Location"] == "/c/dorf-a/"
    else:
        assert_error_page(r, 400)
    assert not any(h.startswith("display=") for h in r.headers.getlist("Set-Cookie"))
    assert row_counts() == before
    db.session.expire_all()
    assert not world["resa"].display_large and not world["resa"].display_contrast
    page = client.get("/c/dorf-a/").get_data(as_text=True)
    assert "mode-large" not in page and "mode-contrast" not in page


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example", "/\\evil.example", "javascript:alert(1)",
                                    "/" + "a" * 600])
def test_display_toggle_never_redirects_away(app, world, target):
    r = client_as(app, "visitor").post("/display", {"toggle": "large", "next": target})
    assert r.status_code == 303
    assert r.headers["Location"] == "/"


@pytest.mark.parametrize("lang", ["xx", "", "EN", "en-US", "zh", "zh_Hans;", 'en"><script>alert(1)</script>',
                                  "x" * 5000, "../../etc/passwd"])
@pytest.mark.parametrize("role", ["visitor", "resa"])
def test_malformed_lang_is_ignored(app, world, lang, role):
    client = client_as(app, role)
    r = client.get("/c/dorf-a/", query_string={"lang": lang})
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert 'lang="zh-Hans"' in html  # the default, not the bogus value
    assert "<script>alert(1)" not in html
    assert not any(h.startswith("lang=") for h in r.headers.getlist("Set-Cookie"))
    db.session.expire_all()
    assert world["resa"].locale is None


def test_nul_in_lang_is_a_bad_request_in_the_default_language(app, world):
    assert_error_page(client_as(app, "visitor").get("/c/dorf-a/?lang=%00"), 400)


@pytest.mark.parametrize("role", ["visitor", "coma"])
def test_nul_bytes_anywhere_are_refused_before_any_write(app, world, role):
    """PostgreSQL cannot hold NUL in text: the request is refused, never a 500."""
    client = client_as(app, role)
    before = row_counts()
    for rule in POST_RULES:
        url = _url(rule, world)
        data = dict(FORM, message="a\x00b", reason="a\x00b", username="a\x00b", display_name="a\x00b",
                    name="a\x00b", login="a\x00b")
        assert_error_page(client.post(url, data), 400)
        assert_error_page(client.post(url + "?lang=en", data), 400, "en")
    for url in ("/c/dorf-a/audit/?action=a%00b", "/login?next=%00", "/c/dorf-a/members?page=1%00"):
        assert_error_page(client.get(url), 400)
    assert row_counts() == before


# --- Oversized requests ------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["visitor", "coma"])
def test_huge_bodies_are_413_on_every_post_route(app, world, role):
    client = client_as(app, role)
    limit = app.config["MAX_CONTENT_LENGTH"]
    assert limit and limit <= 10 * 1024 * 1024
    huge = "x" * (limit + 1024)
    before = row_counts()
    upload_huge = "x" * (app.config["UPLOAD_REQUEST_MAX"] + 1024)
    for rule in POST_RULES:
        url = _url(rule, world)
        # Forms with photos and recordings have their own, larger limit (portal/proposals/views.py,
        # portal/mediation/views.py).
        # portal/mediation/views.py, and a matter's report and its evidence of a fix (portal/matters).
        uploads = rule.endswith(("/proposals/new", "/edit", "/mediation/new", "/matters/new", "/resolve"))
        data = dict(FORM, message=upload_huge if uploads else huge)
        assert_error_page(client.post(url, data), 413)
        assert_error_page(client.post(url + "?lang=en", data), 413, "en")
    assert row_counts() == before


def test_one_huge_field_under_the_body_limit_is_413_too(app, world):
    """A single field larger than the form memory limit (Flask 3.1: 500 kB) is refused as well."""
    client = client_as(app, "nobody")
    before = row_counts()
    r = client.post("/c/dorf-a/join", {"message": "x" * 600_000})
    assert r.status_code in (400, 413)
    assert error_page_parts(r)[1] or form_messages(r)
    assert row_counts() == before


# --- Wrong methods and bodies ------------------------------------------------------------------


@pytest.mark.parametrize("rule", POST_RULES)
def test_wrong_methods_are_405_pages(app, world, rule):
    client = client_as(app, "coma")
    url = _url(rule, world)
    before = row_counts()
    methods = {m for r in app.url_map.iter_rules() if r.rule == rule for m in r.methods}
    if "GET" not in methods:  # pages that are also forms answer GET; the others refuse it
        assert_error_page(client.get(url), 405)
        assert_error_page(client.get(url + "?lang=en"), 405, "en")
    assert_error_page(client.http.put(url, data={"x": "1"}), 405)
    assert_error_page(client.http.delete(url), 405)
    assert row_counts() == before


def test_json_and_garbage_bodies_are_refused(app, world):
    client = client_as(app, "coma")
    before = row_counts()
    r = client.http.post("/c/dorf-a/members/add", data=b'{"username": "nobody"}', content_type="application/json")
    assert_error_page(r, 400)
    r = client.http.post("/c/dorf-a/members/add", data=b"\xff\xfe\x00\x01", content_type="application/x-www-form-urlencoded")
    assert_error_page(r, 400)
    assert row_counts() == before


# --- Escaping: free text never becomes markup --------------------------------------------------





def _build_hostile_community(app, world):
    """A community whose name and region, and people whose names, messages and reasons,
    are all attack strings, created through the pages themselves."""
    root = client_as(app, "root")
    assert root.post("/admin/communities", {"slug": "xss-town", "name": SCRIPT + " town", "region": IMG,
                                            "kind": "village", "default_locale": "zh_Hans"}).status_code == 303
    assert root.post("/admin/communities/xss-town/committee", {"username": "coma"}).status_code == 303
    evil = client_as(app, "visitor")
    assert evil.post("/register", {"username": "evil", "display_name": SCRIPT, "password": PASSWORD,
                                   "confirm": PASSWORD}).status_code == 303
    evil.login("evil")  # registering signs nobody in
    assert evil.post("/c/xss-town/join", {"message": IMG}).status_code == 303
    evil2 = client_as(app, "nobody")
    assert evil2.post("/account/profile", {"display_name": IMG, "locale": ""}).status_code == 303
    assert evil2.post("/c/xss-town/join", {"message": SCRIPT}).status_code == 303
    coma = client_as(app, "coma")
    c = db.session.execute(select(Community).where(Community.slug == "xss-town")).scalar_one()
    m2 = membership(c, world["nobody"])
    assert coma.post(f"/c/xss-town/members/{m2.id}/reject", {"reason": SCRIPT + IMG}).status_code == 303
    return {"root": root, "evil": evil, "evil2": evil2, "coma": coma}


def test_hostile_text_is_escaped_everywhere(app, world):
    clients = _build_hostile_community(app, world)
    pages = [
        ("coma", "/c/xss-town/members", [SCRIPT, IMG]),  # display names, join messages
        ("coma", "/c/xss-town/", [SCRIPT, IMG]),  # community name, region
        ("coma", "/c/xss-town/audit/", [SCRIPT]),  # payloads (name, reason) and actor names
        ("coma", "/c/xss-town/audit/?action=" + quote(SCRIPT), []),
        ("evil2", "/c/xss-town/", [SCRIPT, IMG]),  # own rejection reason
        ("evil2", "/account", [SCRIPT, IMG]),  # community name, reason, own name in the header
        ("evil", "/account", [SCRIPT]),
        ("evil", "/c/xss-town/", [SCRIPT, IMG]),
        ("root", "/admin/", [SCRIPT]),
        ("root", "/", [SCRIPT]),
        ("evil2", "/account/profile", [IMG]),  # the name back in its input
    ]
    for who, url, expected in pages:
        r = clients[who].get(url)
        assert r.status_code in (200, 400), (url, r.status_code)
        html = r.get_data(as_text=True)
        assert_inert(html, f"{url} as {who}")
        for payload in expected:
            assert str(escape(payload)) in html or str(escape(payload)).replace("&#34;", '\\&#34;') in html, \
                (f"{payload!r} not shown (escaped) on {url} as {who}")
    visitor = client_as(app, "visitor")
    for url in ("/", "/c/xss-town/"):
        assert_inert(visitor.get(url).get_data(as_text=True), url)


def test_hostile_names_in_flash_messages_are_escaped(app, world):
    clients = _build_hostile_community(app, world)
    c = db.session.execute(select(Community).where(Community.slug == "xss-town")).scalar_one()
    evil = db.session.execute(select(User).where(User.username == "evil")).scalar_one()
    m = membership(c, evil)
    coma = clients["coma"]
    r = coma.post(f"/c/xss-town/members/{m.id}/approve")
    assert r.status_code == 303
    html = coma.get(r.headers["Location"]).get_data(as_text=True)  # shows the flash with the name
    assert_inert(html, "flash after approve")
    assert str(escape(SCRIPT)) in html
    r = coma.post(f"/c/xss-town/members/{m.id}/roles/grant", {"role": "mediator"})
    assert_inert(coma.get(r.headers["Location"]).get_data(as_text=True), "flash after grant")
    root = clients["root"]
    r = root.post("/admin/communities", {"slug": "xss-two", "name": IMG, "kind": "village",
                                         "default_locale": "zh_Hans"})
    assert_inert(root.get(r.headers["Location"]).get_data(as_text=True), "flash after create")


def test_hostile_text_in_the_address_is_not_reflected(app, world):
    client = client_as(app, "resa")
    for url in ("/no-such/" + quote(IMG + SCRIPT), "/c/dorf-a/?x=" + quote(IMG + SCRIPT),
                "/c/dorf-a/audit/?action=" + quote(IMG), "/login?next=javascript:alert(1)"):
        r = client.get(url)
        assert r.status_code in (200, 400, 404), (url, r.status_code)
        assert_inert(r.get_data(as_text=True), url)
    r = client_as(app, "visitor").get("/login?next=%22%3E%3Cscript%3Ealert(1)%3C/script%3E")
    assert_inert(r.get_data(as_text=True), "login next")


def test_error_pages_speak_both_languages(app, world):
    """The same failure in the default language and in English: both with words."""
    client = client_as(app, "resa")
    for lang in (None, "en"):
        q = "?lang=en" if lang else ""
        assert_error_page(client.get("/c/no-such/" + q), 404, lang)
        assert_error_page(client.get("/c/dorf-a/members" + q), 403, lang)
        assert_error_page(client.post("/c/dorf-a/join" + q, {"message": "x" * 3_000_000}), 413, lang)
        assert_error_page(client.post("/c/dorf-a/join" + q, {"message": "x"}, csrf=False), 400, lang)
    zh = main_text(client.get("/c/no-such/?lang=zh_Hans"))
    en = main_text(client.get("/c/no-such/?lang=en"))
    assert zh and en
