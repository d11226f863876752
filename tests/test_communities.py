"""Communities, memberships and roles: services and views, with their audit events.

Every action must write exactly one audit event, in the right community, with the
right action name, actor and subject, and nothing in any other community.
"""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from portal.audit import verify_community
from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.communities import services as cs
from portal.communities.models import Community, MemberRole, Membership
from portal.extensions import db
from portal.web.errors import RuleViolation

from .support.helpers import PASSWORD, make_user, membership
from .support.security import client_as, main_text, row_counts

pytestmark = pytest.mark.usefixtures("fast_passwords")  # conftest: a cheap password hash


class Trail:
    """Watches every community's chain; `.new()` returns the events written since."""

    def __init__(self):
        self.mark()

    def mark(self):
        db.session.expire_all()
        self.heads = dict(db.session.execute(select(Community.id, Community.audit_seq)).all())

    def new(self):
        db.session.expire_all()
        events = db.session.execute(select(AuditEvent).order_by(AuditEvent.community_id, AuditEvent.seq)).scalars()
        fresh = [e for e in events if e.seq > self.heads.get(e.community_id, 0)]
        self.mark()
        return fresh

    def one(self, community, action, actor, role, subject=None):
        """Exactly one new event overall, and it is this one."""
        events = self.new()
        assert [(e.community_id, e.action) for e in events] == [(community.id, action)], \
            [(e.community_id, e.action) for e in events]
        event = events[0]
        assert event.actor_id == (actor.id if actor is not None else None)
        assert event.actor_role == role
        if subject is not None:
            assert (event.subject_type, event.subject_id) == (subject.__tablename__, subject.id)
        assert verify_community(db.session.get(Community, community.id)).ok
        return json.loads(event.payload)

    def none(self):
        assert self.new() == []


def _status(community, user):
    db.session.expire_all()
    m = membership(community, user)
    return None if m is None else m.status


def _roles(community, user):
    db.session.expire_all()
    return membership(community, user).role_names


# --- Join requests ---------------------------------------------------------------------------


def test_join_request_then_committee_sees_it(app, world):
    trail = Trail()
    nobody = client_as(app, "nobody")
    r = nobody.post("/c/dorf-a/join", {"message": "Group 3, house of the old well"})
    assert r.status_code == 303 and r.headers["Location"] == "/c/dorf-a/"
    m = membership(world.a, world["nobody"])
    assert m.status == "pending" and m.message == "Group 3, house of the old well"
    data = trail.one(world.a, "membership.requested", world["nobody"], "user", m)
    assert data["data"] == {"user": world["nobody"].id}
    # The requester sees that the request waits; the join form is gone.
    page = nobody.get("/c/dorf-a/").get_data(as_text=True)
    assert 'action="/c/dorf-a/join"' not in page
    # The committee sees the request with its message.
    members = client_as(app, "coma").get("/c/dorf-a/members").get_data(as_text=True)
    assert "Group 3, house of the old well" in members and f"/c/dorf-a/members/{m.id}/approve" in members


def test_join_twice_is_refused(app, world):
    penda = client_as(app, "penda")
    trail = Trail()
    assert penda.post("/c/dorf-a/join", {"message": "again"}).status_code == 403
    trail.none()
    with pytest.raises(RuleViolation):
        cs.request_join(world.a, "again", actor=world["penda"])
    with pytest.raises(RuleViolation):
        cs.request_join(world.a, "", actor=world["resa"])
    db.session.rollback()
    trail.none()


def test_rejected_person_may_ask_again(app, world):
    reja = client_as(app, "reja")
    page = reja.get("/c/dorf-a/").get_data(as_text=True)
    assert "not known here" in page  # the reason given at rejection
    assert 'action="/c/dorf-a/join"' in page
    trail = Trail()
    r = reja.post("/c/dorf-a/join", {"message": "I moved here in spring"})
    assert r.status_code == 303
    m = membership(world.a, world["reja"])
    assert (m.status, m.reason, m.message, m.decided_by_id) == ("pending", "", "I moved here in spring", None)
    trail.one(world.a, "membership.requested", world["reja"], "user", m)
    # Still one membership row: the old one was reused.
    assert db.session.execute(select(func.count()).select_from(Membership)
                              .where(Membership.user_id == world["reja"].id)).scalar_one() == 1


# --- Decisions -------------------------------------------------------------------------------


def test_approve(app, world):
    target = membership(world.a, world["penda"])
    trail = Trail()
    r = client_as(app, "coma").post(f"/c/dorf-a/members/{target.id}/approve")
    assert r.status_code == 303 and r.headers["Location"] == "/c/dorf-a/members"
    assert _status(world.a, world["penda"]) == "verified"
    data = trail.one(world.a, "membership.verified", world["coma"], "committee", target)
    assert data["data"] == {"user": world["penda"].id, "status": "verified"}
    # The new resident can now read the audit trail; approving again is refused.
    assert client_as(app, "penda").get("/c/dorf-a/audit/").status_code == 200
    assert client_as(app, "coma").post(f"/c/dorf-a/members/{target.id}/approve").status_code == 403
    trail.none()


def test_reject_needs_a_reason_that_the_requester_sees(app, world):
    target = membership(world.a, world["penda"])
    coma = client_as(app, "coma")
    trail = Trail()
    before = row_counts()
    for reason in ("", "   "):
        r = coma.post(f"/c/dorf-a/members/{target.id}/reject", {"reason": reason})
        assert r.status_code == 400, repr(reason)
        assert 'aria-invalid="true"' in r.get_data(as_text=True)
    assert row_counts() == before
    assert _status(world.a, world["penda"]) == "pending"
    trail.none()
    with pytest.raises(RuleViolation):
        cs.reject_member(world.a, target, "  ", actor=world["coma"])
    db.session.rollback()

    r = coma.post(f"/c/dorf-a/members/{target.id}/reject", {"reason": "  No household of this name in group 3 "})
    assert r.status_code == 303
    db.session.expire_all()
    assert (target.status, target.reason, target.decided_by_id) == \
        ("rejected", "No household of this name in group 3", world["coma"].id)
    data = trail.one(world.a, "membership.rejected", world["coma"], "committee", target)
    assert data["data"]["reason"] == "No household of this name in group 3"
    penda = client_as(app, "penda")
    assert "No household of this name in group 3" in main_text(penda.get("/c/dorf-a/"))
    assert "No household of this name in group 3" in main_text(penda.get("/account"))


def test_only_waiting_requests_are_decided(app, world):
    trail = Trail()
    for user in ("resa", "reja"):
        with pytest.raises(RuleViolation):
            cs.approve_member(world.a, membership(world.a, world[user]), actor=world["coma"])
        with pytest.raises(RuleViolation):
            cs.reject_member(world.a, membership(world.a, world[user]), "x", actor=world["coma"])
    db.session.rollback()
    trail.none()


# --- Adding residents directly ----------------------------------------------------------------


def test_add_resident_by_user_name(app, world):
    coma = client_as(app, "coma")
    trail = Trail()
    r = coma.post("/c/dorf-a/members/add", {"username": "  NoBody "})
    assert r.status_code == 303
    m = membership(world.a, world["nobody"])
    assert m.status == "verified" and m.decided_by_id == world["coma"].id
    data = trail.one(world.a, "membership.added", world["coma"], "committee", m)
    assert data["data"] == {"user": world["nobody"].id, "status": "verified"}


def test_add_resident_by_mobile_number_and_over_a_pending_request(app, world):
    grandma = make_user("13912345678", "Grandma Li")
    coma = client_as(app, "coma")
    trail = Trail()
    assert coma.post("/c/dorf-a/members/add", {"username": "139 1234 5678"}).status_code == 303
    trail.one(world.a, "membership.added", world["coma"], "committee", membership(world.a, grandma))
    # Someone already waiting is verified by being added (they came in person).
    assert coma.post("/c/dorf-a/members/add", {"username": "penda"}).status_code == 303
    assert _status(world.a, world["penda"]) == "verified"
    trail.one(world.a, "membership.added", world["coma"], "committee", membership(world.a, world["penda"]))


@pytest.mark.parametrize("username, needle", [
    ("ghost", "Nobody is registered with this user name or mobile number."),
    ("resa", "This person is already a member of this community."),
])
def test_add_resident_refusals_are_explained(app, world, username, needle):
    coma = client_as(app, "coma")
    trail = Trail()
    before = row_counts()
    r = coma.post("/c/dorf-a/members/add?lang=en", {"username": username})
    assert r.status_code == 400
    assert needle in main_text(r)
    assert f'value="{username}"' in r.get_data(as_text=True)  # what was typed is kept
    assert row_counts() == before
    trail.none()


# --- Roles ----------------------------------------------------------------------------------


def test_grant_and_revoke_roles(app, world):
    coma = client_as(app, "coma")
    resa = membership(world.a, world["resa"])
    trail = Trail()
    assert coma.post(f"/c/dorf-a/members/{resa.id}/roles/grant", {"role": "mediator"}).status_code == 303
    assert _roles(world.a, world["resa"]) == {"mediator"}
    data = trail.one(world.a, "role.granted", world["coma"], "committee", resa)
    assert data["data"] == {"user": world["resa"].id, "role": "mediator"}

    assert coma.post(f"/c/dorf-a/members/{resa.id}/roles/grant", {"role": "committee"}).status_code == 303
    assert _roles(world.a, world["resa"]) == {"mediator", "committee"}
    trail.one(world.a, "role.granted", world["coma"], "committee", resa)
    # The new committee member can manage members at once.
    assert client_as(app, "resa").get("/c/dorf-a/members").status_code == 200

    assert coma.post(f"/c/dorf-a/members/{resa.id}/roles/revoke", {"role": "mediator"}).status_code == 303
    assert _roles(world.a, world["resa"]) == {"committee"}
    data = trail.one(world.a, "role.revoked", world["coma"], "committee", resa)
    assert data["data"] == {"user": world["resa"].id, "role": "mediator"}


def test_role_changes_that_make_no_sense_are_refused(app, world):
    coma = client_as(app, "coma")
    meda = membership(world.a, world["meda"])
    resa = membership(world.a, world["resa"])
    trail = Trail()
    before = row_counts()
    # Granting a role twice, revoking a role the member does not have: the members page again
    # (400) saying why, nothing written.
    r = coma.post(f"/c/dorf-a/members/{meda.id}/roles/grant?lang=en", {"role": "mediator"})
    assert r.status_code == 400 and "This member already has this role." in main_text(r)
    r = coma.post(f"/c/dorf-a/members/{resa.id}/roles/revoke?lang=en", {"role": "mediator"})
    assert r.status_code == 400 and "This member does not have this role." in main_text(r)
    # Roles only for verified members (pending, rejected): the action is not available.
    for user in ("penda", "reja"):
        m = membership(world.a, world[user])
        assert coma.post(f"/c/dorf-a/members/{m.id}/roles/grant", {"role": "mediator"}).status_code == 403
        with pytest.raises(RuleViolation):
            cs.grant_role(world.a, m, "mediator", actor=world["coma"])
        db.session.rollback()
    with pytest.raises(RuleViolation):
        cs.grant_role(world.a, resa, "mayor", actor=world["coma"])
    db.session.rollback()
    assert row_counts() == before
    trail.none()


def test_last_committee_member_cannot_be_removed(app, world):
    coma = client_as(app, "coma")
    own = membership(world.a, world["coma"])
    trail = Trail()
    before = row_counts()
    r = coma.post(f"/c/dorf-a/members/{own.id}/roles/revoke?lang=en", {"role": "committee"})
    assert r.status_code == 400
    assert "The last committee member cannot be removed" in main_text(r)
    assert row_counts() == before
    assert _roles(world.a, world["coma"]) == {"committee"}
    trail.none()
    with pytest.raises(RuleViolation):
        cs.revoke_role(world.a, own, "committee", actor=world["coma"])
    db.session.rollback()
    # With a second committee member the first may step down.
    resa = membership(world.a, world["resa"])
    assert coma.post(f"/c/dorf-a/members/{resa.id}/roles/grant", {"role": "committee"}).status_code == 303
    trail.mark()
    assert coma.post(f"/c/dorf-a/members/{own.id}/roles/revoke", {"role": "committee"}).status_code == 303
    trail.one(world.a, "role.revoked", world["coma"], "committee", own)
    assert client_as(app, "coma").get("/c/dorf-a/members").status_code == 403


def test_committee_of_b_does_not_count_for_a(app, world):
    """Committee members of another community are not counted when A's last one steps down."""
    cs.add_resident(world.a, world["comb"], actor=world["coma"])
    db.session.commit()
    with pytest.raises(RuleViolation):
        cs.revoke_role(world.a, membership(world.a, world["coma"]), "committee", actor=world["coma"])
    db.session.rollback()
    assert cs.committee_count(world.a) == 1 and cs.committee_count(world.b) == 1


# --- Another community's committee -----------------------------------------------------------


def test_committee_of_b_cannot_manage_a(app, world):
    comb = client_as(app, "comb")
    trail = Trail()
    before = row_counts()
    penda = membership(world.a, world["penda"])
    resa = membership(world.a, world["resa"])
    assert comb.get("/c/dorf-a/members").status_code == 403
    assert comb.post(f"/c/dorf-a/members/{penda.id}/approve").status_code == 403
    assert comb.post(f"/c/dorf-a/members/{penda.id}/reject", {"reason": "x"}).status_code == 403
    assert comb.post("/c/dorf-a/members/add", {"username": "nobody"}).status_code == 403
    assert comb.post(f"/c/dorf-a/members/{resa.id}/roles/grant", {"role": "committee"}).status_code == 403
    # A's objects through B's address (where comb *is* committee): not found.
    assert comb.post(f"/c/dorf-b/members/{penda.id}/approve").status_code == 404
    assert comb.post(f"/c/dorf-b/members/{resa.id}/roles/grant", {"role": "committee"}).status_code == 404
    assert row_counts() == before
    trail.none()
    assert _status(world.a, world["penda"]) == "pending"


def test_audit_events_land_in_their_own_community(app, world):
    """An action in B changes B's chain only; A's head is untouched."""
    cs.request_join(world.b, "", actor=world["nobody"])
    db.session.commit()
    a_head = (world.a.audit_seq, world.a.audit_head)
    trail = Trail()
    m = membership(world.b, world["nobody"])
    assert client_as(app, "comb").post(f"/c/dorf-b/members/{m.id}/approve").status_code == 303
    trail.one(world.b, "membership.verified", world["comb"], "committee", m)
    db.session.expire_all()
    assert (world.a.audit_seq, world.a.audit_head) == a_head


# --- Platform administration ------------------------------------------------------------------


def test_admin_creates_community_and_appoints_committee(app, world):
    root = client_as(app, "root")
    trail = Trail()
    r = root.post("/admin/communities", {"slug": "Dongshan-Village", "name": " Dongshan ", "region": "Anxi county",
                                         "kind": "village", "default_locale": "zh_Hans"})
    assert r.status_code == 303 and r.headers["Location"] == "/admin/"
    c = db.session.execute(select(Community).where(Community.slug == "dongshan-village")).scalar_one()
    assert (c.name, c.region, c.kind) == ("Dongshan", "Anxi county", "village")
    events = trail.new()
    assert [(e.community_id, e.seq, e.action, e.actor_id, e.actor_role) for e in events] == \
        [(c.id, 1, "community.created", world["root"].id, "platform_admin")]
    assert "dongshan-village" in root.get("/admin/").get_data(as_text=True)
    assert root.get("/c/dongshan-village/").status_code == 200

    # Appointing someone who is not yet a member: two facts, two events (added, then role).
    r = root.post("/admin/communities/dongshan-village/committee", {"username": "nobody"})
    assert r.status_code == 303
    m = membership(c, world["nobody"])
    assert m.status == "verified" and m.role_names == {"committee"}
    events = trail.new()
    assert [(e.community_id, e.action, e.actor_id, e.actor_role) for e in events] == [
        (c.id, "membership.added", world["root"].id, "platform_admin"),
        (c.id, "role.granted", world["root"].id, "platform_admin")]
    assert verify_community(c).ok
    # The appointed member runs the community; the admin still has no say inside it.
    assert client_as(app, "nobody").get("/c/dongshan-village/members").status_code == 200
    assert root.get("/c/dongshan-village/members").status_code == 403


def test_admin_appoints_an_existing_resident(app, world):
    root = client_as(app, "root")
    trail = Trail()
    assert root.post("/admin/communities/dorf-a/committee", {"username": "resa"}).status_code == 303
    trail.one(world.a, "role.granted", world["root"], "platform_admin", membership(world.a, world["resa"]))
    # Appointing them again is explained, not a crash.
    before = row_counts()
    r = root.post("/admin/communities/dorf-a/committee?lang=en", {"username": "resa"})
    assert r.status_code == 400
    assert "This member already has this role." in main_text(r)
    r = root.post("/admin/communities/dorf-a/committee?lang=en", {"username": "ghost"})
    assert r.status_code == 400
    assert "Nobody is registered with this user name or mobile number." in main_text(r)
    assert row_counts() == before
    trail.none()


@pytest.mark.parametrize("slug", ["dorf-a", "DORF-A", " dorf-a "])
def test_duplicate_slug_is_refused_with_a_clear_message(app, world, slug):
    root = client_as(app, "root")
    before = row_counts()
    r = root.post("/admin/communities?lang=en", {"slug": slug, "name": "Another", "kind": "village",
                                                 "default_locale": "zh_Hans"})
    assert r.status_code == 400
    text = main_text(r)
    assert "A community with this short name already exists." in text
    assert 'value="Another"' in r.get_data(as_text=True)  # the rest of the form is kept
    assert row_counts() == before
    # The same in Chinese (the default): a message is shown, not an empty field error.
    root.get("/?lang=zh_Hans")
    r = root.post("/admin/communities", {"slug": slug, "name": "Another", "kind": "village",
                                                           "default_locale": "zh_Hans"})
    assert r.status_code == 400
    assert 'class="error"' in r.get_data(as_text=True)
    assert row_counts() == before


@pytest.mark.parametrize("slug", ["admin", "a", "-dash", "with space", "dorf_a", "中文"])
def test_bad_slugs_are_refused(app, world, slug):
    root = client_as(app, "root")
    before = row_counts()
    r = root.post("/admin/communities", {"slug": slug, "name": "X", "kind": "village",
                                                           "default_locale": "zh_Hans"})
    assert r.status_code == 400
    assert 'class="error"' in r.get_data(as_text=True)
    assert row_counts() == before


# --- Command line ----------------------------------------------------------------------------


def test_cli_create_admin_community_and_roles(app):
    runner = app.test_cli_runner()
    r = runner.invoke(args=["create-admin", "boss", "--name", "The Boss", "--password", PASSWORD])
    assert r.exit_code == 0, r.output
    db.session.expire_all()
    boss = db.session.execute(select(User).where(User.username == "boss")).scalar_one()
    assert boss.is_platform_admin and boss.display_name == "The Boss"

    r = runner.invoke(args=["create-community", "hexi", "Hexi Village", "--region", "Town X", "--kind", "urban"])
    assert r.exit_code == 0, r.output
    db.session.expire_all()
    c = db.session.execute(select(Community).where(Community.slug == "hexi")).scalar_one()
    assert (c.name, c.region, c.kind) == ("Hexi Village", "Town X", "urban")
    trail = Trail()

    r = runner.invoke(args=["create-community", "hexi", "Again"])
    assert r.exit_code != 0
    assert "already exists" in r.output or "已" in r.output
    trail.none()

    make_user("wang")
    r = runner.invoke(args=["grant-role", "hexi", "wang", "committee"])
    assert r.exit_code == 0, r.output
    db.session.expire_all()
    wang = db.session.execute(select(User).where(User.username == "wang")).scalar_one()
    m = membership(c, wang)
    assert m.status == "verified" and m.role_names == {"committee"}
    events = trail.new()
    assert [(e.action, e.actor_id, e.actor_role) for e in events] == [
        ("membership.added", None, "system"), ("role.granted", None, "system")]

    r = runner.invoke(args=["grant-role", "hexi", "wang", "mediator"])
    assert r.exit_code == 0, r.output
    assert [e.action for e in trail.new()] == ["role.granted"]

    # The admin can now sign in and the committee member can manage members.
    assert client_as(app, "boss").get("/admin/").status_code == 200
    assert client_as(app, "wang").get("/c/hexi/members").status_code == 200
    assert verify_community(c).ok


@pytest.mark.parametrize("args", [
    ["grant-role", "nowhere", "wang", "committee"],
    ["grant-role", "hexi", "ghost", "committee"],
    ["grant-role", "hexi", "wang", "mayor"],
    ["grant-role", "hexi", "wang", "committee"],  # already has it
    ["create-community", "admin", "Reserved"],
    ["create-community", "x", "Too short"],
])
def test_cli_refusals(app, args):
    make_user("wang")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["create-community", "hexi", "Hexi"]).exit_code == 0
    assert runner.invoke(args=["grant-role", "hexi", "wang", "committee"]).exit_code == 0
    before = row_counts()
    r = runner.invoke(args=args)
    assert r.exit_code != 0
    assert "Traceback" not in r.output
    assert row_counts() == before


def test_create_admin_promotes_an_existing_user(app):
    make_user("clerk")
    r = app.test_cli_runner().invoke(args=["create-admin", "clerk", "--password", "ignored-pass-1"])
    assert r.exit_code == 0, r.output
    db.session.expire_all()
    clerk = db.session.execute(select(User).where(User.username == "clerk")).scalar_one()
    assert clerk.is_platform_admin
    client_as(app, "clerk")  # the old password still works: the account was not replaced


def test_double_submission_race_is_a_409_not_a_500(app, world, monkeypatch):
    """Two requests racing (a double tap on a slow phone): the second one finds the row
    the first has just written only when the database refuses the duplicate. That is a
    409 page, and nothing of the second request is kept."""
    reja = client_as(app, "reja")
    coma = client_as(app, "coma")
    before = row_counts()
    # As if the first request's row were not visible yet when the second one looked.
    monkeypatch.setattr(cs, "_membership", lambda community, user: None)
    r = reja.post("/c/dorf-a/join", {"message": "twice"})
    assert r.status_code == 409
    assert row_counts() == before
    r = coma.post("/c/dorf-a/members/add", {"username": "resa"})
    assert r.status_code == 409
    assert row_counts() == before
    monkeypatch.undo()
    meda = membership(world.a, world["meda"])
    real = Membership.role_names.fget
    monkeypatch.setattr(Membership, "role_names",
                        property(lambda self: set() if self.id == meda.id else real(self)))
    r = coma.post(f"/c/dorf-a/members/{meda.id}/roles/grant?lang=en", {"role": "mediator"})
    assert r.status_code == 409
    assert main_text(r)
    assert row_counts() == before
    monkeypatch.undo()
    assert _status(world.a, world["reja"]) == "rejected"


def test_membership_and_role_rows_are_unique(app, world):
    """One membership per person and community, one row per role: the database says so."""
    from sqlalchemy.exc import IntegrityError

    db.session.add(Membership(community_id=world.a.id, user_id=world["resa"].id, status="verified"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    db.session.add(MemberRole(membership_id=membership(world.a, world["coma"]).id, role="committee"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
