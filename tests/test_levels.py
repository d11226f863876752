"""The pages of the administrative tree (docs/architecture.md, "Levels"): units made at the right
places and refused at the wrong ones, staff, a street's categories, a community's grids."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.communities.models import Community
from portal.communities.services import default_street
from portal.extensions import db
from portal.levels import permissions as perm
from portal.levels import queries
from portal.levels import services as ls
from portal.roster.models import Household
from portal.web.errors import RuleViolation

from .support.helpers import add_grid, membership
from .support.pages import audit_seq, chain_ok, en, events_after, follow, page
from .support.routes_levels import grid_setup
from .support.security import client_as, row_counts

XSS = '<script>alert(1)</script>'


def unit(slug):
    db.session.expire_all()
    return db.session.execute(select(Community).where(Community.slug == slug)).scalar_one_or_none()


# ------------------------------------------------------------------ services and predicates

def test_units_only_at_their_places(world):
    root, ja, da = world["root"], world.unit("jie-a"), world.unit("dept-a")
    with pytest.raises(RuleViolation):
        ls.create_unit(da, "department", "dept-z", "Z", actor=root)  # nothing below a department
    with pytest.raises(RuleViolation):
        ls.create_unit(ja, "street", "jie-z", "Z", actor=root)  # a street under a district only
    with pytest.raises(RuleViolation):
        ls.create_unit(world.a, "department", "dept-z", "Z", actor=root)
    db.session.rollback()
    dept = ls.create_unit(world.unit("qu-a"), "department", "dept-q", "District office", actor=root)
    db.session.commit()
    assert dept.parent_id == world.unit("qu-a").id
    chain_ok(dept, world.unit("qu-a"))


def test_household_grid_service(world):
    grid = add_grid(world)
    h = Household(community_id=world.a.id, name="三组12号")
    db.session.add(h)
    db.session.commit()
    before = audit_seq(world.a)
    ls.set_household_grid(world.a, h, grid, actor=world["coma"])
    db.session.commit()
    assert h.grid_id == grid.id
    assert [e.action for e in events_after(world.a, before)] == ["grid.household_set"]
    with pytest.raises(RuleViolation):
        ls.set_household_grid(world.a, h, grid, actor=world["coma"])  # already there
    with pytest.raises(RuleViolation):
        ls.set_household_grid(world.b, h, None, actor=world["comb"])  # of another community
    db.session.rollback()
    chain_ok(world.a)


def test_predicates(world):
    from portal.communities.scoping import context_for

    def ctx(name, slug):
        user = world[name]
        user.is_authenticated = True
        return context_for(user, world.unit(slug))

    assert perm.can_manage_unit(ctx("stra", "jie-a")) and not perm.can_manage_unit(ctx("disa", "jie-a"))
    assert perm.can_manage_unit(ctx("root", "jie-b"))
    assert perm.can_manage_child(ctx("stra", "jie-a"), world.unit("dept-a"))
    assert not perm.can_manage_child(ctx("stra", "jie-a"), world.unit("dept-b"))
    assert perm.can_manage_child(ctx("disa", "qu-a"), world.unit("jie-a"))
    assert not perm.can_manage_child(ctx("disa", "qu-a"), world.unit("jie-b"))
    assert not perm.can_create_community(ctx("disa", "qu-a")) and perm.can_create_department(ctx("disa", "qu-a"))
    assert not perm.can_appoint_staff(ctx("depa", "dept-a"))


# ------------------------------------------------------------------ unit pages

def test_unit_home_is_public_and_shows_the_tree(app, world):
    html = page(en(app, "visitor"), "/u/jie-a/")
    assert "Street A" in html and "Street or township" in html
    assert 'href="/u/qu-a/"' in html and 'href="/c/dorf-a/"' in html and 'href="/u/dept-a/"' in html
    assert 'href="/c/jie-a/audit/"' in html
    assert "/u/jie-a/departments" not in html  # no management links for others
    assert 'href="/u/jie-a/departments"' in page(en(app, "stra"), "/u/jie-a/")
    assert "District or county" in page(en(app, "visitor"), "/u/qu-a/")
    assert "Department" in page(en(app, "visitor"), "/u/dept-a/")


def test_wrong_levels_are_404(app, world):
    c = client_as(app, "root")
    for url in ("/u/dorf-a/", "/u/no-such/", "/u/street/", "/c/jie-a/proposals/", "/c/jie-a/", "/c/jie-a/grids/"):
        default_street() if url == "/u/street/" else None
        db.session.commit()
        assert c.get(url).status_code == 404, url


def test_street_staff_make_departments_and_communities(app, world):
    c = en(app, "stra")
    r = c.post("/u/jie-a/departments", {"slug": "dept-x", "name": XSS}, token_from="/u/jie-a/departments")
    follow(c, r)
    dept = unit("dept-x")
    assert dept.level == "department" and dept.parent_id == world.unit("jie-a").id
    html = page(c, "/u/jie-a/")
    assert XSS not in html and "&lt;script&gt;" in html
    r = c.post("/u/jie-a/communities", {"slug": "dorf-x", "name": "Dorf X", "region": "", "kind": "village",
                                        "default_locale": "zh_Hans", "committee": "resa"},
               token_from="/u/jie-a/communities")
    follow(c, r)
    dorf = unit("dorf-x")
    assert dorf.level == "community" and dorf.parent_id == world.unit("jie-a").id
    assert "committee" in membership(dorf, world["resa"]).role_names
    chain_ok(dorf, world.unit("jie-a"))


def test_unknown_committee_member_makes_nothing(app, world):
    c = en(app, "stra")
    before = row_counts()
    r = c.post("/u/jie-a/communities", {"slug": "dorf-y", "name": "Dorf Y", "region": "", "kind": "village",
                                        "default_locale": "zh_Hans", "committee": "no-such-person"},
               token_from="/u/jie-a/communities")
    assert r.status_code == 400 and "Nobody is registered" in r.get_data(as_text=True)
    after = row_counts()
    assert {k: v for k, v in after.items() if k != "submitted_form"} == \
        {k: v for k, v in before.items() if k != "submitted_form"}


def test_staff_of_children(app, world):
    c = en(app, "stra")
    follow(c, c.post("/u/jie-a/staff", {"unit": "dept-a", "username": "resa"}, token_from="/u/jie-a/staff"))
    assert "staff" in membership(world.unit("dept-a"), world["resa"]).role_names
    # A foreign department is not among the choices: refused at the field, nothing made.
    r = c.post("/u/jie-a/staff", {"unit": "dept-b", "username": "resa"}, token_from="/u/jie-a/staff")
    assert r.status_code == 400
    d = en(app, "disa")
    follow(d, d.post("/u/qu-a/staff", {"unit": "jie-a", "username": "resb"}, token_from="/u/qu-a/staff"))
    assert "staff" in membership(world.unit("jie-a"), world["resb"]).role_names
    follow(d, d.post("/u/qu-a/departments", {"slug": "dept-q", "name": "Office Q"},
                     token_from="/u/qu-a/departments"))
    assert unit("dept-q").parent_id == world.unit("qu-a").id
    assert d.get("/u/qu-a/communities").status_code == 403  # a community belongs to a street
    assert client_as(app, "depa").get("/u/dept-a/staff").status_code == 403


def test_categories(app, world):
    c = en(app, "stra")
    html = page(c, "/u/jie-a/categories")
    assert "Water and drains" in html
    follow(c, c.post("/u/jie-a/categories", {"key": "noise", "name": XSS, "name_en": "Noise",
                                            "deadline_hours": "48"}, token_from="/u/jie-a/categories"))
    html = page(c, "/u/jie-a/categories")
    assert XSS not in html and "&lt;script&gt;" in html and "Water and drains" in html
    follow(c, c.post("/u/jie-a/categories/water", {"name": "供水", "name_en": "Water", "deadline_hours": "12"},
                     token_from="/u/jie-a/categories/water"))
    from portal.matters import services as ms

    water = next(x for x in ms.categories(world.unit("jie-a")) if x.key == "water")
    assert (water.name, water.deadline_hours) == ("供水", 12)
    assert c.get("/u/jie-a/categories/no-such").status_code == 404
    r = c.post("/u/jie-a/categories/water", {"name": "x", "deadline_hours": "9999"},
               token_from="/u/jie-a/categories/water")
    assert r.status_code == 400


def test_admin_tree(app, world):
    c = en(app, "root")
    follow(c, c.post("/admin/units", {"level": "district", "parent": "", "slug": "qu-c", "name": "District C"},
                     token_from="/admin/"))
    follow(c, c.post("/admin/units", {"level": "street", "parent": "qu-c", "slug": "jie-c", "name": XSS},
                     token_from="/admin/"))
    assert unit("jie-c").parent_id == unit("qu-c").id
    r = c.post("/admin/units", {"level": "street", "parent": "", "slug": "jie-d", "name": "D"}, token_from="/admin/")
    assert r.status_code == 400 and unit("jie-d") is None
    follow(c, c.post("/admin/communities", {"slug": "dorf-c", "name": "Dorf C", "region": "", "kind": "village",
                                            "default_locale": "zh_Hans", "street": "jie-c"}, token_from="/admin/"))
    assert unit("dorf-c").parent_id == unit("jie-c").id
    follow(c, c.post("/admin/communities", {"slug": "dorf-d", "name": "Dorf D", "region": "", "kind": "village",
                                            "default_locale": "zh_Hans", "street": ""}, token_from="/admin/"))
    assert unit("dorf-d").parent_id == default_street().id
    follow(c, c.post("/admin/units/jie-c/staff", {"username": "resa"}, token_from="/admin/"))
    assert "staff" in membership(unit("jie-c"), world["resa"]).role_names
    html = page(c, "/admin/")
    assert XSS not in html and "&lt;script&gt;" in html
    assert 'href="/u/jie-c/"' in html and 'href="/c/dorf-c/"' in html and "Communities without a street" in html


def test_staff_land_on_their_unit_and_see_it_in_their_account(app, world):
    c = en(app, "stra")
    r = c.post("/login", {"login": "stra", "password": "correct-horse-9"})
    assert r.headers["Location"].endswith("/u/jie-a/")
    html = page(c, "/account")
    assert 'href="/u/jie-a/"' in html and "Staff" in html


# ------------------------------------------------------------------ grids

def test_grids_page_and_forms(app, world):
    grid2, grida = grid_setup(world)
    c = en(app, "coma")
    html = page(c, "/c/dorf-a/grids/")
    assert "Grid 1" in html and "Grida" in html
    follow(c, c.post("/c/dorf-a/grids/new", {"name": XSS}, token_from="/c/dorf-a/grids/"))
    html = page(c, "/c/dorf-a/grids/")
    assert XSS not in html and "&lt;script&gt;" in html
    follow(c, c.post("/c/dorf-a/grids/workers", {"grid": str(grid2), "member": str(grida)},
                     token_from="/c/dorf-a/grids/"))
    assert world["grida"].id in queries.grid_worker_ids(grid2)
    # A resident without the role is not offered.
    r = c.post("/c/dorf-a/grids/workers", {"grid": str(grid2), "member": str(membership(world.a, world["resa"]).id)},
               token_from="/c/dorf-a/grids/")
    assert r.status_code == 400
    follow(c, c.post("/c/dorf-a/grids/households", {"household": "三组12号", "grid": str(grid2)},
                     token_from="/c/dorf-a/grids/"))
    h = queries.household_by_name(world.a, "三组12号")
    assert h.grid_id == grid2
    r = c.post("/c/dorf-a/grids/households", {"household": "nowhere", "grid": ""}, token_from="/c/dorf-a/grids/")
    assert r.status_code == 400 and "no household of this name" in r.get_data(as_text=True)
    chain_ok(world.a)


def test_grid_of_another_community_is_404(app, world):
    from portal.levels import services as s

    other = s.create_grid(world.b, "Grid B", actor=world["comb"])
    db.session.commit()
    grid_setup(world)
    c = en(app, "coma")
    grida = membership(world.a, world["grida"]).id
    r = c.post("/c/dorf-a/grids/workers", {"grid": str(other.id), "member": str(grida)},
               token_from="/c/dorf-a/grids/")
    assert r.status_code == 400  # not among this community's choices


def test_members_page_grants_grid_worker(app, world):
    html = page(en(app, "coma"), "/c/dorf-a/members")
    assert "Give role: Grid worker" in html
    zh = page(client_as(app, "coma"), "/c/dorf-a/members")
    assert "网格员" in zh
    c = en(app, "coma")
    follow(c, c.post(f"/c/dorf-a/members/{membership(world.a, world['resa']).id}/roles/grant",
                     {"role": "grid_worker"}, token_from="/c/dorf-a/members"))
    assert "grid_worker" in membership(world.a, world["resa"]).role_names
