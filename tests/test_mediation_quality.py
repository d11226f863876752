"""Issue 14 (mediation): who is offered as a mediator, the mediator's own no-conflict
declaration, withdrawing a request, the printed agreement, status labels and the intake's words."""
from __future__ import annotations

import re

from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.communities import services as cs
from portal.extensions import db
from portal.mediation import services as ms
from portal.mediation.models import Agreement
from portal.roster.models import Household, HouseholdMember

from .support.helpers import make_user, membership
from .support.mediation import OTHER_NAME, OTHER_PHONE, make_case
from .support.pages import en
from .support.security import use_fast_passwords


def _options(html: str, select_id: str) -> list[str]:
    block = html[html.index(f'id="{select_id}"'):]
    block = block[:block.index("</select>")]
    return re.findall(r'<option[^>]*>([^<]*)</option>', block)


def _main(html: str) -> str:
    return html[html.index("<main"):html.index("</main>")]


def test_an_assigned_mediator_is_not_offered_again(app, world, monkeypatch):
    use_fast_passwords(monkeypatch)
    w = world
    w.users["medx"] = make_user("medx", name="钱调解员")
    cs.grant_role(w.a, cs.add_resident(w.a, w["medx"], actor=w["coma"]), "mediator", actor=w["coma"])
    db.session.commit()
    case = make_case(w, "mediating")  # meda is on it
    html = en(app, "coma").get(f"/c/dorf-a/mediation/{case.id}").get_data(as_text=True)
    assert _options(html, "mediator") == ["钱调解员"], "the assigned mediator is offered again"
    ms.declare_conflict(w.a, case, ms.active_assignments(case)[0], actor=w["meda"])
    ms.assign_mediator(w.a, case, w["medx"], actor=w["coma"])
    db.session.commit()
    html = en(app, "coma").get(f"/c/dorf-a/mediation/{case.id}").get_data(as_text=True)
    assert 'id="mediator"' not in html  # meda stepped aside, medx is on it: nobody left
    assert "No other mediator can be assigned" in html


def test_the_committee_assigns_and_only_the_mediator_declares(app, world):
    w = world
    case = make_case(w, "accepted")
    coma = en(app, "coma")
    html = coma.get(f"/c/dorf-a/mediation/{case.id}").get_data(as_text=True)
    form = html[html.index(f'action="/c/dorf-a/mediation/{case.id}/mediators"'):]
    form = form[:form.index("</form>")]
    assert 'type="checkbox"' not in form and "no_conflict" not in form, "the committee ticks it for him"
    r = coma.post(f"/c/dorf-a/mediation/{case.id}/mediators", {"mediator": str(w["meda"].id)})
    assert r.status_code == 303
    html = coma.get(f"/c/dorf-a/mediation/{case.id}").get_data(as_text=True)
    assert "The mediator has not yet declared that there is no conflict of interest." in html
    assert f'action="/c/dorf-a/mediation/{case.id}/no-conflict"' not in html
    # The committee cannot send the mediator's declaration.
    assert coma.post(f"/c/dorf-a/mediation/{case.id}/no-conflict", {"declare": "y"}).status_code == 403
    meda = en(app, "meda")
    listed = meda.get("/c/dorf-a/mediation/").get_data(as_text=True)
    assert "open it and declare that you have no conflict of interest" in listed
    html = meda.get(f"/c/dorf-a/mediation/{case.id}").get_data(as_text=True)
    assert f'action="/c/dorf-a/mediation/{case.id}/no-conflict"' in html
    r = meda.post(f"/c/dorf-a/mediation/{case.id}/no-conflict", {"declare": "y"})
    assert r.status_code == 303
    ev = db.session.execute(select(AuditEvent).where(AuditEvent.action == "mediation.no_conflict_declared")).scalar_one()
    assert ev.actor_id == w["meda"].id
    html = coma.get(f"/c/dorf-a/mediation/{case.id}").get_data(as_text=True)
    assert re.search(r'class="status status-done">Declared: no conflict<', html)
    assert "open it and declare" not in meda.get("/c/dorf-a/mediation/").get_data(as_text=True)


def test_a_resident_withdraws_a_request_after_a_check_screen(app, world):
    w = world
    case = make_case(w, "requested")
    resa = en(app, "resa")
    page = resa.get(f"/c/dorf-a/mediation/{case.id}").get_data(as_text=True)
    assert f'href="/c/dorf-a/mediation/{case.id}/withdraw"' in page
    check = resa.get(f"/c/dorf-a/mediation/{case.id}/withdraw").get_data(as_text=True)
    assert "Withdraw your request?" in check and "No, keep it" in check
    db.session.refresh(case)
    assert case.state == "requested", "the check screen changed something"
    r = resa.post(f"/c/dorf-a/mediation/{case.id}/withdraw", {})
    assert r.status_code == 303
    db.session.refresh(case)
    assert case.state == "withdrawn"
    committee = en(app, "coma").get("/c/dorf-a/mediation/committee").get_data(as_text=True)
    assert re.search(r'class="status status-refused">Withdrawn<', committee)
    page = resa.get(f"/c/dorf-a/mediation/{case.id}").get_data(as_text=True)
    assert "/withdraw" not in page
    assert resa.get(f"/c/dorf-a/mediation/{case.id}/withdraw").status_code == 403


def test_the_printed_agreement_carries_what_a_peoples_mediation_agreement_needs(app, world):
    w = world
    household = Household(community_id=w.a.id, name="东头三号院")
    db.session.add(household)
    db.session.flush()
    db.session.add(HouseholdMember(membership_id=membership(w.a, w["resa"]).id, household_id=household.id))
    db.session.commit()
    case = make_case(w, "agreement_written")
    a = db.session.execute(select(Agreement).where(Agreement.case_id == case.id)).scalar_one()
    html = _main(en(app, "resa").get(f"/c/dorf-a/mediation/{case.id}/agreement").get_data(as_text=True))
    assert f"No. {w.a.name} mediation {a.year}-{a.serial}" in html
    assert "Household: 东头三号院" in html  # from the roster
    assert OTHER_NAME in html and OTHER_PHONE in html  # what the case holds of the other party
    signed = ms.local_date(a.created_at)
    assert "Signed on" in html and str(signed.year) in html
    assert "three copies: one for each party and one for the people" in html
    for private in ("晚上七点以后", "王二态度缓和"):  # the contact time, the private notes: not needed
        assert private not in html


def test_the_printed_agreement_in_chinese(app, world):
    case = make_case(world, "agreement_written")
    a = db.session.execute(select(Agreement).where(Agreement.case_id == case.id)).scalar_one()
    from .support.security import client_as

    html = _main(client_as(app, "resa").get(f"/c/dorf-a/mediation/{case.id}/agreement").get_data(as_text=True))
    assert f"调字〔{a.year}〕第{a.serial}号" in html
    assert "本协议一式三份，双方当事人、人民调解委员会各执一份。" in html


def test_case_states_are_status_labels(app, world):
    case = make_case(world, "mediating")
    html = en(app, "resa").get("/c/dorf-a/mediation/").get_data(as_text=True)
    assert re.search(r'class="status status-open">In mediation<', html)
    html = en(app, "resa").get(f"/c/dorf-a/mediation/{case.id}").get_data(as_text=True)
    assert re.search(r'class="status status-open">In mediation<', html)
