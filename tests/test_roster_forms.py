"""Every roster form with each bad input it refuses: the same page again (400), input kept, the
message at its field and in the error summary; the import confirmed twice imports once."""
from __future__ import annotations

import html as h
import io
import re

import pytest
from sqlalchemy import func, select

from portal.auth.models import User
from portal.extensions import db
from portal.roster import csvfile
from portal.roster import services as rs
from portal.roster.models import Household, HouseholdMember, LoginCard

from .support.forms import en, refused, token_of
from .support.helpers import membership
from .support.security import row_counts

pytestmark = pytest.mark.usefixtures("fast_passwords")  # conftest: a cheap password hash

ROSTER = "姓名,户,手机\n王秀英,三组12号,13900000001\n王建国,三组12号,\n李桂兰,五组3号,\n"
PREVIEW = 'action="/c/dorf-a/roster/preview"'


def test_upload_without_a_file(app, world):
    c = en(app, "coma")
    r = c.post("/c/dorf-a/roster/preview", {}, token_from="/c/dorf-a/roster/")
    refused(r, PREVIEW, "This field is required.", "roster")


@pytest.mark.parametrize("text, message", [
    ("姓名,户,手机\n李四,三组,999\n", "Some lines have errors: correct the file and upload it again."),
    ("", "This field is required."),
])
def test_import_refusals(app, world, text, message):
    c = en(app, "coma")
    before = row_counts()
    r = c.post("/c/dorf-a/roster/import", {"roster_text": text}, token_from="/c/dorf-a/roster/")
    refused(r, PREVIEW, message, None, ["李四"] if text else [])
    assert row_counts() == before


def test_import_confirmed_twice_imports_once(app, world):
    c = en(app, "coma")
    preview = c.post("/c/dorf-a/roster/preview", {"roster": (io.BytesIO(ROSTER.encode()), "roster.csv")},
                     token_from="/c/dorf-a/roster/").get_data(as_text=True)
    text = h.unescape(re.search(r'name="roster_text" type="hidden" value="([^"]*)"', preview).group(1))
    token = token_of(preview, "/c/dorf-a/roster/import")
    users = db.session.execute(select(func.count()).select_from(User)).scalar_one()
    first = c.post("/c/dorf-a/roster/import", {"roster_text": text, "submit_token": token}, token_from="/c/dorf-a/roster/")
    assert first.status_code == 303 and first.headers["Location"].endswith("/roster/households")
    again = c.post("/c/dorf-a/roster/import", {"roster_text": text, "submit_token": token}, token_from="/c/dorf-a/roster/")
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"]
    assert db.session.execute(select(func.count()).select_from(User)).scalar_one() == users + 3
    assert db.session.execute(select(func.count()).select_from(HouseholdMember)).scalar_one() == 3


def test_representative_of_another_household(app, world):
    rows, _ = csvfile.parse("姓名,户\n甲,一组\n乙,一组\n丙,二组\n")
    rs.import_roster(world.a, rows, actor=world["coma"])
    db.session.commit()
    homes = {x.name: x for x in db.session.execute(select(Household)).scalars()}
    one, two = homes["一组"], homes["二组"]
    c = en(app, "coma")
    before = row_counts()
    r = c.post(f"/c/dorf-a/roster/households/{one.id}/representative",
               {f"h{one.id}-membership_id": str(two.representative_id)}, token_from="/c/dorf-a/roster/households")
    refused(r, f'action="/c/dorf-a/roster/households/{one.id}/representative"',
            "The representative must be a verified member of this household.", f"h{one.id}-membership_id")
    assert row_counts() == before


@pytest.mark.parametrize("secret, confirm, field, message", [
    ("12345", "12345", "secret", "Choose a PIN of at least 6 digits or a password of at least 8 characters."),
    ("abcdefg", "abcdefg", "secret", "Choose a PIN of at least 6 digits or a password of at least 8 characters."),
    ("135791", "135792", "confirm", "The two entries differ."),
    ("", "", "secret", "This field is required."),
])
def test_card_secret_refusals(app, world, secret, confirm, field, message):
    coma = en(app, "coma")
    resa = membership(world.a, world["resa"])
    r = coma.post(f"/c/dorf-a/roster/cards/{resa.id}", token_from="/c/dorf-a/members")
    html = coma.get(r.headers["Location"]).get_data(as_text=True)
    path = re.search(r'<p class="card-link">([^<]+)</p>', html).group(1).split("localhost", 1)[-1]
    visitor = en(app, "visitor")
    r = visitor.post(path, {"secret": secret, "confirm": confirm}, token_from=path)
    page = refused(r, f'action="{path}"', message, field)
    assert not secret or f'value="{secret}"' not in page  # a PIN is never sent back
    assert db.session.execute(select(LoginCard.used_at)).scalars().all() == [None]
