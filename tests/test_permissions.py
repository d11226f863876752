"""Every route × every role: the whole permission matrix in one table.

Each case gets a fresh world (the `world` fixture), signs the role in, sends one
request with a valid CSRF token and valid form data (so the status reflects the
permission, not validation) and checks the status:

  200     allowed GET                      DONE    allowed POST: 303, not to /login
  LOGIN   visitor: 303 to /login?next=…    403     signed in without the right
  404     unknown community / object of another community (never 403)

Forbidden requests (LOGIN, 403, 404) must also write nothing at all.
The table must list exactly the routes in app.url_map: a new route without a row
fails test_table_covers_every_route.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable
from urllib.parse import urlsplit

import pytest

from portal.communities import services as cs

from .support.helpers import PASSWORD, membership
from .support.security import (
    ROLES,
    client_as,
    login_redirect_target,
    row_counts,
)

DONE = "done"
LOGIN = "login"
SIGNED_IN = ROLES[1:]


def mid(community_attr: str, username: str) -> Callable:
    """Path part: the membership id of `username` in world.<community_attr>."""
    return lambda w: membership(getattr(w, community_attr), w[username]).id


def expect(default, **per_role):
    unknown = set(per_role) - set(ROLES)
    assert not unknown, unknown
    return {role: per_role.get(role, default) for role in ROLES}


def only(allowed_roles, ok):
    """Allowed for `allowed_roles`, LOGIN for visitors, 403 for everyone else signed in."""
    table = expect(403, visitor=LOGIN)
    for r in allowed_roles:
        table[r] = ok
    return table


@dataclass(frozen=True)
class Route:
    rule: str
    method: str
    path: Callable  # world -> URL
    expected: dict
    data: Callable | None = None  # (world, role) -> form data

    @property
    def id(self):
        return f"{self.method} {self.rule}"


def _fixed(url):
    return lambda w: url


def _member_url(username, action):
    return lambda w: f"/c/dorf-a/members/{mid('a', username)(w)}/{action}"


NEW_PASSWORD = "another-pass-1"


# --- Proposals (resa is the author), moderation and files ---------------------------------------
# The path functions create the object the request acts on, before the row counts are taken.

def _proposal(state="published", community="a", author="resa"):
    def make(w):
        from portal.extensions import db
        from portal.proposals import services as ps

        c = getattr(w, community)
        p = ps.create_proposal(c, "Repair the well", "The well is dry.\nPlease fix it.",
                               ps.categories(c)[0].id, publish=state != "draft", actor=w[author])
        if state in ("under_review", "accepted"):
            from .support.proposals import set_threshold

            set_threshold(c, 1)
            ps.support(c, p, actor=w["meda" if community == "a" else "comb"])
        if state == "accepted":
            ps.answer(c, p, "accepted", "We will do it.", actor=w["coma"])
        if state == "hidden":
            from portal.moderation import services as mod

            mod.hide(c, p, "private data", actor=w["coma"])
        db.session.commit()
        return p.id
    return make


def _p(suffix="", state="published"):
    make = _proposal(state)
    return lambda w: f"/c/dorf-a/proposals/{make(w)}{suffix}"


def _mod(action, state="published"):
    make = _proposal(state)
    return lambda w: f"/c/dorf-a/moderation/{action}/proposal/{make(w)}" if action == "flag" \
        else f"/c/dorf-a/moderation/proposal/{make(w)}/{action}"


def _file(w, size=(40, 30)):
    import io

    from PIL import Image
    from werkzeug.datastructures import FileStorage

    from portal.extensions import db
    from portal.uploads import services as up

    pid = _proposal()(w)
    buf = io.BytesIO()
    Image.new("RGB", size, "green").save(buf, "PNG")
    buf.seek(0)
    a = up.save_image(w.a, FileStorage(buf, filename="well.png"), "proposal", pid, actor=w["resa"])
    db.session.commit()
    return f"/c/dorf-a/files/{a.id}"


def _category_id(w):
    from portal.proposals import services as ps

    cid = ps.categories(w.a)[0].id
    from portal.extensions import db

    db.session.commit()
    return cid


def _proposal_form(w, r):
    return {"title": "New well", "body": "We need a new well.", "category": str(_category_id(w)),
            "action": "publish"}


from portal.readaloud.speech import available as _speech_available  # noqa: E402

from .support.routes_levels import LEVELS_ROUTES  # noqa: E402
from .support.routes import poll_form, rules_chapter_id, rules_url
from .support.votes import make_poll  # noqa: E402

pytestmark = pytest.mark.usefixtures("fast_passwords")  # conftest: a cheap password hash

_SPEECH = _speech_available()
VERIFIED = ["resa", "meda", "coma"]
# Reports: members of the community (verified), not the author (resa). Strangers, applicants,
# the rejected, another village's committee and the platform admin are refused (issue 19, 9).
REPORTERS = ["meda", "coma"]
PROPOSAL_ROUTES = [
    Route("/c/<slug:slug>/proposals/", "GET", _fixed("/c/dorf-a/proposals/"), expect(200)),
    Route("/c/<slug:slug>/proposals/oversight", "GET", _fixed("/c/dorf-a/proposals/oversight"), expect(200)),
    Route("/c/<slug:slug>/proposals/new", "GET", _fixed("/c/dorf-a/proposals/new"), only(VERIFIED, 200)),
    Route("/c/<slug:slug>/proposals/new", "POST", _fixed("/c/dorf-a/proposals/new"), only(VERIFIED, DONE),
          _proposal_form),
    Route("/c/<slug:slug>/proposals/<id:proposal_id>", "GET", _p(), expect(200)),
    # A draft is the author's alone: for everyone else it does not exist.
    Route("/c/<slug:slug>/proposals/<id:proposal_id>/edit", "GET", _p("/edit", "draft"), expect(404, resa=200)),
    Route("/c/<slug:slug>/proposals/<id:proposal_id>/edit", "POST", _p("/edit", "draft"), expect(404, resa=DONE),
          _proposal_form),
    Route("/c/<slug:slug>/proposals/<id:proposal_id>/publish", "POST", _p("/publish", "draft"),
          expect(404, resa=DONE)),
    Route("/c/<slug:slug>/proposals/<id:proposal_id>/withdraw", "GET", _p("/withdraw"), only(["resa"], 200)),
    Route("/c/<slug:slug>/proposals/<id:proposal_id>/withdraw", "POST", _p("/withdraw"), only(["resa"], DONE)),
    Route("/c/<slug:slug>/proposals/<id:proposal_id>/support", "POST", _p("/support"), only(["meda", "coma"], DONE)),
    Route("/c/<slug:slug>/proposals/<id:proposal_id>/unsupport", "POST", _p("/unsupport"), only(VERIFIED, DONE)),
    Route("/c/<slug:slug>/proposals/<id:proposal_id>/answer", "GET", _p("/answer"), only(["coma"], 200)),
    Route("/c/<slug:slug>/proposals/<id:proposal_id>/answer", "POST", _p("/answer"), only(["coma"], DONE),
          lambda w, r: {"decision": "planned", "body": "Already in this year's plan."}),
    Route("/c/<slug:slug>/proposals/<id:proposal_id>/progress", "POST", _p("/progress", "accepted"),
          only(["coma"], DONE), lambda w, r: {"body": "Work started.", "implemented": "y"}),
    Route("/c/<slug:slug>/proposals/<id:proposal_id>/comments", "POST", _p("/comments"), only(VERIFIED, DONE),
          lambda w, r: {"body": "I agree."}),
    Route("/c/<slug:slug>/proposals/settings", "GET", _fixed("/c/dorf-a/proposals/settings"), only(["coma"], 200)),
    Route("/c/<slug:slug>/proposals/settings", "POST", _fixed("/c/dorf-a/proposals/settings"), only(["coma"], DONE),
          lambda w, r: {"support_threshold": "5", "threshold_percent": "", "answer_days": "10"}),
    Route("/c/<slug:slug>/proposals/settings/categories", "POST", _fixed("/c/dorf-a/proposals/settings/categories"),
          only(["coma"], DONE), lambda w, r: {"key": "water", "name_zh": "饮水", "name_en": "Water"}),
    Route("/c/<slug:slug>/proposals/settings/categories/<id:category_id>/toggle", "POST",
          lambda w: f"/c/dorf-a/proposals/settings/categories/{_category_id(w)}/toggle", only(["coma"], DONE)),
    # Reports: the community's members except the author; the committee's queue and decisions.
    Route("/c/<slug:slug>/moderation/flag/<string:subject_type>/<id:subject_id>", "GET", _mod("flag"),
          only(REPORTERS, 200)),
    Route("/c/<slug:slug>/moderation/flag/<string:subject_type>/<id:subject_id>", "POST", _mod("flag"),
          only(REPORTERS, DONE), lambda w, r: {"reason": "Private phone number in the text"}),
    Route("/c/<slug:slug>/moderation/", "GET", _fixed("/c/dorf-a/moderation/"), only(["coma"], 200)),
    Route("/c/<slug:slug>/moderation/<string:subject_type>/<id:subject_id>/hide", "POST", _mod("hide"),
          only(["coma"], DONE), lambda w, r: {"reason": "Private data"}),
    Route("/c/<slug:slug>/moderation/<string:subject_type>/<id:subject_id>/restore", "POST",
          _mod("restore", "hidden"), only(["coma"], DONE), lambda w, r: {"reason": "Checked again"}),
    Route("/c/<slug:slug>/moderation/<string:subject_type>/<id:subject_id>/dismiss", "POST", _mod("dismiss"),
          only(["coma"], DONE)),
    # Files are shown to whoever may see what they belong to (a published proposal: everyone).
    Route("/c/<slug:slug>/files/<id:attachment_id>", "GET", _file, expect(200)),
    # A photo's thumbnail: to the same people (issue 14).
    Route("/c/<slug:slug>/files/<id:attachment_id>/w/<int:width>", "GET",
          lambda w: _file(w, (400, 300)) + "/w/320", expect(200)),
    # Read-aloud: whoever may read the text may hear it (a 404 where the speech tools are missing).
    Route("/c/<slug:slug>/speak/<string:kind>/<id:obj_id>/<string:part>.ogg", "GET",
          lambda w: f"/c/dorf-a/speak/proposal/{_proposal()(w)}/text.ogg", expect(200 if _SPEECH else 404)),
]
# --- Roster (issue 7): import, households, login cards -------------------------------------------

def _roster_csv(w, r):
    import io
    return {"roster": (io.BytesIO("姓名,户,手机\n王秀英,三组12号,\n".encode()), "roster.csv")}


def _household(w):
    from portal.extensions import db
    from portal.roster import csvfile
    from portal.roster import services as rs

    rows, _ = csvfile.parse("姓名,户\n王秀英,三组12号\n王建国,三组12号\n")
    rs.import_roster(w.a, rows, actor=w["coma"])
    db.session.commit()
    from portal.roster.models import Household
    return db.session.query(Household).filter_by(community_id=w.a.id).one()


def _representative_form(w, r):
    from portal.extensions import db
    from portal.roster.models import Household, HouseholdMember
    h = db.session.query(Household).filter_by(community_id=w.a.id).one_or_none()
    if h is None:  # a request that never reaches a household (unknown community)
        return {"h1-membership_id": "1"}
    other = db.session.query(HouseholdMember).filter(HouseholdMember.household_id == h.id,
                                                     HouseholdMember.membership_id != h.representative_id).one()
    return {f"h{h.id}-membership_id": str(other.membership_id)}


def _card_url(w):
    from portal.extensions import db
    from portal.roster import services as rs

    _card, token = rs.issue_card(w.a, membership(w.a, w["resa"]), actor=w["coma"])
    db.session.commit()
    return f"/card/{token}"


ROSTER_ROUTES = [
    Route("/c/<slug:slug>/roster/", "GET", _fixed("/c/dorf-a/roster/"), only(["coma"], 200)),
    Route("/c/<slug:slug>/roster/preview", "POST", _fixed("/c/dorf-a/roster/preview"), only(["coma"], 200),
          _roster_csv),
    Route("/c/<slug:slug>/roster/import", "POST", _fixed("/c/dorf-a/roster/import"), only(["coma"], DONE),
          lambda w, r: {"roster_text": "姓名,户\n王秀英,三组12号\n"}),
    Route("/c/<slug:slug>/roster/households", "GET", _fixed("/c/dorf-a/roster/households"), only(["coma"], 200)),
    Route("/c/<slug:slug>/roster/households/<id:household_id>/representative", "POST",
          lambda w: f"/c/dorf-a/roster/households/{_household(w).id}/representative", only(["coma"], DONE),
          _representative_form),
    # Not for oneself: resa's card is printed by the committee (meda's here, to be any other member).
    Route("/c/<slug:slug>/roster/cards/<id:member_id>", "POST",
          lambda w: f"/c/dorf-a/roster/cards/{mid('a', 'meda')(w)}", only(["coma"], DONE)),
    # The GET after printing shows the card once; without one just printed it goes back to the members.
    Route("/c/<slug:slug>/roster/cards/<id:member_id>", "GET",
          lambda w: f"/c/dorf-a/roster/cards/{mid('a', 'meda')(w)}", only(["coma"], 303)),
    # The card is a bearer link: whoever holds it may use it (and is then signed in as its owner).
    Route("/card/<token>", "GET", _card_url, expect(200)),
    Route("/card/<token>", "POST", _card_url, expect(DONE),
          lambda w, r: {"secret": "246810", "confirm": "246810"}),
]

# --- Assisted participation: the committee acts with a resident present ------------------------

def _assisted_entry(w):
    from portal.assisted import services as assisted
    from portal.extensions import db
    from portal.proposals import services as ps

    p = ps.create_proposal(w.a, "Lights at the gate", "It is dark.", ps.categories(w.a)[0].id,
                           publish=True, actor=w["coma"])
    assisted.act_for(w.a, w["resa"], "proposal.supported", True, True,
                     lambda: (ps.support(w.a, p, origin="assisted", actor=w["resa"]), p)[1], actor=w["coma"])
    db.session.commit()
    from portal.assisted.models import AssistedAction
    return db.session.query(AssistedAction).order_by(AssistedAction.id.desc()).first().id


ASSISTED_FORM = {"present": "y", "agreed": "y"}
ASSISTED_ROUTES = [
    Route("/c/<slug:slug>/proposals/assisted", "GET", _fixed("/c/dorf-a/proposals/assisted"), only(["coma"], 200)),
    Route("/c/<slug:slug>/proposals/assisted", "POST", _fixed("/c/dorf-a/proposals/assisted"), only(["coma"], DONE),
          lambda w, r: {**_proposal_form(w, r), **ASSISTED_FORM, "resident": "resa"}),
    Route("/c/<slug:slug>/proposals/<id:proposal_id>/support/assisted", "POST", _p("/support/assisted"),
          only(["coma"], DONE), lambda w, r: {**ASSISTED_FORM, "resident": "meda"}),
    Route("/c/<slug:slug>/assisted/", "GET", _fixed("/c/dorf-a/assisted/"), only(VERIFIED, 200)),
    # Only the resident it was recorded for may object; to other members it does not exist.
    Route("/c/<slug:slug>/assisted/<id:entry_id>/dispute", "POST",
          lambda w: f"/c/dorf-a/assisted/{_assisted_entry(w)}/dispute",
          expect(403, visitor=LOGIN, resa=DONE, meda=404, coma=404), lambda w, r: {"reason": "I did not say that"}),
    Route("/c/<slug:slug>/assisted/disputes", "GET", _fixed("/c/dorf-a/assisted/disputes"), only(["coma"], 200)),
    # "My things" shows only the signed-in person's own things, so everyone signed in may open it.
    Route("/c/<slug:slug>/mine/", "GET", _fixed("/c/dorf-a/mine/"), expect(200, visitor=LOGIN)),
    # "For me to do" too: each person sees only what waits for them (nothing, outside their roles).
    Route("/c/<slug:slug>/queue/", "GET", _fixed("/c/dorf-a/queue/"), expect(200, visitor=LOGIN)),
    Route("/queue", "GET", _fixed("/queue"), expect(200, visitor=LOGIN)),
]


# --- Village rules: documents, drafting, consultation, revision, filing --------------------------
# Each path function makes a rules document of community A in the phase the route needs (see
# tests/support/rules.py): drafts are the committee's (404 for everyone else), residents take
# part during the consultation, only the committee changes phases.

def _rules(phase="consultation", suffix="", community="a"):
    def make(w):
        from portal.extensions import db

        from .support.rules import make_rules

        v = make_rules(w, phase, community)
        db.session.commit()
        return rules_url(w, v, suffix)
    return make




def _rules_decided(w):
    """A version in revision whose only amendment is decided: ready to be concluded."""
    from portal.extensions import db
    from portal.rules import phases
    from portal.rules.models import Amendment

    from .support.rules import make_rules

    v = make_rules(w, "revision")
    a = db.session.execute(db.select(Amendment).where(Amendment.version_id == v.id)).scalar_one()
    phases.decide_amendment(w.a, v, a, "rejected", "Too strict", actor=w["coma"])
    db.session.commit()
    return f"/c/dorf-a/rules/v/{v.id}/conclude"


def _rules_ended(w):
    from portal.extensions import db

    from .support.rules import end_consultation, make_rules

    v = make_rules(w, "consultation")
    end_consultation(v)
    db.session.commit()
    return f"/c/dorf-a/rules/v/{v.id}/start-revision"


def _consultation_dates(w, r):
    from .support.rules import today

    return {"start": today().isoformat(), "end": today().isoformat()}


def _first_chapter(w, r):
    return {"text": "Keep the lanes clear.", "chapter": str(rules_chapter_id(w))}




DRAFT_ONLY = expect(404, coma=DONE)  # a draft does not exist for anyone but the committee
RV = "/c/<slug:slug>/rules/v/<id:version_id>"
RULES_ROUTES = [
    Route("/c/<slug:slug>/rules/", "GET", _fixed("/c/dorf-a/rules/"), expect(200)),
    Route("/c/<slug:slug>/rules/new", "POST", _fixed("/c/dorf-a/rules/new"), only(["coma"], DONE),
          lambda w, r: {"title": "Village rules", "kind": "village_rules"}),
    Route("/c/<slug:slug>/rules/<id:document_id>", "GET", _rules("adopted", "{doc}"), expect(200)),
    Route("/c/<slug:slug>/rules/<id:document_id>/adopted", "GET", _rules("adopted", "{doc}/adopted"), expect(200)),
    Route("/c/<slug:slug>/rules/<id:document_id>/print", "GET", _rules("adopted", "{doc}/print"), expect(200)),
    Route("/c/<slug:slug>/rules/<id:document_id>/history", "GET", _rules("adopted", "{doc}/history"), expect(200)),
    Route("/c/<slug:slug>/rules/<id:document_id>/redraft", "POST", _rules("adopted", "{doc}/redraft"),
          only(["coma"], DONE), lambda w, r: {"reason": "Parking rules"}),
    Route(RV, "GET", _rules(), expect(200)),
    Route(RV + "/chapters", "POST", _rules("drafting", "/chapters"), DRAFT_ONLY, lambda w, r: {"title": "附则"}),
    Route(RV + "/chapters/<id:chapter_id>", "POST", _rules("drafting", "/chapters/{chapter}"), DRAFT_ONLY,
          lambda w, r: {"title": "总则"}),
    Route(RV + "/clauses", "POST", _rules("drafting", "/clauses"), DRAFT_ONLY, _first_chapter),
    Route(RV + "/clauses/<id:clause_id>/edit", "GET", _rules("drafting", "/clauses/{clause}/edit"),
          expect(404, coma=200)),
    Route(RV + "/clauses/<id:clause_id>/edit", "POST", _rules("drafting", "/clauses/{clause}/edit"), DRAFT_ONLY,
          lambda w, r: {"text": "Keep the lanes clear."}),
    Route(RV + "/clauses/<id:clause_id>/move", "POST", _rules("drafting", "/clauses/{clause}/move"), DRAFT_ONLY,
          lambda w, r: {"direction": "down"}),
    Route(RV + "/clauses/<id:clause_id>/delete", "GET", _rules("drafting", "/clauses/{clause}/delete"),
          expect(404, coma=200)),
    Route(RV + "/clauses/<id:clause_id>/delete", "POST", _rules("drafting", "/clauses/{clause}/delete"), DRAFT_ONLY),
    Route(RV + "/clauses/<id:clause_id>", "GET", _rules("consultation", "/clauses/{clause}"), expect(200)),
    Route(RV + "/clauses/<id:clause_id>/comments", "POST", _rules("consultation", "/clauses/{clause}/comments"),
          only(VERIFIED, DONE), lambda w, r: {"body": "Agreed."}),
    Route(RV + "/clauses/<id:clause_id>/amendments", "POST", _rules("consultation", "/clauses/{clause}/amendments"),
          only(VERIFIED, DONE), lambda w, r: {"kind": "change", "text": "A new text.", "rationale": "Clearer"}),
    Route(RV + "/amendments/<id:amendment_id>", "GET", _rules("consultation", "/amendments/{amendment}"),
          expect(200)),
    Route(RV + "/amendments/<id:amendment_id>/support", "POST", _rules("consultation", "/amendments/{amendment}/support"),
          only(["meda", "coma"], DONE)),
    # The committee records the support of a resident who came in person (portal/assisted).
    Route(RV + "/amendments/<id:amendment_id>/support/assisted", "POST",
          _rules("consultation", "/amendments/{amendment}/support/assisted"), only(["coma"], DONE),
          lambda w, r: {**ASSISTED_FORM, "resident": "meda"}),
    Route(RV + "/amendments/<id:amendment_id>/comments", "POST",
          _rules("consultation", "/amendments/{amendment}/comments"), only(VERIFIED, DONE),
          lambda w, r: {"body": "Agreed."}),
    Route(RV + "/amendments/<id:amendment_id>/decide", "POST", _rules("revision", "/amendments/{amendment}/decide"),
          only(["coma"], DONE), lambda w, r: {"decision": "rejected", "reason": "Too strict"}),
    Route(RV + "/revision", "GET", _rules("revision", "/revision"), only(["coma"], 200)),
    Route(RV + "/consultation", "POST", _rules("drafting", "/consultation"), DRAFT_ONLY, _consultation_dates),
    Route(RV + "/start-revision", "POST", _rules_ended, only(["coma"], DONE)),
    Route(RV + "/conclude", "POST", _rules_decided, only(["coma"], DONE), lambda w, r: {"reason": "One change"}),
    Route(RV + "/adoption-vote", "POST", _rules("vote_draft", "/adoption-vote"), DRAFT_ONLY),
    Route(RV + "/filing", "GET", _rules("adopted", "/filing"), only(["coma"], 200)),
    Route(RV + "/filing", "POST", _rules("adopted", "/filing"), only(["coma"], DONE),
          lambda w, r: {"filed_on": _today_iso(), "reference": "Ref 12"}),
]


def _today_iso():
    from .support.rules import today

    return today().isoformat()

# --- Mediation (resa asks, meda mediates once assigned): need-to-know, everyone else 404 ------------
# Visitors are sent to sign in (the same answer for every case id). The full matrix with the
# other party, a second mediator and a bystander is in test_mediation_access.py.

def _case(state, suffix=""):
    def make(w):
        from .support.mediation import make_case

        return f"/c/dorf-a/mediation/{make_case(w, state).id}{suffix}"
    return make


def _assignment_url(w):
    from portal.mediation import services as ms

    from .support.mediation import make_case

    case = make_case(w, "mediating")
    return f"/c/dorf-a/mediation/{case.id}/mediators/{ms.active_assignments(case)[0].id}/remove"


def _other_mediator_data(w, r):
    from sqlalchemy import select

    from portal.extensions import db
    from portal.mediation.models import MediatorAssignment

    latest = db.session.execute(select(MediatorAssignment.id).order_by(
        MediatorAssignment.id.desc()).limit(1)).scalar_one_or_none()
    return {"assignment": str(latest or 1), "reason": ""}


def case_access(ok, viewers=("resa", "coma"), refused=403, allowed=()):
    """`ok` for `allowed`, `refused` for the other viewers of the case, 404 for everyone else."""
    table = expect(404, visitor=LOGIN)
    table.update({v: refused for v in viewers})
    table.update({a: ok for a in allowed})
    return table


WITH_MEDIATOR = ("resa", "meda", "coma")
MEDIATION_ROUTES = [
    Route("/c/<slug:slug>/mediation/", "GET", _fixed("/c/dorf-a/mediation/"), only(VERIFIED, 200)),
    Route("/c/<slug:slug>/mediation/figures", "GET", _fixed("/c/dorf-a/mediation/figures"), expect(200)),
    Route("/c/<slug:slug>/mediation/new", "GET", _fixed("/c/dorf-a/mediation/new"), only(VERIFIED, 200)),
    Route("/c/<slug:slug>/mediation/new", "POST", _fixed("/c/dorf-a/mediation/new"), only(VERIFIED, DONE),
          lambda w, r: {"category": "family", "what_happened": "x", "what_they_want": "y",
                        "other_party_name": "z", "urgency": "normal", "consent": "y"}),
    Route("/c/<slug:slug>/mediation/committee", "GET", _fixed("/c/dorf-a/mediation/committee"),
          only(["coma"], 200)),
    Route("/c/<slug:slug>/mediation/committee/export.json", "GET",
          _fixed("/c/dorf-a/mediation/committee/export.json"), only(["coma"], 200)),
    Route("/c/<slug:slug>/mediation/<id:case_id>", "GET", _case("mediating"), case_access(200, WITH_MEDIATOR, 200)),
    Route("/c/<slug:slug>/mediation/<id:case_id>/agreement", "GET", _case("agreement_written", "/agreement"),
          case_access(200, WITH_MEDIATOR, 200)),
    Route("/c/<slug:slug>/mediation/<id:case_id>/export.json", "GET", _case("agreement_written", "/export.json"),
          case_access(200, WITH_MEDIATOR, allowed=["resa"])),
    Route("/c/<slug:slug>/mediation/<id:case_id>/triage", "POST", _case("requested", "/triage"),
          case_access(DONE, allowed=["coma"]), lambda w, r: {"decision": "accept", "reason": "", "referral": ""}),
    Route("/c/<slug:slug>/mediation/<id:case_id>/other-party", "POST", _case("accepted", "/other-party"),
          case_access(DONE, allowed=["coma"]), lambda w, r: {"agrees": "yes"}),
    Route("/c/<slug:slug>/mediation/<id:case_id>/mediators", "POST", _case("accepted", "/mediators"),
          case_access(DONE, allowed=["coma"]), lambda w, r: {"mediator": str(w["meda"].id), "no_conflict": "y"}),
    Route("/c/<slug:slug>/mediation/<id:case_id>/mediators/<id:assignment_id>/remove", "POST", _assignment_url,
          case_access(DONE, WITH_MEDIATOR, allowed=["coma"])),
    Route("/c/<slug:slug>/mediation/<id:case_id>/conflict", "POST", _case("mediating", "/conflict"),
          case_access(DONE, WITH_MEDIATOR, allowed=["meda"])),
    Route("/c/<slug:slug>/mediation/<id:case_id>/no-conflict", "POST", _case("assigned", "/no-conflict"),
          case_access(DONE, WITH_MEDIATOR, allowed=["meda"]), lambda w, r: {"declare": "y"}),
    Route("/c/<slug:slug>/mediation/<id:case_id>/withdraw", "GET", _case("requested", "/withdraw"),
          case_access(200, allowed=["resa"])),
    Route("/c/<slug:slug>/mediation/<id:case_id>/withdraw", "POST", _case("requested", "/withdraw"),
          case_access(DONE, allowed=["resa"])),
    Route("/c/<slug:slug>/mediation/<id:case_id>/other-mediator", "POST", _case("mediating", "/other-mediator"),
          case_access(DONE, WITH_MEDIATOR, allowed=["resa"]), _other_mediator_data),
    Route("/c/<slug:slug>/mediation/<id:case_id>/sessions", "POST", _case("mediating", "/sessions"),
          case_access(DONE, WITH_MEDIATOR, allowed=["meda"]),
          lambda w, r: {"held_on": "2026-11-25", "place": "村委会", "attendees": "", "notes": ""}),
    Route("/c/<slug:slug>/mediation/<id:case_id>/outcome", "GET", _case("mediating", "/outcome"),
          case_access(200, WITH_MEDIATOR, allowed=["meda"])),
    Route("/c/<slug:slug>/mediation/<id:case_id>/outcome", "POST", _case("mediating", "/outcome"),
          case_access(DONE, WITH_MEDIATOR, allowed=["meda"]), lambda w, r: {"kind": "oral", "facts": "口头协议"}),
    Route("/c/<slug:slug>/mediation/<id:case_id>/follow-up", "POST", _case("agreement_written", "/follow-up"),
          case_access(DONE, WITH_MEDIATOR, allowed=["coma"]), lambda w, r: {"kept": "kept", "note": ""}),
    Route("/c/<slug:slug>/mediation/<id:case_id>/close", "POST", _case("followed_up", "/close"),
          case_access(DONE, WITH_MEDIATOR, allowed=["coma"])),
    Route("/c/<slug:slug>/mediation/<id:case_id>/rating", "POST", _case("closed", "/rating"),
          case_access(DONE, WITH_MEDIATOR, allowed=["resa"]), lambda w, r: {"stars": "5", "comment": ""}),
    Route("/c/<slug:slug>/mediation/<id:case_id>/correction", "POST", _case("mediating", "/correction"),
          case_access(DONE, WITH_MEDIATOR, allowed=["resa"]), lambda w, r: {"body": "电话写错了"}),
]
# --- Votes (a poll of community A made in the state the route needs; see tests/support/votes.py) ----

def _poll_url(state="open", suffix="", **kw):
    def make(w):
        from .support.votes import make_poll

        p = make_poll(w, state, **kw)
        return f"/c/dorf-a/votes/{p.id}{suffix}"
    return make


def _all_voted(suffix):
    def make(w):
        from portal.extensions import db
        from portal.votes import casting

        from .support.votes import make_poll

        p = make_poll(w, "open")
        for n in ("resa", "meda"):
            casting.cast(w.a, p, [1], actor=w[n])
        # The last ballot as cast before the last one closed the poll (a poll completed before
        # issue 14): everyone has voted and it is still open, for the committee to close.
        casting.write_ballot(p, w["coma"], [1], casting.take_part(w.a, p, w["coma"], "web", None))
        db.session.commit()
        return f"/c/dorf-a/votes/{p.id}{suffix}"
    return make


def _paper_to_confirm(w):
    """Totals entered by a second committee member (meda, made committee for this), for coma to confirm."""
    from portal.extensions import db
    from portal.votes import paper

    from .support.votes import make_poll

    cs.grant_role(w.a, membership(w.a, w["meda"]), "committee", actor=w["coma"])
    p = make_poll(w, "open")
    paper.enter_paper_totals(w.a, p, 0, 0, [0, 0, 0], actor=w["meda"])
    db.session.commit()
    return f"/c/dorf-a/votes/{p.id}/paper/confirm"


def db_session():
    from portal.extensions import db

    return db.session




VOTES_ROUTES = [
    Route("/c/<slug:slug>/votes/", "GET", _fixed("/c/dorf-a/votes/"), expect(200)),
    Route("/c/<slug:slug>/votes/mine", "GET", _fixed("/c/dorf-a/votes/mine"), only(VERIFIED, 200)),
    Route("/c/<slug:slug>/votes/new", "GET", _fixed("/c/dorf-a/votes/new"), only(["coma"], 200)),
    Route("/c/<slug:slug>/votes/new", "POST", _fixed("/c/dorf-a/votes/new"), only(["coma"], DONE), poll_form),
    Route("/c/<slug:slug>/votes/<id:poll_id>", "GET", _poll_url(), expect(200)),
    # A draft is the committee's: for everyone else it does not exist.
    Route("/c/<slug:slug>/votes/<id:poll_id>/edit", "GET", _poll_url("draft", "/edit"), expect(404, coma=200)),
    Route("/c/<slug:slug>/votes/<id:poll_id>/edit", "POST", _poll_url("draft", "/edit"), expect(404, coma=DONE),
          poll_form),
    Route("/c/<slug:slug>/votes/<id:poll_id>/open", "GET", _poll_url("draft", "/open"), expect(404, coma=200)),
    Route("/c/<slug:slug>/votes/<id:poll_id>/open", "POST", _poll_url("draft", "/open"), expect(404, coma=DONE)),
    Route("/c/<slug:slug>/votes/<id:poll_id>/close", "POST", _all_voted("/close"), only(["coma"], DONE)),
    Route("/c/<slug:slug>/votes/<id:poll_id>/confirm", "POST", _poll_url("open", "/confirm"), only(VERIFIED, 200),
          lambda w, r: {"choice": "1"}),
    # A cast is answered with the receipt itself (200, no-store): the code never goes in a URL.
    Route("/c/<slug:slug>/votes/<id:poll_id>/cast", "POST", _poll_url("open", "/cast"), only(VERIFIED, 200),
          lambda w, r: {"choice": "2"}),
    # Find my ballot (a POST: the code in no URL), once the ballots are published; an open poll has none.
    Route("/c/<slug:slug>/votes/<id:poll_id>/find", "GET", _poll_url("closed", "/find"), expect(200)),
    Route("/c/<slug:slug>/votes/<id:poll_id>/find", "POST", _poll_url("closed", "/find"), expect(200),
          lambda w, r: {"tracker": "AAAA-BBBB-CCCC-DDDD"}),
    Route("/c/<slug:slug>/votes/<id:poll_id>/ballots", "GET", _poll_url("closed", "/ballots"), expect(200)),
    Route("/c/<slug:slug>/votes/<id:poll_id>/ballots.csv", "GET", _poll_url("closed", "/ballots.csv", secret=False), expect(200)),
    Route("/c/<slug:slug>/votes/<id:poll_id>/roll.csv", "GET", _poll_url("closed", "/roll.csv", secret=False), only(VERIFIED, 200)),
    Route("/c/<slug:slug>/votes/<id:poll_id>/assisted", "GET", _poll_url("open", "/assisted"), only(["coma"], 200)),
    Route("/c/<slug:slug>/votes/<id:poll_id>/assisted", "POST", _poll_url("open", "/assisted"), only(["coma"], DONE),
          lambda w, r: {"voter": str(w["resa"].id), "choice": "1", **ASSISTED_FORM}),
    Route("/c/<slug:slug>/votes/<id:poll_id>/paper", "GET", _poll_url("open", "/paper"), only(["coma"], 200)),
    Route("/c/<slug:slug>/votes/<id:poll_id>/paper/mark", "POST", _poll_url("open", "/paper/mark"),
          only(["coma"], DONE), lambda w, r: {"voters": str(w["resa"].id)}),
    Route("/c/<slug:slug>/votes/<id:poll_id>/paper/totals", "POST", _poll_url("open", "/paper/totals"),
          only(["coma"], DONE), lambda w, r: {"ballots": "0", "invalid": "0", "count-1": "0", "count-2": "0",
                                              "count-3": "0"}),
    # meda entered these totals (made committee for it): the same person may not confirm them.
    Route("/c/<slug:slug>/votes/<id:poll_id>/paper/confirm", "POST", _paper_to_confirm,
          {**only(["coma"], DONE), "meda": 400}),
]

from .support.routes_unit_matters import unit_matters_routes  # noqa: E402

UNIT_MATTERS_ROUTES = unit_matters_routes(Route, expect, only, DONE, LOGIN)
from .support.routes_matters import matters_routes  # noqa: E402

MATTERS_ROUTES = matters_routes(Route, expect, only, DONE, LOGIN)

SIGNED_IN_ONLY_GET = expect(200, visitor=LOGIN)
SIGNED_IN_ONLY_POST = expect(DONE, visitor=LOGIN)

ROUTES = [
    Route("/", "GET", _fixed("/"), expect(200)),
    Route("/healthz", "GET", _fixed("/healthz"), expect(200)),
    Route("/static/css/portal.css", "GET", _fixed("/static/css/portal.css"), expect(200)),  # minified, for all
    Route("/display", "GET", _fixed("/display?toggle=large&next=/c/dorf-a/"), expect(303)),
    Route("/display", "POST", _fixed("/display"), expect(DONE),
          lambda w, r: {"toggle": "large", "next": "/c/dorf-a/"}),
    # Signed-in people asking for the register page are sent to their account (302, a plain GET
    # redirect in auth/views.py): not a permission refusal.
    Route("/register", "GET", _fixed("/register"), expect(302, visitor=200)),
    Route("/register", "POST", _fixed("/register"), expect(302, visitor=DONE),
          lambda w, r: {"username": "newcomer", "display_name": "Newcomer", "password": PASSWORD,
                        "confirm": PASSWORD}),
    Route("/login", "GET", _fixed("/login"), expect(200)),
    Route("/login", "POST", _fixed("/login"), expect(DONE),
          lambda w, r: {"login": "resa" if r == "visitor" else r, "password": PASSWORD}),
    Route("/logout", "POST", _fixed("/logout"), expect(DONE)),
    Route("/account", "GET", _fixed("/account"), SIGNED_IN_ONLY_GET),
    Route("/account/password", "GET", _fixed("/account/password"), SIGNED_IN_ONLY_GET),
    Route("/account/password", "POST", _fixed("/account/password"), SIGNED_IN_ONLY_POST,
          lambda w, r: {"current": PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD}),
    Route("/account/profile", "GET", _fixed("/account/profile"), SIGNED_IN_ONLY_GET),
    Route("/account/profile", "POST", _fixed("/account/profile"), SIGNED_IN_ONLY_POST,
          lambda w, r: {"display_name": "Renamed", "locale": "en", "large": "y"}),
    # Community A.
    Route("/c/<slug:slug>/", "GET", _fixed("/c/dorf-a/"), expect(200)),
    # Anyone signed in who is not a member (or was rejected) may ask; members and people
    # already waiting may not. Committee of B and the platform admin are plain people in A.
    Route("/c/<slug:slug>/join", "POST", _fixed("/c/dorf-a/join"),
          expect(403, visitor=LOGIN, nobody=DONE, reja=DONE, comb=DONE, root=DONE, grida=DONE, depa=DONE, stra=DONE,
                 disa=DONE),
          lambda w, r: {"message": "I live in group 3"}),
    Route("/c/<slug:slug>/members", "GET", _fixed("/c/dorf-a/members"), only(["coma"], 200)),
    Route("/c/<slug:slug>/members/<id:member_id>/approve", "POST", _member_url("penda", "approve"),
          only(["coma"], DONE)),
    Route("/c/<slug:slug>/members/<id:member_id>/reject", "POST", _member_url("penda", "reject"),
          only(["coma"], DONE), lambda w, r: {"reason": "Nobody in the village knows this person"}),
    Route("/c/<slug:slug>/members/add", "POST", _fixed("/c/dorf-a/members/add"), only(["coma"], DONE),
          lambda w, r: {"username": "nobody"}),
    Route("/c/<slug:slug>/members/<id:member_id>/roles/grant", "POST", _member_url("resa", "roles/grant"),
          only(["coma"], DONE), lambda w, r: {"role": "committee"}),
    Route("/c/<slug:slug>/members/<id:member_id>/roles/revoke", "POST", _member_url("meda", "roles/revoke"),
          only(["coma"], DONE), lambda w, r: {"role": "mediator"}),
    # The audit trail: verified members read it, the committee exports it. The platform admin
    # has no rights inside a community they do not belong to.
    Route("/c/<slug:slug>/audit/", "GET", _fixed("/c/dorf-a/audit/"), only(["resa", "meda", "coma"], 200)),
    Route("/c/<slug:slug>/audit/head", "GET", _fixed("/c/dorf-a/audit/head"), only(["resa", "meda", "coma"], 200)),
    Route("/c/<slug:slug>/audit/check", "GET", _fixed("/c/dorf-a/audit/check?head=1:" + "0" * 64),
          only(["resa", "meda", "coma"], 200)),
    Route("/c/<slug:slug>/audit/export.jsonl", "GET", _fixed("/c/dorf-a/audit/export.jsonl"),
          only(["coma"], 200)),
    Route("/c/<slug:slug>/audit/verify_trail.py", "GET", _fixed("/c/dorf-a/audit/verify_trail.py"),
          only(["resa", "meda", "coma"], 200)),
    # Platform administration.
    Route("/admin/", "GET", _fixed("/admin/"), only(["root"], 200)),
    Route("/admin/communities", "POST", _fixed("/admin/communities"), only(["root"], DONE),
          lambda w, r: {"slug": "dorf-c", "name": "Dorf C", "region": "Region C", "kind": "village",
                        "default_locale": "zh_Hans"}),
    Route("/admin/communities/<slug:slug>/committee", "POST", _fixed("/admin/communities/dorf-a/committee"),
          only(["root"], DONE), lambda w, r: {"username": "resa"}),
] + PROPOSAL_ROUTES + ROSTER_ROUTES + ASSISTED_ROUTES + RULES_ROUTES + MEDIATION_ROUTES + VOTES_ROUTES \
    + MATTERS_ROUTES + UNIT_MATTERS_ROUTES + LEVELS_ROUTES

# Routes under /c/<slug>/ that take a membership id: used for the foreign-object cases.
MEMBER_ROUTES = [r for r in ROUTES if "/members/<id:member_id>/" in r.rule]  # roster cards: tests/test_roster.py
MEMBER_DATA = {
    "approve": {},
    "reject": {"reason": "Not from here"},
    "roles/grant": {"role": "mediator"},
    "roles/revoke": {"role": "committee"},
}


def _url_map_routes(app) -> set[tuple[str, str]]:
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            found.add((rule.rule, method))
    return found


def test_table_covers_every_route(app):
    in_map = _url_map_routes(app)
    in_table = {(r.rule, r.method) for r in ROUTES}
    assert len(in_table) == len(ROUTES), "a route is listed twice"
    missing = sorted(in_map - in_table)
    stale = sorted(in_table - in_map)
    assert not missing, f"routes without a row in the permission table: {missing}"
    assert not stale, f"rows for routes that no longer exist: {stale}"


def test_table_lists_every_role():
    for route in ROUTES:
        assert set(route.expected) == set(ROLES), route.id


def _send(client, method, url, data):
    if method == "GET":
        return client.get(url, buffered=True)  # streamed bodies are read inside the request
    return client.post(url, data)


GETTABLE = {r.rule for r in ROUTES if r.method == "GET"}


def return_target(url, method, rule=None):
    """Where a visitor refused at `url` comes back to after signing in: the page itself for
    a GET; for a POST the same address if it can be opened, else the community's page (no
    Referer in these requests), else the start page. Never an address that is a 405."""
    if method == "GET":
        return url
    if rule in GETTABLE:
        return urlsplit(url).path
    if url.startswith("/c/dorf-a/"):
        return "/c/dorf-a/"
    return "/"


def check(response, expected, url, method, rule=None):
    status = response.status_code
    body = response.get_data()[:500].decode("utf-8", "replace")
    if expected == LOGIN:
        target = login_redirect_target(response)
        assert target is not None, f"expected a redirect to sign in, got {status} {response.headers.get('Location')}"
        wanted = return_target(url, method, rule)
        assert target == wanted, (target, wanted)
    elif expected == DONE:
        assert status == 303, f"expected 303 after the action, got {status}: {body}"
        # A refusal sends to /login?next=<where to come back>; a registration received goes to the
        # sign-in page without a next (issue 19, finding 6), which is its success.
        assert not login_redirect_target(response), "allowed POST sent to the login page"
    else:
        assert status == expected, f"expected {expected}, got {status} ({response.headers.get('Location')}): {body}"
        if expected == 200:
            assert response.mimetype in ("text/html", "application/json", "application/x-ndjson", "text/x-python",
                                         "text/css", "image/png", "audio/ogg", "text/csv", "image/webp")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.id)
def test_route_for_role(app, world, route, role):
    url = route.path(world)
    data = route.data(world, role) if route.data else {}
    client = client_as(app, role)
    before = row_counts()
    response = _send(client, route.method, url, data)
    expected = route.expected[role]
    check(response, expected, url, route.method, route.rule)
    if expected in (LOGIN, 403, 404):
        assert row_counts() == before, "a refused request wrote to the database"


# --- Objects of community B addressed through community A: always 404, never 403 --------------


def _foreign_ids(world):
    """Memberships of B: a pending one (so approve/reject would be allowed in B), the
    verified resident and the committee member of B; plus an id that does not exist."""
    waiting = cs.request_join(world.b, "", actor=world["nobody"])
    from portal.extensions import db

    db.session.commit()
    return {
        "pending-b": waiting.id,
        "resident-b": membership(world.b, world["resb"]).id,
        "committee-b": membership(world.b, world["comb"]).id,
        "missing": 999999,
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", MEMBER_ROUTES, ids=lambda r: r.id)
def test_foreign_membership_is_404(app, world, route, role):
    action = route.rule.split("<id:member_id>/")[1]
    ids = _foreign_ids(world)
    client = client_as(app, role)
    before = row_counts()
    for label, member_id in ids.items():
        url = f"/c/dorf-a/members/{member_id}/{action}"
        r = client.post(url, MEMBER_DATA[action])
        assert r.status_code == 404, (label, url, r.status_code)
    assert row_counts() == before


@pytest.mark.parametrize("role", ["coma", "comb", "root"])
def test_membership_of_a_through_b_is_404(app, world, role):
    """The other direction: A's people addressed through dorf-b, by every kind of manager."""
    client = client_as(app, role)
    before = row_counts()
    for username in ("penda", "resa", "coma"):
        member_id = membership(world.a, world[username]).id
        for action, data in MEMBER_DATA.items():
            r = client.post(f"/c/dorf-b/members/{member_id}/{action}", data)
            assert r.status_code == 404, (username, action, r.status_code)
    assert row_counts() == before


@pytest.mark.parametrize("role", ROLES + ("resb",))
def test_report_own_and_foreign_community(app, world, role):
    """Reports × every role × own/foreign community (issue 19, finding 9): A's proposal through
    dorf-b is a 404 for everyone; B's proposal through dorf-b is reported by B's members only
    (A's people, members or not there, get 403; visitors sign in); nothing refused is written."""
    a_pid, b_pid = _proposal()(world), _proposal(community="b", author="resb")(world)
    client = client_as(app, role)
    data = {"reason": "Private phone number in the text"}
    before = row_counts()
    for method in ("GET", "POST"):
        r = _send(client, method, f"/c/dorf-b/moderation/flag/proposal/{a_pid}", data)
        assert r.status_code == 404, (method, r.status_code)
    assert row_counts() == before
    url = f"/c/dorf-b/moderation/flag/proposal/{b_pid}"
    expected = {"visitor": LOGIN, "comb": DONE, "resb": 403}.get(role, 403)  # resb wrote it
    check(_send(client, "POST", url, data), expected, url, "POST", "/c/<slug:slug>/moderation/flag/"
          "<string:subject_type>/<id:subject_id>")
    if expected != DONE:
        assert row_counts() == before


# --- Unknown community: every /c/<slug>/ route is a 404 for everyone ---------------------------


def _unknown_community_url(rule: str) -> str:
    return (rule.replace("<slug:slug>", "no-such-village").replace("<id:member_id>", "1"))


@pytest.mark.parametrize("role", ROLES)
def test_unknown_community_is_404(app, world, role):
    client = client_as(app, role)
    community_routes = [r for r in ROUTES if r.rule.startswith("/c/")]
    assert len(community_routes) >= 8
    # The form data first: some rows' data functions make the object the form names.
    sends = [(route, _unknown_community_url(route.rule), route.data(world, role) if route.data else {})
             for route in community_routes]
    before = row_counts()
    for route, url, data in sends:
        r = _send(client, route.method, url, data)
        assert r.status_code == 404, (route.id, r.status_code)
    assert row_counts() == before


@pytest.mark.parametrize("role", ROLES)
def test_admin_appoint_in_unknown_community(app, world, role):
    client = client_as(app, role)
    before = row_counts()
    r = client.post("/admin/communities/no-such-village/committee", {"username": "resa"})
    expected = {"root": 404, "visitor": LOGIN}.get(role, 403)
    check(r, expected, "/admin/communities/no-such-village/committee", "POST", "/admin/communities/<slug:slug>/committee")
    assert row_counts() == before


# --- Details of the refusals ------------------------------------------------------------------


def test_login_redirect_keeps_the_query_string(app, world):
    client = client_as(app, "visitor")
    r = client.get("/c/dorf-a/audit/?action=role.granted")
    assert login_redirect_target(r) == "/c/dorf-a/audit/?action=role.granted"
    r = client.get("/account")
    assert login_redirect_target(r) == "/account"
    # After signing in the person lands where they wanted to go.
    r = client.post("/login", {"login": "resa", "password": PASSWORD, "next": "/c/dorf-a/audit/?action=role.granted"})
    assert r.status_code == 303
    assert r.headers["Location"] == "/c/dorf-a/audit/?action=role.granted"


def test_refused_post_returns_to_the_form_after_signing_in(app, world):
    """A POST cannot be replayed after signing in: come back to the page of the form."""
    visitor = client_as(app, "visitor")
    before = row_counts()
    r = visitor.post("/c/dorf-a/join", {"message": "hi"},
                     headers={"Referer": "http://localhost/c/dorf-a/?lang=en"})
    assert login_redirect_target(r) == "/c/dorf-a/?lang=en"
    # A Referer from elsewhere, or to a page that cannot be opened, is not followed.
    for referer in ("https://evil.example/c/dorf-a/", "http://localhost/c/dorf-a/join", "http://localhost//evil",
                    "javascript:alert(1)"):
        r = visitor.post("/c/dorf-a/join", {"message": "hi"}, headers={"Referer": referer})
        assert login_redirect_target(r) == "/c/dorf-a/", referer
    r = visitor.post("/admin/communities", {"slug": "x"}, headers={"Referer": "http://localhost/admin/"})
    assert login_redirect_target(r) == "/admin/"
    assert row_counts() == before
    # Every target given to a refused visitor opens after signing in (no 405).
    targets = set()
    for route in ROUTES:
        if route.expected["visitor"] == LOGIN:
            r = _send(visitor, route.method, route.path(world), route.data(world, "visitor") if route.data else {})
            targets.add(login_redirect_target(r))
    resa = client_as(app, "resa")
    for target in targets:
        assert resa.get(target).status_code in (200, 403), target


def test_forbidden_page_is_the_portal_error_page(app, world):
    client = client_as(app, "resa")
    r = client.get("/c/dorf-a/members")
    assert r.status_code == 403
    page = r.get_data(as_text=True)
    assert '<p class="lead">' in page and "<h1>" in page
    # No member data leaks into the refusal.
    assert "penda" not in page.lower()


def test_committee_of_b_sees_nothing_of_a(app, world):
    client = client_as(app, "comb")
    for url in ("/c/dorf-a/members", "/c/dorf-a/audit/", "/c/dorf-a/audit/export.jsonl"):
        assert client.get(url, buffered=True).status_code == 403, url
    # …while in their own community the same pages work.
    for url in ("/c/dorf-b/members", "/c/dorf-b/audit/", "/c/dorf-b/audit/export.jsonl"):
        assert client.get(url, buffered=True).status_code == 200, url


def test_demoted_committee_member_loses_rights_at_once(app, world):
    """Rights are read on every request, not cached in the session."""
    coma = client_as(app, "coma")
    assert coma.get("/c/dorf-a/members").status_code == 200
    # A second committee member takes coma's role away.
    cs.grant_role(world.a, membership(world.a, world["resa"]), "committee", actor=world["coma"])
    cs.revoke_role(world.a, membership(world.a, world["coma"]), "committee", actor=world["resa"])
    from portal.extensions import db

    db.session.commit()
    assert coma.get("/c/dorf-a/members").status_code == 403


# --- Village rules × phase: the same action in every phase it is not allowed in ---------------
# (The table above has each rules route in the phase where it is allowed.) Residents amend,
# comment and support only during the consultation; only the committee changes a phase and
# only from the right one; nobody edits a version that left drafting, an adopted one least of all.

PHASE_ROLES = ("visitor", "resa", "meda", "coma", "comb")
REFUSED = {"visitor": LOGIN, "resa": 403, "meda": 403, "coma": 403, "comb": 403}
HIDDEN_DRAFT = {role: 404 for role in PHASE_ROLES}  # drafts: 404 for all but the committee
HIDDEN_DRAFT["coma"] = 403

_NOT_DRAFTING = ("consultation", "revision", "adoption_vote", "adopted")
_EDIT_DATA = {"text": "Changed.", "title": "Changed", "chapter": "1", "direction": "down", "start": "2099-01-01",
              "end": "2099-01-02", "reason": "r", "kind": "delete", "rationale": "r", "body": "b",
              "decision": "rejected", "filed_on": "2026-01-01", "reference": "x"}
PHASE_CASES = (
    [(f"edit {p}", p, "/clauses/{clause}/edit", REFUSED) for p in _NOT_DRAFTING]
    + [(f"move {p}", p, "/clauses/{clause}/move", REFUSED) for p in _NOT_DRAFTING]
    + [(f"delete {p}", p, "/clauses/{clause}/delete", REFUSED) for p in _NOT_DRAFTING]
    + [(f"add clause {p}", p, "/clauses", REFUSED) for p in _NOT_DRAFTING]
    + [(f"add chapter {p}", p, "/chapters", REFUSED) for p in _NOT_DRAFTING]
    + [(f"amend {p}", p, "/clauses/{clause}/amendments", REFUSED) for p in ("revision", "adoption_vote", "adopted")]
    + [("amend drafting", "drafting", "/clauses/{clause}/amendments", HIDDEN_DRAFT)]
    + [(f"comment {p}", p, "/clauses/{clause}/comments", REFUSED) for p in ("revision", "adoption_vote", "adopted")]
    + [(f"support {p}", p, "/amendments/{amendment}/support", REFUSED) for p in ("revision",)]
    + [(f"decide {p}", p, "/amendments/{amendment}/decide", REFUSED) for p in ("consultation",)]
    + [(f"consultation {p}", p, "/consultation", REFUSED) for p in _NOT_DRAFTING]
    + [(f"revision {p}", p, "/start-revision", REFUSED) for p in ("consultation", "revision", "adopted")]
    + [(f"conclude {p}", p, "/conclude", REFUSED) for p in ("consultation", "adoption_vote", "adopted")]
    + [("vote from a first draft", "drafting", "/adoption-vote", HIDDEN_DRAFT)]
    + [(f"vote {p}", p, "/adoption-vote", REFUSED) for p in ("consultation", "revision", "adopted")]
    + [(f"filing {p}", p, "/filing", REFUSED) for p in ("consultation", "revision", "adoption_vote")]
)


@pytest.mark.parametrize("role", PHASE_ROLES)
@pytest.mark.parametrize("case", PHASE_CASES, ids=lambda c: c[0])
def test_rules_action_in_the_wrong_phase(app, world, case, role):
    _name, phase, suffix, expected = case
    url = _rules(phase, suffix)(world)
    client = client_as(app, role)
    before = row_counts()
    response = client.post(url, _EDIT_DATA)
    gettable = {"/clauses/{clause}/edit": RV + "/clauses/<id:clause_id>/edit", "/filing": RV + "/filing",
                "/clauses/{clause}/delete": RV + "/clauses/<id:clause_id>/delete"}
    check(response, expected[role], url, "POST", gettable.get(suffix))
    assert row_counts() == before, "a refused phase change wrote to the database"


@pytest.mark.parametrize("role", ["coma", "resa", "visitor"])
def test_rules_of_another_community_are_404(app, world, role):
    """Documents, versions, clauses and amendments of B addressed through A."""
    from portal.extensions import db
    from portal.rules import phases
    from portal.rules import services as rs

    from .support.rules import make_rules, today

    v = make_rules(world, "consultation", "b")
    clause = rs.clauses_of(v)[0]
    am = phases.propose_amendment(world.b, v, "delete", clause, "", "why", today(), actor=world["resb"])
    db.session.commit()
    client = client_as(app, role)
    before = row_counts()
    base = f"/c/dorf-a/rules/v/{v.id}"
    for url in (base, f"{base}/clauses/{clause.id}", f"{base}/amendments/{am.id}", f"/c/dorf-a/rules/{v.document_id}",
                f"/c/dorf-a/rules/{v.document_id}/history"):
        assert client.get(url).status_code == 404, url
    for url in (f"{base}/clauses/{clause.id}/amendments", f"{base}/amendments/{am.id}/support",
                f"{base}/clauses/{clause.id}/comments", f"{base}/start-revision"):
        assert client.post(url, _EDIT_DATA).status_code == 404, url
    assert row_counts() == before


# --- Votes beyond the route table: every poll route × poll state for the committee and a resident,
# and polls of another community (always 404, nothing written) --------------------------------

POLL_ROUTES = [r for r in VOTES_ROUTES if "<id:poll_id>" in r.rule]
STATES = ("draft", "open", "voted", "closed")
# (suffix, method) -> {state: (committee, resident)}; "voted" = open with a ballot (frozen).
MATRIX = {
    ("", "GET"): {"draft": (200, 404), "open": (200, 200), "voted": (200, 200), "closed": (200, 200)},
    ("/edit", "GET"): {"draft": (200, 404), "open": (200, 403), "voted": (403, 403), "closed": (403, 403)},
    ("/open", "GET"): {"draft": (200, 404), "open": (403, 403), "voted": (403, 403), "closed": (403, 403)},
    ("/open", "POST"): {"draft": (DONE, 404), "open": (403, 403), "voted": (403, 403), "closed": (403, 403)},
    # A rule that refuses (close early before everyone voted, a second ballot) shows the poll's page
    # again with the message: 400, never a bare error page.
    ("/close", "POST"): {"draft": (403, 404), "open": (400, 403), "voted": (400, 403), "closed": (403, 403)},
    ("/confirm", "POST"): {"draft": (404 + 0, 404), "open": (200, 200), "voted": (200, 303), "closed": (403, 403)},
    ("/cast", "POST"): {"draft": (404, 404), "open": (200, 200), "voted": (200, 400), "closed": (403, 403)},
    ("/ballots", "GET"): {"draft": (404, 404), "open": (404, 404), "voted": (404, 404), "closed": (200, 200)},
    # "closed" is a secret poll with one ballot: too few to publish its table and roll (issue 14).
    ("/ballots.csv", "GET"): {"draft": (404, 404), "open": (404, 404), "voted": (404, 404), "closed": (404, 404)},
    ("/roll.csv", "GET"): {"draft": (404, 404), "open": (404, 404), "voted": (404, 404), "closed": (404, 404)},
    ("/assisted", "GET"): {"draft": (403, 404), "open": (200, 403), "voted": (200, 403), "closed": (403, 403)},
    ("/paper", "GET"): {"draft": (403, 404), "open": (200, 403), "voted": (200, 403), "closed": (403, 403)},
}
# The draft's committee rows: coma sees the draft, so a refused action is a 403, not a 404.
MATRIX[("/confirm", "POST")]["draft"] = (403, 404)
MATRIX[("/cast", "POST")]["draft"] = (403, 404)


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("key", sorted(MATRIX), ids=lambda k: f"{k[1]} {k[0] or '/'}")
def test_route_by_poll_state(app, world, key, state):
    suffix, method = key
    for who, expected in zip(("coma", "resa"), MATRIX[key][state]):
        p = make_poll(world, state)  # a fresh poll per person: an allowed action changes the state
        client = client_as(app, who)
        url = f"/c/dorf-a/votes/{p.id}{suffix}"
        before = row_counts()
        if method == "GET":
            r = client.get(url, buffered=True)
        else:
            r = client.post(url, {"choice": "1"}, token_from="/c/dorf-a/votes/")
        if expected == 303:  # a resident who already voted is sent back to the poll from the check step
            assert r.status_code == 303 or r.status_code == 200, (who, r.status_code)
            continue
        check(r, expected, url, method)
        if expected in (403, 404):
            assert row_counts() == before


@pytest.mark.parametrize("role", ["visitor", "resa", "coma", "comb", "root"])
def test_polls_of_another_community_are_404(app, world, role):
    polls = {state: make_poll(world, state, community="b", actor="comb") for state in ("draft", "open", "closed")}
    client = client_as(app, role)
    before = row_counts()
    for route in POLL_ROUTES:
        for state, p in polls.items():
            url = route.rule.replace("<slug:slug>", "dorf-a").replace("<id:poll_id>", str(p.id)) \
                .replace("<string:tracker>", "AAAAAAAAAAAAAAAA")
            data = {"choice": "1", "voter": "1", "present": "y", "voters": "1", "ballots": "0"}
            r = client.get(url, buffered=True) if route.method == "GET" else client.post(url, data)
            assert r.status_code == 404, (route.id, state, r.status_code)
    assert row_counts() == before
