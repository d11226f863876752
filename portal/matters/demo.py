"""The demo's matters (portal/demo.py), one at each stage of the loop: a street lamp fixed by the
village and rated, a leaking main with the water station, an unlicensed shed sent up to the street
and waiting past its deadline, and a rubbish heap just reported."""
from __future__ import annotations

from datetime import timedelta

from ..db import utcnow
from . import services


def seed(community, tree, users) -> None:
    wang, zhang, liu, sun = users["wang"], users["zhang"], users["liu"], users["13800000001"]
    water, street = tree["dipu-water"], tree["dipu"]
    cats = {c.key: c.id for c in services.categories(street)}
    from ..levels import queries as levels

    grid = levels.grids(community)[0]

    lamp = services.report(community, category_id=cats["roads"], title="村口路灯不亮了",
                           description="村口第二盏路灯坏了一个星期，晚上很黑。", grid_id=grid.id,
                           place="村口老槐树旁", actor=sun)
    services.handle(community, lamp, "村委会联系电工来修。", actor=wang)
    services.resolve(community, lamp, "电工换了灯泡和开关，已经亮了。", actor=wang)
    services.confirm(community, lamp, True, actor=sun)
    services.rate(community, lamp, "satisfied", actor=sun)

    pipe = services.report(community, category_id=cats["water"], title="三组水管漏水",
                           description="三组 12 号门前的自来水管破了，水一直往外冒。", grid_id=grid.id,
                           place="三组 12 号门前", latitude=30.6321, longitude=119.6804,
                           role="grid_worker", actor=zhang)
    services.dispatch(community, pipe, water, note="主管道，村里修不了，请水务站处理。", actor=wang)
    services.accept(water, pipe, actor=users["shuiwu"])
    services.note(water, pipe, "已派人查看，明天停水抢修。", actor=users["shuiwu"])

    shed = services.report(community, category_id=cats["building"], title="路边有人搭了铁皮棚",
                           description="五组路口有人搭了一个铁皮棚，占了半条路。", place="五组路口", actor=liu)
    services.dispatch(community, shed, street, note="涉及违章搭建，需要街道执法。", actor=wang)
    shed.deadline = utcnow() - timedelta(hours=6)  # on purpose: the street's queue shows it overdue

    services.report(community, category_id=cats["sanitation"], title="河边堆了很多垃圾",
                    description="小河边有人倒建筑垃圾。", place="村东小河边", actor=zhang)
