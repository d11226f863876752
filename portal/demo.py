"""Demo data for `flask seed-demo` (refused in production). DEMO PASSWORDS ONLY.

Every demo account has the password DEMO_PASSWORD; never use them for real data.

The story is told relative to the day it is seeded (issue 14): the services write "now", so the
seeds move each object's own dates back afterwards, consistently (written before published
before sent to the committee before answered). The audit trail keeps the seeding time: its
times are sealed in the chain. What is late on purpose: 村口装几盏路灯 (answer 5 days overdue)
and 孙大爷's urgent mediation request (waiting 5 days). Everything else is on time.
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
    ("wang", "王秀英（村委会）"),
    ("lijg", "李建国（居委会）"),
    ("zhao", "赵德明（调解员）"),
    ("zhang", "张桂兰"),
    ("chen", "陈志强"),
    ("liu", "刘芳"),
    ("13800000001", "孙大爷"),
    # The levels above (issue 15): street, department and district staff.
    ("jiedao", "孙建东（递铺街道）"),
    ("shuiwu", "周水生（水务站）"),
    ("quzf", "吴敏（安吉县）"),
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

    from .levels import demo as levels_demo

    tree = levels_demo.seed_tree(users)
    dongshan = communities.create_community(admin, "dongshan", "东山村", "浙江省 安吉县 递铺街道", "village",
                                            parent=tree["dipu"])
    heping = communities.create_community(admin, "heping", "和平里社区", "北京市 东城区 和平里街道", "urban",
                                          parent=tree["hepingli"])

    communities.appoint_committee(dongshan, users["wang"], actor=admin)
    communities.appoint_committee(heping, users["lijg"], actor=admin)

    wang, li = users["wang"], users["lijg"]
    for resident in ("zhang", "zhao", "13800000001"):
        m = communities.request_join(dongshan, "第三村民小组", actor=users[resident])
        communities.approve_member(dongshan, m, actor=wang)
    communities.add_resident(dongshan, users["liu"], actor=wang)  # liu has family in both places
    zhao_m = next(m for m in _memberships(dongshan) if m.user_id == users["zhao"].id)
    communities.grant_role(dongshan, zhao_m, "mediator", actor=wang)
    communities.request_join(dongshan, "我家在东山村 5 组，刚搬回来", actor=users["chen"])

    m = communities.request_join(heping, "3 号楼 2 单元", actor=users["liu"])
    communities.approve_member(heping, m, actor=li)
    communities.request_join(heping, "", actor=users["zhang"])
    _proposals(dongshan, users)
    _roster(heping, li)  # the urban community's paper roster (东山村's electorate stays as the votes demo expects)
    _assisted(dongshan, wang)
    from .rules import demo as rules_demo

    rules_demo.seed(dongshan, users)
    from .mediation import demo as mediation_demo

    mediation_demo.seed(dongshan, users)
    from .votes import demo as votes_demo

    votes_demo.seed(dongshan, users)
    levels_demo.seed_grids(dongshan, users)
    from .matters import demo as matters_demo

    matters_demo.seed(dongshan, tree, users)
    db.session.commit()
    return True


def _proposals(community, users):
    """Proposals in every state, each with dates that make sense today: one answered weeks ago
    (on time) and being built, one answered late-free but overdue on purpose, one near its
    deadline, a recent one still gathering support, and a draft written today."""
    from datetime import timedelta

    from .comments import services as comments
    from .db import utcnow
    from .proposals import services as proposals
    from .proposals.models import ProposalSettings

    db.session.add(ProposalSettings(community_id=community.id, support_threshold=3, answer_days=15))
    cats = {c.key: c.id for c in proposals.categories(community)}
    zhang, sun, liu, zhao, wang = (users[k] for k in ("zhang", "13800000001", "liu", "zhao", "wang"))
    now = utcnow()
    road = proposals.create_proposal(
        community, "修一修通往小学的那段路",
        "下雨天路上全是积水，孩子们上学要蹚水走。\n希望村里能把这段路垫高，再修一条排水沟。", cats["roads"], publish=True, actor=zhang)
    for u in (sun, liu, zhao):
        proposals.support(community, road, actor=u)
    proposals.answer(community, road, "accepted",
                     "村委会同意修路。已列入今年的村级工程，预计 5 月动工，由村委会王秀英负责，工程款从集体资金中支出。", actor=wang)
    proposals.add_progress(community, road, "石料已经运到，下周开始施工。", implemented=False, actor=wang)
    _dates(road, now, written=40, review=36, answered=28, progress=6)

    lights = proposals.create_proposal(
        community, "村口装几盏路灯", "晚上村口太黑，老人走路容易摔倒。", cats["safety"], publish=True, actor=sun)
    for u in (zhang, liu, zhao):
        proposals.support(community, lights, actor=u)
    # This one has waited too long on purpose: it shows on the oversight page (5 days overdue).
    _dates(lights, now, written=24, review=20)

    crossing = proposals.create_proposal(
        community, "小学门口画一条斑马线", "放学时车开得快，孩子过马路很危险。", cats["safety"], publish=True, actor=zhao)
    for u in (zhang, liu, sun):
        proposals.support(community, crossing, actor=u)
    _dates(crossing, now, written=16, review=13)  # answer due in 2 days: near its deadline

    bins = proposals.create_proposal(
        community, "垃圾桶每天清运一次", "夏天垃圾桶两三天才清一次，味道很大。", cats["sanitation"], publish=True, actor=liu)
    proposals.support(community, bins, actor=zhang)
    _dates(bins, now, written=3)
    c = comments.add_comment(community, bins, "同意，夏天尤其要勤清运。", actor=zhao)
    c.created_at = now - timedelta(days=2, hours=3)
    reply = comments.add_comment(community, bins, "谢谢赵师傅支持！", parent=c, actor=liu)
    reply.created_at = now - timedelta(days=2)
    proposals.create_proposal(community, "广场舞音响晚上九点后调小声",
                              "（草稿）还没想好怎么写。", cats["other"], publish=False, actor=zhang)
    db.session.flush()


def _dates(p, now, *, written: int, review: int | None = None, answered: int | None = None,
           progress: int | None = None):
    """Move a seeded proposal's dates to `written` days ago and the later steps after it (days
    ago each); the answer is due answer_days (15) after the review started."""
    from datetime import timedelta

    from .proposals.models import OfficialAnswer, ProgressUpdate, ProposalSupport

    def ago(days):
        return now - timedelta(days=days)

    p.created_at = p.published_at = ago(written)
    supports = db.session.execute(select(ProposalSupport).where(ProposalSupport.proposal_id == p.id)
                                  .order_by(ProposalSupport.id)).scalars().all()
    last = review if review is not None else 0
    for i, s in enumerate(supports):  # spread between writing and the review (or today)
        s.created_at = ago(written - (written - last) * (i + 1) / (len(supports) + 1))
    if review is not None:
        p.review_started_at = ago(review)
        p.answer_due_at = ago(review) + timedelta(days=15)
    if answered is not None:
        p.answered_at = ago(answered)
        for a in db.session.execute(select(OfficialAnswer).where(OfficialAnswer.proposal_id == p.id)).scalars():
            a.created_at = ago(answered)
    if progress is not None:
        for u in db.session.execute(select(ProgressUpdate).where(ProgressUpdate.proposal_id == p.id)).scalars():
            u.created_at = ago(progress)


def _memberships(community):
    from .communities.models import Membership

    return db.session.execute(select(Membership).where(Membership.community_id == community.id)).scalars().all()


# Elderly villagers from the paper roster: no phone of their own, they sign in with a login card.
ROSTER = """姓名,户,手机
王秀兰,三组 12 号,
王建国,三组 12 号,
李桂兰,五组 3 号,
赵德福,五组 3 号,
孙玉珍,一组 8 号,
"""


def _roster(community, committee_member):
    from .roster import csvfile
    from .roster import services as roster

    rows, _errors = csvfile.parse(ROSTER)
    roster.import_roster(community, rows, actor=committee_member)


def _assisted(community, committee_member):
    """孙大爷 came to the village office: the committee recorded his support for the bins."""
    from sqlalchemy import select as _select

    from .assisted import services as assisted
    from .proposals import services as proposals
    from .auth.models import User
    from .proposals.models import Proposal

    grandpa = db.session.execute(_select(User).where(User.username == "13800000001")).scalar_one()
    bins = db.session.execute(_select(Proposal).where(Proposal.community_id == community.id,
                                                      Proposal.title == "垃圾桶每天清运一次")).scalar_one()
    assisted.act_for(community, grandpa, "proposal.supported", True, True,
                     lambda: (proposals.support(community, bins, origin="assisted", actor=grandpa), bins)[1], actor=committee_member)
