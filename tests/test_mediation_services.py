"""Mediation rules: 回避, triage, outcome, follow-up, ratings in aggregate, the parties'
data export and corrections, retention, and the privacy of the audit chain."""
from __future__ import annotations

import io
import json
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from portal.audit import verify_community
from portal.audit.models import AuditEvent
from portal.communities import services as cs
from portal.db import utcnow
from portal.extensions import db
from portal.mediation import queries, retention
from portal.mediation import services as ms
from portal.mediation.models import (
    Agreement,
    CaseSession,
    CorrectionRequest,
    MediationCase,
    MediatorAssignment,
    Rating,
)
from portal.uploads.models import Attachment
from portal.web.errors import RuleViolation

from .support.helpers import Client, make_user
from .support.mediation import OTHER_NAME, OTHER_PHONE, STORY, WISH, make_case
from .support.recordings import decodes, ogg_opus
from .support.security import use_fast_passwords



@pytest.fixture
def w(app, world, monkeypatch):
    use_fast_passwords(monkeypatch)
    for name in ("opa", "medx"):
        world.users[name] = make_user(name, name="邻居" + name)
        m = cs.add_resident(world.a, world[name], actor=world["coma"])
        if name == "medx":
            cs.grant_role(world.a, m, "mediator", actor=world["coma"])
    db.session.commit()
    return world


def test_intake_stores_the_consent_text_and_version(w):
    case = make_case(w, "requested")
    assert case.consent_version == ms.CONSENT_VERSION
    assert case.consent_text == ms.consent_text() and len(case.consent_text) > 50
    assert case.origin == "self" and case.requester_id == w["resa"].id
    with pytest.raises(RuleViolation):
        ms.file_request(w.a, category="family", what_happened="x", what_they_want="y",
                        other_party_name="z", consent=False, actor=w["resa"])
    with pytest.raises(RuleViolation):  # the other party must not be the person asking
        ms.file_request(w.a, category="family", what_happened="x", what_they_want="y",
                        other_party_name="z", other_party=w["resa"], consent=True, actor=w["resa"])
    with pytest.raises(RuleViolation):  # a resident of another community cannot be named by account
        ms.file_request(w.a, category="family", what_happened="x", what_they_want="y",
                        other_party_name="z", other_party=w["resb"], consent=True, actor=w["resa"])


def test_committee_files_on_behalf_of_a_resident_in_person(app, w):
    """Filing for a resident who came in person is an assisted action (portal/assisted): both
    confirmations, "recorded by X with Y" in the resident's history with a notice at sign-in,
    disputable; the audit page keeps who is in the case from everyone but the committee."""
    from portal.assisted.models import AssistedAction

    from .support.helpers import PASSWORD
    from .support.pages import audit_seq, chain_ok, en, events_after, follow, page
    from .support.security import row_counts

    w["resa"].display_name = "申请人小红"
    db.session.commit()
    url = "/c/dorf-a/mediation/new"
    data = {"category": "land_housing", "what_happened": "宅基地边界", "what_they_want": "重新量一下",
            "other_party_name": "李四", "urgency": "urgent", "consent": "y", "on_behalf_username": "resa"}
    coma = en(app, "coma")
    assert "The resident is here with me in person" in page(coma, url)
    before, seq = row_counts(), audit_seq(w.a)
    for extra, message in (({}, "Confirm that the resident is here in person"),
                           ({"present": "y"}, "Confirm that the resident is here in person"),
                           ({"agreed": "y"}, "Confirm that the resident is here in person"),
                           ({"present": "y", "agreed": "y", "on_behalf_username": "coma"}, "for yourself")):
        r = coma.post(url, {**data, **extra})
        assert r.status_code == 400 and message in r.get_data(as_text=True), extra
    assert row_counts() == before
    r = coma.post(url, {**data, "present": "y", "agreed": "y"})
    assert "is filed in the name of 申请人小红" in follow(coma, r)
    case = db.session.execute(select(MediationCase).order_by(MediationCase.id.desc())).scalars().first()
    assert (case.origin, case.requester_id, case.recorded_by_id) == ("on_behalf", w["resa"].id, w["coma"].id)
    entry = db.session.execute(select(AssistedAction)).scalar_one()
    assert (entry.resident_id, entry.recorded_by_id, entry.kind, entry.subject_type, entry.subject_id) == \
        (w["resa"].id, w["coma"].id, "mediation.requested", "mediation_case", case.id)
    events = events_after(w.a, seq)
    assert [e.action for e in events] == ["mediation.requested", "assisted.recorded", "mediation.viewed"]
    assert STORY[:4] not in events[1].payload and "宅基地" not in "".join(e.payload for e in events)
    # The resident is told at sign-in, sees it as theirs and can object.
    resa = en(app, "visitor")
    assert "The committee recorded 1 action with you." in follow(resa, resa.post(
        "/login", {"login": "resa", "password": PASSWORD}))
    mine = page(resa, "/c/dorf-a/assisted/")
    assert "Mediation requested" in mine and f'href="/c/dorf-a/mediation/{case.id}"' in mine
    assert f"recorded by {w['coma'].display_name} with 申请人小红" in mine
    assert resa.get(f"/c/dorf-a/mediation/{case.id}").status_code == 200
    r = resa.post(f"/c/dorf-a/assisted/{entry.id}/dispute", {"reason": "我只想问问，不想申请。"},
                  token_from="/c/dorf-a/assisted/")
    assert "You objected on" in follow(resa, r)
    assert f'href="/c/dorf-a/mediation/{case.id}"' in page(coma, "/c/dorf-a/assisted/disputes")
    # Neither the filing nor the objection tells another resident who is in a case.
    bystander = en(app, "opa")
    for action in ("assisted.recorded", "assisted.disputed", "mediation.requested"):
        html = page(bystander, f"/c/dorf-a/audit/?action={action}")
        assert "申请人小红" not in html and "mediation_case" not in html and "A private record" not in html, action
        assert "mediation_case" in page(coma, f"/c/dorf-a/audit/?action={action}"), action
    html = page(bystander, "/c/dorf-a/audit/")
    assert "A private record" in html and "申请人小红" not in html and "mediation_case" not in html
    chain_ok(w.a)
    # A resident cannot file for someone else: the field is ignored for them.
    resa = Client(app)
    resa.login("resa")
    r = resa.post("/c/dorf-a/mediation/new", {
        "category": "family", "what_happened": "x", "what_they_want": "y", "other_party_name": "z",
        "urgency": "normal", "consent": "y", "on_behalf_username": "opa"})
    assert r.status_code == 303
    case = db.session.execute(select(MediationCase).order_by(MediationCase.id.desc())).scalars().first()
    assert case.requester_id == w["resa"].id and case.origin == "self"


def test_intake_with_a_voice_recording_and_a_photo(app, w):
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (30, 20), "red").save(buf, "JPEG")
    resa = Client(app)
    resa.login("resa")
    r = resa.post("/c/dorf-a/mediation/new", {
        "category": "noise_sanitation", "what_happened": "见录音", "what_they_want": "安静",
        "other_party_name": "楼上", "urgency": "normal", "consent": "y",
        "voice": (io.BytesIO(ogg_opus(0.3)), "录音.ogg"), "photos": [(io.BytesIO(buf.getvalue()), "wall.jpg")]},
        content_type="multipart/form-data")
    assert r.status_code == 303, r.get_data(as_text=True)[:2000]
    case_id = int(r.headers["Location"].rsplit("/", 1)[1])
    files = db.session.execute(select(Attachment).where(Attachment.owner_type == "mediation_case",
                                                        Attachment.owner_id == case_id)).scalars().all()
    assert sorted(f.kind for f in files) == ["audio", "image"]
    audio = next(f for f in files if f.kind == "audio")
    r = resa.get(f"/c/dorf-a/files/{audio.id}", buffered=True)
    assert r.status_code == 200 and r.data[:4] == b"OggS" and r.data != ogg_opus(0.3) and decodes(r.data)
    assert r.headers["Content-Disposition"].startswith("attachment;")
    assert r.headers["Cache-Control"] == "no-store" and "ETag" not in r.headers
    # Without consent nothing is stored.
    before = db.session.execute(select(MediationCase.id)).all()
    r = resa.post("/c/dorf-a/mediation/new", {"category": "family", "what_happened": "x", "what_they_want": "y",
                                              "other_party_name": "z", "urgency": "normal"})
    assert r.status_code == 400
    assert db.session.execute(select(MediationCase.id)).all() == before


def test_decline_needs_a_reason_and_where_to_turn(app, w):
    case = make_case(w, "requested")
    with pytest.raises(RuleViolation):
        ms.triage(w.a, case, False, "", "court", actor=w["coma"])
    with pytest.raises(RuleViolation):
        ms.triage(w.a, case, False, "合同纠纷", "", actor=w["coma"])
    db.session.rollback()
    case = make_case(w, "declined")
    assert case.state == "declined" and case.referral == "court" and case.triaged_at
    resa = Client(app)
    resa.login("resa")
    html = resa.get(f"/c/dorf-a/mediation/{case.id}?lang=en").get_data(as_text=True)
    assert "这是合同纠纷" in html and "court" in html, html[html.find("<main"):][:3000]


def test_recusal_rules(w):
    """回避: a party cannot mediate; a mediator who declared a conflict is never assigned again;
    only mediators of the community."""
    case = make_case(w, "accepted", other_party="opa")
    cs.grant_role(w.a, cs._membership(w.a, w["opa"]), "mediator", actor=w["coma"])
    for who in ("opa", "resa", "resx", "resb"):
        if who not in w.users:
            continue
        with pytest.raises(RuleViolation):
            ms.assign_mediator(w.a, case, w[who], actor=w["coma"])
    a = ms.assign_mediator(w.a, case, w["meda"], actor=w["coma"])
    with pytest.raises(RuleViolation):  # twice
        ms.assign_mediator(w.a, case, w["meda"], actor=w["coma"])
    ms.declare_conflict(w.a, case, a, actor=w["meda"])
    assert not a.active and a.conflict_declared
    with pytest.raises(RuleViolation):
        ms.assign_mediator(w.a, case, w["meda"], actor=w["coma"])
    # A removed mediator (no conflict) may come back, and declares again.
    b = ms.assign_mediator(w.a, case, w["medx"], actor=w["coma"])
    ms.declare_no_conflict(w.a, case, b, actor=w["medx"])
    ms.remove_mediator(w.a, case, b, actor=w["coma"])
    again = ms.assign_mediator(w.a, case, w["medx"], actor=w["coma"])
    assert again.id == b.id and not again.no_conflict_declared and again.no_conflict_declared_at is None


def test_the_no_conflict_declaration_is_the_mediators_own_act(w):
    """Issue 14, 8: the committee assigns without declaring anything for him; only the assigned
    mediator declares, once, audited; before he has, he records no session and no outcome."""
    case = make_case(w, "accepted", other_party="opa")
    ms.other_party_answer(w.a, case, True, actor=w["coma"])
    a = ms.assign_mediator(w.a, case, w["meda"], actor=w["coma"])
    assert case.state == "mediating" and not a.no_conflict_declared
    with pytest.raises(RuleViolation):
        ms.add_session(w.a, case, date(2026, 11, 20), "村委会", "", "", actor=w["meda"])
    with pytest.raises(RuleViolation):
        ms.record_outcome(w.a, case, "oral", facts="说好了", actor=w["meda"])
    for who in ("coma", "medx", "resa"):  # nobody declares for him
        with pytest.raises(RuleViolation):
            ms.declare_no_conflict(w.a, case, a, actor=w[who])
    ms.declare_no_conflict(w.a, case, a, actor=w["meda"])
    assert a.no_conflict_declared and a.no_conflict_declared_at is not None
    with pytest.raises(RuleViolation):
        ms.declare_no_conflict(w.a, case, a, actor=w["meda"])
    db.session.commit()
    ev = db.session.execute(select(AuditEvent).where(AuditEvent.action == "mediation.no_conflict_declared")).scalar_one()
    assert ev.actor_id == w["meda"].id and ev.subject_id == case.id
    ms.add_session(w.a, case, date(2026, 11, 20), "村委会", "", "", actor=w["meda"])


def test_a_request_is_withdrawn_by_its_requester_before_it_is_accepted(w):
    case = make_case(w, "requested", other_party="opa")
    for who in ("opa", "coma", "meda"):
        with pytest.raises(RuleViolation):
            ms.withdraw_request(w.a, case, actor=w[who])
    ms.withdraw_request(w.a, case, actor=w["resa"])
    assert case.state == "withdrawn" and case.closed_at is not None and case.finished_at == case.closed_at
    db.session.commit()
    ev = db.session.execute(select(AuditEvent).where(AuditEvent.action == "mediation.withdrawn")).scalar_one()
    assert ev.actor_id == w["resa"].id
    accepted = make_case(w, "accepted")
    with pytest.raises(RuleViolation):
        ms.withdraw_request(w.a, accepted, actor=w["resa"])
    assert accepted.state == "accepted"


def test_agreements_are_numbered_per_community_and_year(w):
    """Issue 14, 15: 调字〔year〕第 n 号, given when the agreement is recorded, unique."""
    w.users["medb"] = make_user("medb", name="乙村调解员")
    cs.grant_role(w.b, cs.add_resident(w.b, w["medb"], actor=w["comb"]), "mediator", actor=w["comb"])
    first = make_case(w, "agreement_written")
    second = make_case(w, "agreement_oral")
    other = make_case(w, "agreement_written", requester="resb", mediator="medb", community=w.b)
    year = ms.local_date(ms_agreement(first).created_at).year
    assert [(ms_agreement(c).year, ms_agreement(c).serial) for c in (first, second, other)] == \
        [(year, 1), (year, 2), (year, 1)]  # per community
    assert ms_agreement(first).community_id == w.a.id and ms_agreement(other).community_id == w.b.id


def ms_agreement(case):
    return db.session.execute(select(Agreement).where(Agreement.case_id == case.id)).scalar_one()


def test_mediation_starts_only_with_agreement_and_a_mediator(w):
    case = make_case(w, "accepted")
    ms.assign_mediator(w.a, case, w["meda"], actor=w["coma"])
    assert case.state == "accepted"
    ms.other_party_answer(w.a, case, True, actor=w["coma"])
    assert case.state == "mediating" and case.assigned_at
    refused = make_case(w, "party_declined")
    assert refused.state == "party_declined" and refused.other_party_agreed is False


def test_party_asks_for_another_mediator(app, w):
    case = make_case(w, "mediating", other_party="opa")
    a = ms.active_assignments(case)[0]
    opa = Client(app)
    opa.login("opa")
    r = opa.post(f"/c/dorf-a/mediation/{case.id}/other-mediator", {"assignment": str(a.id), "reason": "他是我表哥"})
    assert r.status_code == 303
    db.session.refresh(a)
    assert a.change_requested_at and a.change_reason == "他是我表哥"
    coma = Client(app)
    coma.login("coma")
    html = coma.get(f"/c/dorf-a/mediation/{case.id}").get_data(as_text=True)
    assert "他是我表哥" in html


def test_written_agreement_and_print_view(app, w):
    case = make_case(w, "mediating")
    with pytest.raises(RuleViolation):  # a written agreement needs a term
        ms.record_outcome(w.a, case, "written", facts="x", terms=[("", "", None)], actor=w["meda"])
    ms.record_outcome(w.a, case, "written", facts="水沟堵塞", issues="谁修",
                      terms=[("疏通水沟", "王二自己动手", date(2026, 12, 1)), ("赔偿200元", "现金", None)], actor=w["meda"])
    db.session.commit()
    a = db.session.execute(select(Agreement).where(Agreement.case_id == case.id)).scalar_one()
    assert [t.what for t in a.terms] == ["疏通水沟", "赔偿200元"]
    resa = Client(app)
    resa.login("resa")
    html = resa.get(f"/c/dorf-a/mediation/{case.id}/agreement").get_data(as_text=True)
    assert "疏通水沟" in html and "30" in html and "sign-box seal" in html


def test_follow_up_close_and_ratings_only_in_aggregate(app, w):
    cases = [make_case(w, "agreement_written", other_party="opa") for _ in range(3)]
    for i, case in enumerate(cases):
        ms.record_follow_up(w.a, case, "kept", "", actor=w["coma"])
        ms.close_case(w.a, case, actor=w["coma"])
        ms.rate(w.a, case, 3 + i, f"评价{i}", actor=w["resa"])
        with pytest.raises(RuleViolation):
            ms.rate(w.a, case, 5, "", actor=w["resa"])
        with pytest.raises(RuleViolation):  # the mediator does not rate their own work
            ms.rate(w.a, case, 5, "", actor=w["meda"])
    db.session.commit()
    f = queries.figures(w.a)
    assert f.ratings == 3 and f.mean_stars == 4.0
    html = Client(app).get("/c/dorf-a/mediation/figures").get_data(as_text=True)
    assert "4.0" in html and "评价" not in html and OTHER_NAME not in html


def test_figures_suppress_small_counts(app, w):
    make_case(w, "requested")
    make_case(w, "failed")
    f = queries.figures(w.a)
    assert f.total == 2
    assert dict(f.by_category)["neighbours"] is None  # 2 < MIN_CELL: not shown
    assert f.median_days is None and f.mean_stars is None
    for _ in range(2):
        make_case(w, "failed")
    f = queries.figures(w.a)
    assert dict(f.by_category)["neighbours"] == 4 and dict(f.by_outcome)["failed"] == 3
    assert f.median_days is not None


def test_overdue_cases_come_first_for_the_committee(app, w):
    late = make_case(w, "requested")
    late.requested_at = utcnow() - timedelta(days=10)
    slow = make_case(w, "mediating")
    slow.assigned_at = utcnow() - timedelta(days=60)
    fresh = make_case(w, "requested")
    db.session.commit()
    rows = queries.committee_cases(w.a)
    assert [r.overdue for r in rows[:2]] == ["triage", "outcome"] or \
        [r.overdue for r in rows[:2]] == ["outcome", "triage"]
    assert {r.case.id for r in rows[:2]} == {late.id, slow.id}
    assert next(r for r in rows if r.case.id == fresh.id).overdue == ""
    coma = Client(app)
    coma.login("coma")
    html = coma.get("/c/dorf-a/mediation/committee").get_data(as_text=True)
    assert html.count('class="row overdue"') == 2


def test_party_export_and_correction(app, w):
    case = make_case(w, "agreement_written", other_party="opa")
    opa = Client(app)
    opa.login("opa")
    r = opa.get(f"/c/dorf-a/mediation/{case.id}/export.json")
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    assert r.headers["Content-Disposition"].startswith("attachment")
    data = json.loads(r.data)
    assert data["your_role"] == "other_party" and data["what_happened"] == STORY
    assert data["other_party"] == {"name": OTHER_NAME, "contact": OTHER_PHONE, "has_account": True}
    assert data["agreement"]["terms"][0]["what"] == "王二疏通水沟"
    assert data["consent"]["version"] == ms.CONSENT_VERSION
    r = opa.post(f"/c/dorf-a/mediation/{case.id}/correction", {"body": "我的电话是 13900000000"})
    assert r.status_code == 303
    assert db.session.execute(select(CorrectionRequest.body)).scalar_one() == "我的电话是 13900000000"
    coma = Client(app)
    coma.login("coma")
    assert "我的电话是 13900000000" in coma.get(f"/c/dorf-a/mediation/{case.id}").get_data(as_text=True)
    assert "我的电话是 13900000000" not in opa.get(f"/c/dorf-a/mediation/{case.id}").get_data(as_text=True)
    actions = [e.action for e in db.session.execute(select(AuditEvent).where(
        AuditEvent.subject_type == "mediation_case", AuditEvent.subject_id == case.id)).scalars()]
    assert "mediation.exported" in actions and "mediation.correction_asked" in actions


def test_committee_export_is_audited(app, w):
    make_case(w, "failed")
    coma = Client(app)
    coma.login("coma")
    r = coma.get("/c/dorf-a/mediation/committee/export.json")
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    data = json.loads(r.data)
    assert data[0]["sessions"][0]["notes"] == "王二态度缓和"
    last = db.session.execute(select(AuditEvent).order_by(AuditEvent.id.desc())).scalars().first()
    assert last.action == "mediation.cases_exported" and json.loads(last.payload)["data"] == {"cases": 1}


def test_case_files_never_reach_public_pages(app, w):
    case = make_case(w, "closed")
    visitor = Client(app)
    resx = Client(app)
    make_user("resx2")
    for client in (visitor,):
        for url in ("/", "/c/dorf-a/", "/c/dorf-a/proposals/", "/c/dorf-a/proposals/?q=" + "水沟",
                    "/c/dorf-a/mediation/figures"):
            html = client.get(url).get_data(as_text=True)
            for secret in (STORY, WISH, OTHER_NAME, OTHER_PHONE):
                assert secret not in html, (url, secret)
    resx.login("resa")  # even the requester's community pages never list the case contents
    html = resx.get("/c/dorf-a/").get_data(as_text=True)
    assert STORY not in html
    assert case.id


def _mediation_payloads():
    """The mediation events' payloads, without their random salts and hex digests: a 128-bit salt or
    a file's sha256 holds any four digits now and then ("1371" of a phone number), which is chance,
    not a leak."""
    return [re.sub(r"[0-9a-f]{16,}", "", e.payload) for e in db.session.execute(select(AuditEvent)).scalars()
            if e.action.startswith("mediation.") or e.subject_type == "mediation_case" or "mediation_case" in e.payload]


def test_audit_payloads_hold_no_personal_details(app, w, monkeypatch):
    """Every mediation event, after every use case and every page: no names, phone numbers or text."""
    monkeypatch.setattr(retention, "_remove_unreferenced", lambda keys: None)
    from .support.mediation import ACTIONS, do_action  # noqa: F401

    cases = {s: make_case(w, s, other_party="opa") for s in
             ("requested", "declined", "party_declined", "accepted", "mediating", "agreement_written",
              "agreement_oral", "failed", "followed_up", "closed")}
    c = cases["mediating"]
    from portal.uploads import services as up

    up.save_audio(w.a, FileStorage(io.BytesIO(ogg_opus(0.3)), filename="王二麻子的录音.ogg"), "mediation_case", c.id, actor=w["resa"])
    a = ms.active_assignments(c)[0]
    ms.request_other_mediator(w.a, c, a, "换人吧 13712345678", actor=w["opa"])
    ms.request_correction(w.a, c, "改一下：张三 13612345678", actor=w["resa"])
    ms.rate(w.a, cases["closed"], 2, "调解员态度不好", actor=w["resa"])
    db.session.commit()
    for who in ("resa", "opa", "meda", "coma"):
        client = Client(app)
        client.login(who)
        for case in cases.values():
            client.get(f"/c/dorf-a/mediation/{case.id}")
            client.get(f"/c/dorf-a/mediation/{case.id}/agreement")
            client.get(f"/c/dorf-a/mediation/{case.id}/export.json")
        att = db.session.execute(select(Attachment).where(Attachment.owner_type == "mediation_case")).scalar_one()
        client.get(f"/c/dorf-a/files/{att.id}", buffered=True)
    Client(app).get("/c/dorf-a/mediation/figures")
    coma = Client(app)
    coma.login("coma")
    coma.get("/c/dorf-a/mediation/committee/export.json")
    retention.anonymise(cases["closed"], w.a)
    db.session.commit()
    payloads = _mediation_payloads()
    assert len(payloads) > 80
    secrets = [STORY, WISH, OTHER_NAME, OTHER_PHONE, "晚上七点以后", "这是合同纠纷", "村委会调解室", "王二态度缓和",
               "水沟堵塞", "王二疏通水沟", "自己动手", "已疏通", "可以向法院起诉", "口头约定", "换人吧", "13712345678",
               "张三", "13612345678", "调解员态度不好", "王二麻子的录音", "Resa", "Meda", "Coma", "邻居opa"]
    for secret in secrets:
        # Text and pieces of it (a name inside a longer string).
        for piece in {secret, secret[:4]}:
            leaks = [p for p in payloads if piece in p]
            assert not leaks, (piece, leaks[:2])
    assert verify_community(w.a).ok


def test_anonymise_due_removes_personal_data_and_keeps_figures(app, w):
    from portal.uploads import upload_root

    old = make_case(w, "closed", other_party="opa")
    ms.rate(w.a, old, 4, "很好", actor=w["resa"])
    att = ms_upload(w, old)
    recent = make_case(w, "closed")
    still_open = make_case(w, "mediating")
    long_ago = utcnow() - timedelta(days=4 * 365)
    old.closed_at = long_ago
    still_open.requested_at = long_ago  # open cases are never anonymised, however old
    db.session.commit()
    figures_before = queries.figures(w.a)
    path = upload_root() / att.storage_key
    assert path.exists()

    runner = app.test_cli_runner()
    r = runner.invoke(args=["mediation", "anonymise-due", "--dry-run"])
    assert r.exit_code == 0 and "1 case(s) due" in r.output
    r = runner.invoke(args=["mediation", "anonymise-due"])
    assert r.exit_code == 0 and "anonymised 1 case(s)" in r.output, r.output
    db.session.expire_all()
    old = db.session.get(MediationCase, old.id)
    assert old.state == "anonymised" and old.final_state == "closed" and old.anonymised_at
    for attr in ("what_happened", "what_they_want", "other_party_name", "other_party_contact", "contact_time",
                 "consent_text"):
        assert getattr(old, attr) == "", attr
    assert old.requester_id is None and old.other_party_id is None
    assert all(s.notes == "" and s.place == "" for s in db.session.execute(
        select(CaseSession).where(CaseSession.case_id == old.id)).scalars())
    agreement = db.session.execute(select(Agreement).where(Agreement.case_id == old.id)).scalar_one()
    assert agreement.facts == "" and all(t.what == "" for t in agreement.terms)
    rating = db.session.execute(select(Rating).where(Rating.case_id == old.id)).scalar_one()
    assert rating.user_id is None and rating.comment == "" and rating.stars == 4
    assert db.session.execute(select(Attachment).where(Attachment.owner_id == old.id,
                                                       Attachment.owner_type == "mediation_case")).first() is None
    assert not path.exists()
    assert db.session.get(MediationCase, recent.id).state == "closed"
    assert db.session.get(MediationCase, still_open.id).state == "mediating"
    after = queries.figures(w.a)
    assert (after.total, after.by_category, after.by_outcome, after.ratings) == \
        (figures_before.total, figures_before.by_category, figures_before.by_outcome, figures_before.ratings)
    # Nobody reaches the personal data any more; the requester no longer sees the case.
    resa = Client(app)
    resa.login("resa")
    assert resa.get(f"/c/dorf-a/mediation/{old.id}").status_code == 404
    assert verify_community(w.a).ok
    # A shorter period from the command line; nothing twice.
    r = runner.invoke(args=["mediation", "anonymise-due", "--days", "1"])
    assert "anonymised 0 case(s)" in r.output
    app.config["MEDIATION_RETENTION_DAYS"] = 0
    r = runner.invoke(args=["mediation", "anonymise-due"])
    assert r.exit_code != 0


def ms_upload(w, case):
    from portal.uploads import services as up

    a = up.save_audio(w.a, FileStorage(io.BytesIO(ogg_opus(0.3)), filename="x.ogg"), "mediation_case", case.id, actor=w["resa"])
    db.session.commit()
    return a


def test_conflict_route_removes_the_mediator(app, w):
    case = make_case(w, "mediating")
    meda = Client(app)
    meda.login("meda")
    r = meda.post(f"/c/dorf-a/mediation/{case.id}/conflict")
    assert r.status_code == 303
    a = db.session.execute(select(MediatorAssignment).where(MediatorAssignment.case_id == case.id)).scalar_one()
    assert a.conflict_declared and not a.active
    assert meda.get(f"/c/dorf-a/mediation/{case.id}").status_code == 404
