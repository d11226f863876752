"""Roster import, households and login cards (issue 7)."""
from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.auth.models import User
from portal.communities.models import Membership
from portal.extensions import db
from portal.roster import csvfile
from portal.roster import services as rs
from portal.roster.models import Household, HouseholdMember, LoginCard

from .support.helpers import membership
from .support.pages import audit_seq, chain_ok, en, events_after, page
from .support.security import client_as, row_counts

ROSTER = "姓名,户,手机\n王秀英,三组12号,13900000001\n王建国,三组12号,\n李桂兰,五组3号,\n"


def upload(client, text: str | bytes, name="roster.csv"):
    data = text.encode() if isinstance(text, str) else text
    return client.post("/c/dorf-a/roster/preview", {"roster": (io.BytesIO(data), name)},
                       token_from="/c/dorf-a/roster/")


def confirm(client, html):
    m = re.search(r'name="roster_text" type="hidden" value="([^"]*)"', html)
    assert m, "no confirmation form"
    import html as h
    return client.post("/c/dorf-a/roster/import", {"roster_text": h.unescape(m.group(1))},
                       token_from="/c/dorf-a/roster/")


def members_of(community):
    return db.session.execute(select(func.count()).select_from(Membership).where(
        Membership.community_id == community.id, Membership.status == "verified")).scalar_one()


# --------------------------------------------------------------------------- the file

def test_parse_headers_encodings_and_errors():
    rows, errors = csvfile.parse(csvfile.decode(("\ufeff" + ROSTER).encode()))
    assert not errors and [(r.name, r.household, r.mobile) for r in rows] == [
        ("王秀英", "三组12号", "13900000001"), ("王建国", "三组12号", ""), ("李桂兰", "五组3号", "")]
    # GBK from an older Excel, English header in another order, no header at all.
    assert csvfile.decode(ROSTER.encode("gbk")) == ROSTER
    rows, _ = csvfile.parse("mobile,name\n139 0000 0002,Zhang San\n")
    assert (rows[0].name, rows[0].mobile) == ("Zhang San", "13900000002")
    rows, _ = csvfile.parse("赵六,一组1号\n")
    assert (rows[0].name, rows[0].household, rows[0].line) == ("赵六", "一组1号", 1)
    rows, _ = csvfile.parse("姓名,户,手机\n,一组,\n钱七,一组,12345\n" + "孙" * 51 + ",一组,\n周八,一组,\n周八,一组,\n")
    assert [(r.line, [str(e) for e in r.errors]) for r in rows] == [
        (2, ["The name is missing."]), (3, ["The mobile number is not an 11-digit mainland number."]),
        (4, ["The name is longer than 50 characters."]), (5, []), (6, ["The same person is already on line 5."])]
    assert [str(e) for e in csvfile.parse("\n \n")[1]] == ["The file has no rows."]
    assert csvfile.parse("a\n" * (csvfile.MAX_ROWS + 1))[1]
    with pytest.raises(ValueError):
        csvfile.decode(b"\xff\xfe\x00\x81\x00")


# --------------------------------------------------------------------------- import

def test_preview_imports_nothing_then_confirm_imports_once(app, world):
    coma = en(app, "coma")
    before, seq, residents = row_counts(), audit_seq(world.a), members_of(world.a)
    r = upload(coma, ROSTER)
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "New residents: 3" in html and "Import 3 residents" in html
    assert row_counts() == before and audit_seq(world.a) == seq  # a preview writes nothing
    r = confirm(coma, html)
    assert r.status_code == 303 and r.headers["Location"].endswith("/roster/households")
    assert members_of(world.a) == residents + 3
    added = db.session.execute(select(User).where(User.display_name.in_(["王秀英", "王建国", "李桂兰"]))).scalars().all()
    assert {u.username for u in added} >= {"13900000001"}
    assert all(u.password_hash == rs.NO_PASSWORD for u in added)
    homes = {h.name: h for h in db.session.execute(select(Household).where(Household.community_id == world.a.id)).scalars()}
    assert set(homes) == {"三组12号", "五组3号"}
    rep = db.session.get(Membership, homes["三组12号"].representative_id)
    assert rep.user.display_name == "王秀英"  # the first named
    actions = [e.action for e in events_after(world.a, seq)]
    assert actions.count("membership.added") == 3 and actions[-1] == "roster.imported"
    assert '"added":3' in events_after(world.a, seq)[-1].payload
    # The same file again: everyone is already there, nothing is offered, nothing added.
    counted = members_of(world.a)
    html = upload(coma, ROSTER).get_data(as_text=True)
    assert "already on the roster: 3" in html and "Everyone in this file is already on the roster." in html
    assert 'name="roster_text"' in html and "Import 0" not in html
    r = confirm(coma, html)
    assert r.status_code == 303 and members_of(world.a) == counted
    assert db.session.execute(select(func.count()).select_from(HouseholdMember)).scalar_one() == 3
    # An imported resident cannot sign in with any password before using a card.
    r = client_as(app, "visitor").post("/login", {"login": "13900000001", "password": "!"})
    assert r.status_code != 303
    chain_ok(world.a)


def test_errors_are_shown_line_by_line_and_nothing_is_imported(app, world):
    coma = en(app, "coma")
    before = row_counts()
    r = upload(coma, "姓名,户,手机\n王秀英,三组,13900000001\n,三组,\n李四,三组,999\n")
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and 'name="roster_text"' not in html
    assert "The name is missing." in html and "The mobile number is not an 11-digit mainland number." in html
    assert "lines with errors: 2" in html
    # Sending the file to the import step anyway (a forged form): refused, nothing written.
    r = coma.post("/c/dorf-a/roster/import", {"roster_text": "姓名,户,手机\n李四,三组,999\n"}, token_from="/c/dorf-a/roster/")
    assert r.status_code == 400
    for bad in (b"\xff\xfe\x00\x81", b"x" * (csvfile.MAX_BYTES + 1)):
        r = upload(coma, bad)
        assert r.status_code == 400 and ("UTF-8" in r.get_data(as_text=True) or "KB" in r.get_data(as_text=True))
    assert row_counts() == before


def test_a_mobile_already_registered_joins_with_its_account(app, world):
    from .support.helpers import make_user
    other = make_user("13900000009", "Already Here")
    db.session.commit()
    rows, _ = csvfile.parse("姓名,户,手机\nAlready Here,一组,13900000009\n")
    assert [p.status for p in rs.plan_import(world.a, rows)] == ["new"]
    rs.import_roster(world.a, rows, actor=world["coma"])
    db.session.commit()
    assert membership(world.a, other).status == "verified"
    assert other.password_hash != rs.NO_PASSWORD  # their own password is kept
    assert [p.status for p in rs.plan_import(world.a, rows)] == ["existing"]


def test_representative_must_be_of_the_household(app, world):
    rows, _ = csvfile.parse("姓名,户\n甲,一组\n乙,一组\n丙,二组\n")
    rs.import_roster(world.a, rows, actor=world["coma"])
    db.session.commit()
    homes = {h.name: h for h in db.session.execute(select(Household)).scalars()}
    one, two = homes["一组"], homes["二组"]
    second = db.session.execute(select(HouseholdMember.membership_id).where(
        HouseholdMember.household_id == one.id, HouseholdMember.membership_id != one.representative_id)).scalar_one()
    coma = en(app, "coma")
    url = "/c/dorf-a/roster/households"
    html = page(coma, url)
    assert "一组" in html and "(representative)" in html
    r = coma.post(f"{url}/{one.id}/representative", {f"h{one.id}-membership_id": str(second)}, token_from=url)
    assert r.status_code == 303
    db.session.expire_all()
    assert db.session.get(Household, one.id).representative_id == second
    # Someone of another household: refused with a message, nothing changed.
    r = coma.post(f"{url}/{one.id}/representative", {f"h{one.id}-membership_id": str(two.representative_id)},
                  token_from=url)
    assert r.status_code == 400 and "must be a verified member of this household" in r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Household, one.id).representative_id == second


# --------------------------------------------------------------------------- login cards

def issue(app, world, who="resa"):
    coma = en(app, "coma")
    r = coma.post(f"/c/dorf-a/roster/cards/{membership(world.a, world[who]).id}", token_from="/c/dorf-a/members")
    assert r.status_code == 303  # the card is shown by the GET after it, once
    r = coma.get(r.headers["Location"])
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    again = coma.get(f"/c/dorf-a/roster/cards/{membership(world.a, world[who]).id}")
    assert again.status_code == 303 and "card-link" not in again.get_data(as_text=True)
    link = re.search(r'<p class="card-link">([^<]+)</p>', html).group(1)
    assert "<svg" in html and world[who].display_name in html
    return html, link.split("localhost", 1)[-1]


def test_card_is_single_use_and_signs_the_resident_in(app, world):
    seq = audit_seq(world.a)
    _html, path = issue(app, world)
    assert path.startswith("/card/")
    resident = en(app, "visitor")
    assert "Your user name is resa." in page(resident, path)
    r = resident.post(path, {"secret": "246810", "confirm": "246810"}, token_from=path)
    assert r.status_code == 303
    assert "Welcome!" in page(resident, r.headers["Location"]) and 'action="/logout"' in page(resident, "/account")
    # The PIN now works at the login page; the card does not work again.
    assert client_as(app, "visitor").post("/login", {"login": "resa", "password": "246810"}).status_code == 303
    r = en(app, "visitor").get(path)
    assert r.status_code == 410 and "already been used" in r.get_data(as_text=True)
    assert [e.action for e in events_after(world.a, seq)] == ["login_card.issued", "login_card.used"]
    chain_ok(world.a)


def test_the_printed_card_links_to_the_public_base_url(app, world):
    """Behind a proxy the request says http://localhost; the card and its QR code must not."""
    app.config["PUBLIC_BASE_URL"] = "https://yishi.example.org"
    html, link = issue(app, world)
    assert link.startswith("https://yishi.example.org/card/")
    assert "http://localhost" not in html


def test_reissue_voids_the_old_card_and_expiry_ends_it(app, world, monkeypatch):
    _h, old = issue(app, world)
    _h, new = issue(app, world)
    r = en(app, "visitor").get(old)
    assert r.status_code == 410 and "A newer login card was printed" in r.get_data(as_text=True)
    assert en(app, "visitor").get(new).status_code == 200
    card = db.session.execute(select(LoginCard).where(LoginCard.voided_at.is_(None))).scalar_one()
    card.expires_at = card.issued_at - timedelta(seconds=1)
    db.session.commit()
    r = en(app, "visitor").get(new)
    assert r.status_code == 410 and "expired" in r.get_data(as_text=True)
    r = en(app, "visitor").get("/card/not-a-real-token")
    assert r.status_code == 404 and "not valid" in r.get_data(as_text=True)


def test_card_pin_rules_and_no_cards_for_oneself_or_other_communities(app, world):
    _h, path = issue(app, world)
    v = en(app, "visitor")
    for bad in ("12345", "abcdefg", ""):
        r = v.post(path, {"secret": bad, "confirm": bad}, token_from=path)
        html = r.get_data(as_text=True)
        assert r.status_code == 400 and (not bad or f'value="{bad}"' not in html)  # never echoed
        assert "PIN of at least 6 digits" in html or "This field is required." in html
    r = v.post(path, {"secret": "135791", "confirm": "135792"}, token_from=path)
    assert r.status_code == 400 and "The two entries differ." in r.get_data(as_text=True)
    assert db.session.execute(select(LoginCard.used_at)).scalars().all() == [None]
    coma, comb = en(app, "coma"), en(app, "comb")
    before = row_counts()
    assert coma.post(f"/c/dorf-a/roster/cards/{membership(world.a, world['coma']).id}",
                     token_from="/c/dorf-a/members").status_code == 403
    foreign = membership(world.b, world["resb"]).id
    assert coma.post(f"/c/dorf-a/roster/cards/{foreign}", token_from="/c/dorf-a/members").status_code == 404
    assert comb.post(f"/c/dorf-b/roster/cards/{membership(world.a, world['resa']).id}",
                                token_from="/c/dorf-b/members").status_code == 404
    assert row_counts() == before


def test_card_links_are_rate_limited(app, world):
    v = en(app, "visitor")
    codes = [v.get("/card/guess-%d" % n).status_code for n in range(22)]
    assert codes[:20] == [404] * 20 and codes[-1] == 429


def test_a_used_card_cannot_be_raced(app, world):
    card, token = rs.issue_card(world.a, membership(world.a, world["resa"]), actor=world["coma"])
    db.session.commit()
    rs.redeem_card(card, "11223344")
    db.session.commit()
    from portal.web.errors import RuleViolation
    with pytest.raises(RuleViolation):
        rs.redeem_card(card, "99887766")
