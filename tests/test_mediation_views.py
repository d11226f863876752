"""Mediation pages: hostile text in every field stays text, on every page that shows it;
the audit page does not tell residents who is in a mediation case."""
from __future__ import annotations

from datetime import date

import pytest
from markupsafe import escape

from portal.communities import services as cs
from portal.extensions import db
from portal.mediation import services as ms

from .support.helpers import Client, make_user
from .support.security import use_fast_passwords

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
EVIL = SCRIPT + IMG
EVIL_NAME = "<script>x</script>" + IMG  # fits a display name (50)


def _assert_inert(html: str, where: str):
    low = html.lower()
    assert "<script" not in low, f"live <script> on {where}"
    assert "<img" not in low, f"live <img> on {where}"
    assert "onerror=alert(1)>" not in low, where


@pytest.fixture
def hostile(app, world, monkeypatch):
    """A case where every free-text field, and the names of the people, are attack strings."""
    use_fast_passwords(monkeypatch)
    w = world
    evil = make_user("evilparty", name=EVIL_NAME)
    cs.add_resident(w.a, evil, actor=w["coma"])
    w["resa"].display_name = EVIL_NAME
    case = ms.file_request(w.a, category="other", what_happened=EVIL, what_they_want=EVIL,
                           other_party_name=EVIL[:80], other_party_contact=IMG, other_party=evil,
                           contact_time=SCRIPT, urgency="urgent", consent=True, actor=w["resa"])
    ms.triage(w.a, case, True, EVIL, actor=w["coma"])
    ms.other_party_answer(w.a, case, True, actor=w["coma"])
    a = ms.assign_mediator(w.a, case, w["meda"], actor=w["coma"])
    ms.declare_no_conflict(w.a, case, a, actor=w["meda"])
    ms.request_other_mediator(w.a, case, a, EVIL, actor=evil)
    ms.add_session(w.a, case, date(2026, 11, 1), EVIL[:120], EVIL, EVIL, actor=w["meda"])
    ms.record_outcome(w.a, case, "written", facts=EVIL, issues=EVIL, terms=[(EVIL, IMG, None)], actor=w["meda"])
    ms.record_follow_up(w.a, case, "partly", EVIL, actor=w["coma"])
    ms.request_correction(w.a, case, EVIL, actor=evil)
    db.session.commit()
    return w, case


def test_hostile_text_is_escaped_on_every_mediation_page(app, hostile):
    w, case = hostile
    base = f"/c/dorf-a/mediation/{case.id}"
    pages = [("coma", base), ("resa", base), ("evilparty", base), ("meda", base), ("resa", base + "/agreement"),
             ("coma", "/c/dorf-a/mediation/committee"), ("resa", "/c/dorf-a/mediation/"),
             ("coma", "/c/dorf-a/audit/"), ("resa", "/c/dorf-a/mediation/figures")]
    for who, url in pages:
        client = Client(app)
        client.login(who)
        r = client.get(url)
        assert r.status_code == 200, (url, who)
        html = r.get_data(as_text=True)
        _assert_inert(html, f"{url} as {who}")
        if url == base:
            assert str(escape(SCRIPT)) in html  # shown, as text
    client = Client(app)
    client.login("coma")
    r = client.post(base + "/close")
    assert r.status_code == 303
    _assert_inert(client.get(base).get_data(as_text=True), "closed case")


def test_hostile_text_in_forms_shown_again(app, hostile):
    w, case = hostile
    client = Client(app)
    client.login("resa")
    r = client.post("/c/dorf-a/mediation/new", {"category": "nope" + IMG, "what_happened": EVIL,
                                                "what_they_want": EVIL, "other_party_name": EVIL,
                                                "other_party_username": EVIL[:32], "urgency": "normal",
                                                "consent": "y"})
    assert r.status_code == 400
    _assert_inert(r.get_data(as_text=True), "intake form with errors")
    r = client.post("/c/dorf-a/mediation/new", {"category": "family", "what_happened": "x", "what_they_want": "y",
                                                "other_party_name": "z", "other_party_username": IMG[:32],
                                                "urgency": "normal", "consent": "y"})
    assert r.status_code == 400  # no such resident: the name comes back escaped in the message
    _assert_inert(r.get_data(as_text=True), "unknown other party")


def test_audit_page_does_not_tell_residents_who_is_in_a_case(app, world, monkeypatch):
    """The chain keeps who looked at which case; the audit page shows residents only when
    and what for mediation events, the committee everything."""
    from .support.mediation import make_case

    use_fast_passwords(monkeypatch)
    world["resa"].display_name = "申请人小红"
    world["meda"].display_name = "调解员老赵"
    db.session.commit()
    case = make_case(world, "mediating")
    meda = Client(app)
    meda.login("meda")
    assert meda.get(f"/c/dorf-a/mediation/{case.id}").status_code == 200
    bystander = make_user("bystander")
    cs.add_resident(world.a, bystander, actor=world["coma"])
    db.session.commit()
    client = Client(app)
    client.login("bystander")
    for action in ("mediation.requested", "mediation.viewed", "mediation.mediator_assigned"):
        html = client.get(f"/c/dorf-a/audit/?action={action}").get_data(as_text=True)
        assert "申请人小红" not in html and "调解员老赵" not in html, action
        # A filter runs over the events the resident may see: the case's events are not found at all.
        assert "mediation_case" not in html and "A private record" not in client.get(
            f"/c/dorf-a/audit/?action={action}&lang=en").get_data(as_text=True)
    # Unfiltered, they are listed as their number and hash only.
    html = client.get("/c/dorf-a/audit/?lang=en").get_data(as_text=True)
    assert "A private record" in html and "mediation_case" not in html and "调解员老赵" not in html
    html = client.get(f"/c/dorf-a/audit/?actor={world['resa'].id}").get_data(as_text=True)
    assert "mediation_case" not in html
    coma = Client(app)
    coma.login("coma")
    html = coma.get("/c/dorf-a/audit/?action=mediation.requested").get_data(as_text=True)
    assert "申请人小红" in html and "mediation_case" in html
