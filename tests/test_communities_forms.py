"""Every community form (join, the committee's member management) and the platform admin's forms
with each bad input they refuse: the same page again (400), input kept, the message at its field
and in the error summary; a new community sent twice is made once."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.communities.models import Community, MemberRole, Membership
from portal.extensions import db

from .support.forms import en, refused, token_of
from .support.helpers import membership
from .support.security import row_counts

pytestmark = pytest.mark.usefixtures("fast_passwords")  # conftest: a cheap password hash


MEMBERS = 'action="/c/dorf-a/members/add"'


def test_join_refuses_a_long_message(app, world):
    c = en(app, "nobody")
    before = row_counts()
    text = "我家在三组。" * 60
    r = c.post("/c/dorf-a/join", {"message": text}, token_from="/c/dorf-a/")
    refused(r, 'action="/c/dorf-a/join"', "Field cannot be longer than 300 characters.", "message", [text])
    assert row_counts() == before


def test_reject_needs_a_reason(app, world):
    c = en(app, "coma")
    penda = membership(world.a, world["penda"])
    before = row_counts()
    r = c.post(f"/c/dorf-a/members/{penda.id}/reject", {"reason": "  "}, token_from="/c/dorf-a/members")
    refused(r, MEMBERS, "This field is required.", "reason")
    assert row_counts() == before


@pytest.mark.parametrize("name, message", [
    ("ghost", "Nobody is registered with this user name or mobile number."),
    ("resa", "This person is already a member of this community."),
    ("", "This field is required."),
    ("x" * 33, "Field cannot be longer than 32 characters."),
])
def test_add_resident_refusals(app, world, name, message):
    c = en(app, "coma")
    before = row_counts()
    r = c.post("/c/dorf-a/members/add", {"username": name}, token_from="/c/dorf-a/members")
    refused(r, MEMBERS, message, "username", [name] if name else [])
    assert row_counts() == before


@pytest.mark.parametrize("action, who, role, message", [
    ("grant", "meda", "mediator", "This member already has this role."),
    ("revoke", "resa", "mediator", "This member does not have this role."),
    ("revoke", "coma", "committee", "The last committee member cannot be removed"),
    ("grant", "resa", "mayor", "Not a valid choice."),
])
def test_role_refusals(app, world, action, who, role, message):
    c = en(app, "coma")
    m = membership(world.a, world[who])
    before = row_counts()
    r = c.post(f"/c/dorf-a/members/{m.id}/roles/{action}", {"role": role}, token_from="/c/dorf-a/members")
    refused(r, MEMBERS, message)
    assert row_counts() == before


def test_approving_what_is_no_longer_waiting_says_so(app, world, monkeypatch):
    from portal.communities import permissions

    monkeypatch.setattr(permissions, "can_decide_membership", lambda ctx, target: True)
    c = en(app, "coma")
    reja = membership(world.a, world["reja"])
    before = row_counts()
    r = c.post(f"/c/dorf-a/members/{reja.id}/approve", token_from="/c/dorf-a/members")
    refused(r, MEMBERS, "Only a waiting request can be approved.")
    assert row_counts() == before


# --- platform admin -----------------------------------------------------------------------------

NEW = {"slug": "dorf-c", "name": "Dorf C", "region": "Region C", "kind": "village", "default_locale": "zh_Hans"}


@pytest.mark.parametrize("change, field, message", [
    ({"slug": "Dorf C!"}, "slug", "The short name may use 2 to 40 lower-case letters, digits and dashes."),
    ({"slug": "dorf-a"}, "slug", "A community with this short name already exists."),
    ({"slug": "x"}, "slug", "Field must be between 2 and 40 characters long."),
    ({"name": ""}, "name", "This field is required."),
    ({"kind": "castle"}, "kind", "Not a valid choice."),
    ({"default_locale": "fr"}, "default_locale", "Not a valid choice."),
])
def test_new_community_refusals(app, world, change, field, message):
    c = en(app, "root")
    data = {**NEW, **change}
    before = row_counts()
    r = c.post("/admin/communities", data, token_from="/admin/")
    kept = [v for k, v in data.items() if k in ("slug", "name", "region") and v and k != field]
    refused(r, 'action="/admin/communities"', message, field, kept)
    assert row_counts() == before


def test_new_community_sent_twice_is_made_once(app, world):
    c = en(app, "root")
    token = token_of(c.get("/admin/").get_data(as_text=True), "/admin/communities")
    first = c.post("/admin/communities", {**NEW, "submit_token": token}, token_from="/admin/")
    assert first.status_code == 303
    again = c.post("/admin/communities", {**NEW, "submit_token": token}, token_from="/admin/")
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"]
    assert "already sent" in c.get(again.headers["Location"]).get_data(as_text=True)
    assert db.session.execute(select(func.count()).select_from(Community)
                              .where(Community.slug == "dorf-c")).scalar_one() == 1


@pytest.mark.parametrize("name, message", [
    ("ghost", "Nobody is registered with this user name or mobile number."),
    ("coma", "This member already has this role."),
    ("", "This field is required."),
])
def test_appoint_refusals(app, world, name, message):
    c = en(app, "root")
    before = row_counts()
    r = c.post("/admin/communities/dorf-a/committee", {"username": name}, token_from="/admin/")
    if name == "coma":
        refused(r, 'action="/admin/communities/dorf-a/committee"', message)
    else:
        refused(r, 'action="/admin/communities/dorf-a/committee"', message, "username", [name] if name else [])
    assert row_counts() == before
    assert db.session.execute(select(func.count()).select_from(MemberRole).join(Membership)
                              .where(Membership.community_id == world.a.id, MemberRole.role == "committee")
                              ).scalar_one() == 1
