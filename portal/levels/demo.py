"""The demo's tree (portal/demo.py): 安吉县 → 递铺街道 → 东山村, with the street's water station
(水务站) and urban management squad (城管中队); 东城区 → 和平里街道 → 和平里社区. Street, department and
district staff have accounts of their own; 张桂兰 is 东山村's grid worker (网格员)."""
from __future__ import annotations

from sqlalchemy import select

from ..communities import services as communities
from ..communities.models import Membership
from ..extensions import db
from . import services


def seed_tree(users) -> dict:
    admin = users["admin"]
    anji = services.create_unit(None, "district", "anji", "安吉县", actor=admin)
    dipu = services.create_unit(anji, "street", "dipu", "递铺街道", actor=admin)
    water = services.create_unit(dipu, "department", "dipu-water", "递铺街道水务站", actor=admin)
    squad = services.create_unit(dipu, "department", "dipu-cg", "递铺街道城管中队", actor=admin)
    dongcheng = services.create_unit(None, "district", "dongcheng", "东城区", actor=admin)
    hepingli = services.create_unit(dongcheng, "street", "hepingli", "和平里街道", actor=admin)
    services.appoint_staff(anji, users["quzf"], actor=admin)
    services.appoint_staff(dipu, users["jiedao"], actor=admin)
    services.appoint_staff(water, users["shuiwu"], actor=admin)
    return {u.slug: u for u in (anji, dipu, water, squad, dongcheng, hepingli)}


def seed_grids(community, users) -> None:
    wang, zhang = users["wang"], users["zhang"]
    membership = db.session.execute(select(Membership).where(
        Membership.community_id == community.id, Membership.user_id == zhang.id)).scalar_one()
    communities.grant_role(community, membership, "grid_worker", actor=wang)
    third = services.create_grid(community, "第三村民小组网格", actor=wang)
    services.create_grid(community, "第五村民小组网格", actor=wang)
    services.assign_grid_worker(community, third, membership, actor=wang)
