"""Need-to-know: every mediation route × (requester, other party, assigned mediator,
unassigned mediator, committee, other resident, visitor, committee of another
community) → 200 / done / 403 / 404 / sign-in, attachments included.

People without a need to know get 404 (the case is not confirmed to exist); people
who see the case but may not do this get 403; visitors are sent to sign in, the same
answer for every case id. A refused request writes nothing at all."""
from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Callable

import pytest
from werkzeug.datastructures import FileStorage

from portal.communities import services as cs
from portal.extensions import db

from .support.helpers import Client, make_user
from .support.mediation import make_case
from .support.recordings import decodes, ogg_opus
from .support.security import login_redirect_target, row_counts, use_fast_passwords

DONE, LOGIN = "done", "login"
PEOPLE = ("requester", "other_party", "mediator", "other_mediator", "committee", "other_resident", "visitor",
          "foreign_committee")
LOGINS = {"requester": "resa", "other_party": "opa", "mediator": "meda", "other_mediator": "medx",
          "committee": "coma", "other_resident": "resx", "foreign_committee": "comb"}


@pytest.fixture
def mworld(app, world, monkeypatch):
    """conftest's world plus, in A: the other party `opa`, a second mediator `medx` and a
    resident `resx` who has nothing to do with the cases."""
    use_fast_passwords(monkeypatch)
    for name in ("opa", "medx", "resx"):
        world.users[name] = make_user(name)
        m = cs.add_resident(world.a, world[name], actor=world["coma"])
        if name == "medx":
            cs.grant_role(world.a, m, "mediator", actor=world["coma"])
    db.session.commit()
    return world


def case_in(state):
    def make(w):
        case = make_case(w, state, other_party="opa")
        from portal.uploads import services as up

        a = up.save_audio(w.a, FileStorage(io.BytesIO(ogg_opus(0.3)), filename="我的录音.ogg"), "mediation_case",
                          case.id, actor=w["resa"])
        db.session.commit()
        return case, a
    return make


def expect(default, **per):
    return {p: per.get(p, default) for p in PEOPLE}


def seen_by(ok, mediator=True, refused=403, allowed=()):
    """`ok` for `allowed` among the four who may see the case (the mediator only once
    assigned), `refused` for the other viewers, 404 for the rest, sign-in for visitors."""
    table = expect(404, visitor=LOGIN)
    for p in ("requester", "other_party", "committee") + (("mediator",) if mediator else ()):
        table[p] = refused
    table.update({k: ok for k in allowed})
    return table


def only(*who, ok=DONE, mediator=True):
    return seen_by(ok, mediator, allowed=who)


@dataclass(frozen=True)
class R:
    name: str
    method: str
    state: str | None  # None: no case needed
    path: Callable  # (case, attachment) -> path under /c/dorf-a/mediation
    expected: dict
    data: Callable | None = None  # (world, case) -> form data


def _case(suffix=""):
    return lambda c, a: f"/c/dorf-a/mediation/{c.id}{suffix}"


def _assignment(w, case):
    from portal.mediation import services as ms

    if isinstance(case, _Fake):
        return 7
    return ms.active_assignments(case)[0].id


ALL_VERIFIED = expect(200, visitor=LOGIN, foreign_committee=403)
ROUTES = [
    R("my cases", "GET", None, lambda c, a: "/c/dorf-a/mediation/", ALL_VERIFIED),
    R("figures", "GET", None, lambda c, a: "/c/dorf-a/mediation/figures", expect(200)),
    R("intake form", "GET", None, lambda c, a: "/c/dorf-a/mediation/new", ALL_VERIFIED),
    R("intake", "POST", None, lambda c, a: "/c/dorf-a/mediation/new",
      expect(DONE, visitor=LOGIN, foreign_committee=403),
      lambda w, c: {"category": "family", "what_happened": "x", "what_they_want": "y", "other_party_name": "z",
                    "urgency": "normal", "consent": "y"}),
    R("committee list", "GET", None, lambda c, a: "/c/dorf-a/mediation/committee",
      expect(403, visitor=LOGIN, committee=200)),
    R("committee export", "GET", None, lambda c, a: "/c/dorf-a/mediation/committee/export.json",
      expect(403, visitor=LOGIN, committee=200)),
    R("case (requested)", "GET", "requested", _case(), seen_by(200, mediator=False, refused=200)),
    R("case (mediating)", "GET", "mediating", _case(), seen_by(200, refused=200)),
    R("case (closed)", "GET", "closed", _case(), seen_by(200, refused=200)),
    R("attachment", "GET", "mediating", lambda c, a: f"/c/dorf-a/files/{a.id}",
      dict(seen_by(200, refused=200), visitor=404)),
    R("agreement print", "GET", "agreement_written", _case("/agreement"), seen_by(200, refused=200)),
    R("party export", "GET", "agreement_written", _case("/export.json"), only("requester", "other_party", ok=200)),
    R("triage", "POST", "requested", _case("/triage"), only("committee", mediator=False),
      lambda w, c: {"decision": "accept", "reason": "", "referral": ""}),
    R("other party answer", "POST", "accepted", _case("/other-party"),
      only("committee", "other_party", mediator=False), lambda w, c: {"agrees": "yes"}),
    R("assign mediator", "POST", "accepted", _case("/mediators"), only("committee", mediator=False),
      lambda w, c: {"mediator": str(w["medx"].id)}),
    R("remove mediator", "POST", "mediating", lambda c, a: f"/c/dorf-a/mediation/{c.id}/mediators/"
      f"{_assignment(None, c)}/remove", only("committee")),
    R("declare conflict", "POST", "mediating", _case("/conflict"), only("mediator")),
    R("declare no conflict", "POST", "assigned", _case("/no-conflict"), only("mediator"),
      lambda w, c: {"declare": "y"}),
    R("withdraw check screen", "GET", "requested", _case("/withdraw"), only("requester", ok=200, mediator=False)),
    R("withdraw", "POST", "requested", _case("/withdraw"), only("requester", mediator=False)),
    R("ask other mediator", "POST", "mediating", _case("/other-mediator"), only("requester", "other_party"),
      lambda w, c: {"assignment": str(_assignment(w, c)), "reason": ""}),
    R("add session", "POST", "mediating", _case("/sessions"), only("mediator"),
      lambda w, c: {"held_on": "2026-11-25", "place": "村委会", "attendees": "", "notes": ""}),
    R("outcome form", "GET", "mediating", _case("/outcome"), only("mediator", ok=200)),
    R("outcome", "POST", "mediating", _case("/outcome"), only("mediator"),
      lambda w, c: {"kind": "oral", "facts": "口头协议"}),
    R("follow-up", "POST", "agreement_written", _case("/follow-up"), only("committee"),
      lambda w, c: {"kept": "kept", "note": ""}),
    R("close", "POST", "followed_up", _case("/close"), only("committee")),
    R("rating", "POST", "closed", _case("/rating"), only("requester", "other_party"),
      lambda w, c: {"stars": "4", "comment": ""}),
    R("correction", "POST", "mediating", _case("/correction"), only("requester", "other_party"),
      lambda w, c: {"body": "电话号码写错了"}),
]


def test_every_mediation_route_is_in_the_matrix(app):
    """The matrix names every mediation endpoint and method (plus the private files)."""
    adapter = app.url_map.bind("localhost")
    in_map = {(r.endpoint, m) for r in app.url_map.iter_rules() if r.endpoint.startswith("mediation.")
              for m in r.methods - {"HEAD", "OPTIONS"}}
    covered = {(adapter.match(r.path(_Fake(), _Fake()), method=r.method)[0], r.method) for r in ROUTES}
    assert in_map <= covered, sorted(in_map - covered)
    assert ("files.get", "GET") in covered


class _Fake:
    id = 7


def _client(app, person):
    c = Client(app)
    if person != "visitor":
        c.login(LOGINS[person])
    return c


def _check(person, response, expected, url):
    status = response.status_code
    if expected == LOGIN:
        assert login_redirect_target(response) is not None, (person, url, status)
    elif expected == DONE:
        assert status == 303 and login_redirect_target(response) is None, \
            (person, url, status, response.get_data(as_text=True)[:1500])
    else:
        assert status == expected, (person, url, status, response.headers.get("Location"))


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.name}")
def test_access(app, mworld, monkeypatch, route):
    from portal.mediation import retention

    monkeypatch.setattr(retention, "_remove_unreferenced", lambda keys: None)
    assert set(route.expected) == set(PEOPLE)
    for person in PEOPLE:
        case, attachment = case_in(route.state)(mworld) if route.state else (_Fake(), _Fake())
        url = route.path(case, attachment)
        data = route.data(mworld, case) if route.data else {}
        client = _client(app, person)
        before = row_counts()
        if route.method == "GET":
            r = client.get(url, buffered=True)
        else:
            r = client.post(url, data)
        expected = route.expected[person]
        _check(person, r, expected, url)
        if expected in (LOGIN, 403, 404):
            assert row_counts() == before, f"refused {person} wrote something on {url}"
        if expected == 200 and route.name == "attachment":
            assert r.headers["Content-Disposition"].startswith("attachment;")
            assert r.headers["Cache-Control"] == "no-store"
            assert r.data[:4] == b"OggS" and decodes(r.data)  # opusenc's file, not the upload
        if expected == 200 and route.state is not None and route.name != "party export":
            # Every look at a case leaves a trace: who, which case, never the contents.
            from sqlalchemy import select

            from portal.audit.models import AuditEvent

            last = db.session.execute(select(AuditEvent).where(AuditEvent.community_id == mworld.a.id)
                                      .order_by(AuditEvent.seq.desc()).limit(1)).scalar_one()
            assert last.action == "mediation.viewed" and last.subject_id == case.id
            assert last.actor_id == mworld[LOGINS[person]].id


@pytest.mark.parametrize("person", ["committee", "foreign_committee", "requester"])
def test_case_of_a_through_b_is_404(app, mworld, person):
    case, attachment = case_in("mediating")(mworld)
    client = _client(app, person)
    before = row_counts()
    for url in (f"/c/dorf-b/mediation/{case.id}", f"/c/dorf-b/mediation/{case.id}/agreement",
                f"/c/dorf-b/files/{attachment.id}", f"/c/dorf-b/mediation/{case.id}/export.json"):
        assert client.get(url, buffered=True).status_code == 404, url
    r = client.post(f"/c/dorf-b/mediation/{case.id}/correction", {"body": "x"})
    assert r.status_code == 404
    assert row_counts() == before


def test_unknown_case_ids_are_404_and_visitors_cannot_probe(app, mworld):
    case, _ = case_in("requested")(mworld)
    coma = _client(app, "committee")
    assert coma.get("/c/dorf-a/mediation/999999").status_code == 404
    visitor = _client(app, "visitor")
    # The same answer for a case that exists and one that does not.
    for url in (f"/c/dorf-a/mediation/{case.id}", "/c/dorf-a/mediation/999999"):
        r = visitor.get(url)
        assert login_redirect_target(r) == url


def test_removed_mediator_loses_access_at_once(app, mworld):
    from portal.mediation import services as ms

    case, _ = case_in("mediating")(mworld)
    meda = _client(app, "mediator")
    assert meda.get(f"/c/dorf-a/mediation/{case.id}").status_code == 200
    ms.remove_mediator(mworld.a, case, ms.active_assignments(case)[0], actor=mworld["coma"])
    db.session.commit()
    assert meda.get(f"/c/dorf-a/mediation/{case.id}").status_code == 404


def test_session_notes_only_for_mediators_and_committee(app, mworld):
    case, _ = case_in("agreement_written")(mworld)
    for person, sees in (("mediator", True), ("committee", True), ("requester", False), ("other_party", False)):
        html = _client(app, person).get(f"/c/dorf-a/mediation/{case.id}").get_data(as_text=True)
        assert ("王二态度缓和" in html) is sees, person
        assert "村委会调解室" in html  # the session itself is no secret to the parties
    data = _client(app, "requester").get(f"/c/dorf-a/mediation/{case.id}/export.json").get_json()
    assert data["sessions"] and "notes" not in data["sessions"][0]
