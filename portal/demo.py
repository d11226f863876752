"""Demo data for `flask seed-demo` (refused in production). DEMO PASSWORDS ONLY.

Every demo account has the password DEMO_PASSWORD; never use them for real data.
"""
from __future__ import annotations

from sqlalchemy import select

from .auth import services as accounts
from .communities import services as communities
from .communities.models import Community
from .extensions import db

DEMO_PASSWORD = "demo-pass-2026"

# (username, display name)
PEOPLE = [
    ("admin", "平台管理员 Admin"),
    ("wang", "王秀英 (村委会)"),
    ("lijg", "李建国 (居委会)"),
    ("zhao", "赵德明 (调解员)"),
    ("zhang", "张桂兰"),
    ("chen", "陈志强"),
    ("liu", "刘芳"),
    ("13800000001", "孙大爷"),
]


def seed() -> bool:
    """Create the demo once; returns False when it is already there."""
    if db.session.execute(select(Community.id).where(Community.slug == "dongshan")).first():
        return False
    users = {}
    for username, name in PEOPLE:
        users[username] = accounts.find_user(username) or accounts.register_user(username, name, DEMO_PASSWORD)
    admin = users["admin"]
    admin.is_platform_admin = True
    db.session.flush()

    dongshan = communities.create_community(admin, "dongshan", "东山村", "浙江省 安吉县 递铺街道", "village")
    heping = communities.create_community(admin, "heping", "和平里社区", "北京市 东城区 和平里街道", "urban")

    communities.appoint_committee(admin, dongshan, users["wang"])
    communities.appoint_committee(admin, heping, users["lijg"])

    wang, li = users["wang"], users["lijg"]
    for resident in ("zhang", "zhao", "13800000001"):
        m = communities.request_join(users[resident], dongshan, "第三村民小组")
        communities.approve_member(wang, dongshan, m)
    communities.add_resident(wang, dongshan, users["liu"])  # liu has family in both places
    zhao_m = next(m for m in _memberships(dongshan) if m.user_id == users["zhao"].id)
    communities.grant_role(wang, dongshan, zhao_m, "mediator")
    communities.request_join(users["chen"], dongshan, "我家在东山村 5 组,刚搬回来")

    m = communities.request_join(users["liu"], heping, "3 号楼 2 单元")
    communities.approve_member(li, heping, m)
    communities.request_join(users["zhang"], heping, "")
    db.session.commit()
    return True


def _memberships(community):
    from .communities.models import Membership

    return db.session.execute(select(Membership).where(Membership.community_id == community.id)).scalars().all()
