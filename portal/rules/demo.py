"""Demo village rules for `flask seed-demo`: 东山村 has adopted rules (with filing), a new
version in consultation with amendments, supports and comments, and a sanitation agreement
still being drafted by the committee."""
from __future__ import annotations

from datetime import timedelta

from ..comments import services as comments
from . import adoption, phases, services

RULES = [
    ("总则", ["为了建设文明和谐的东山村，根据有关法律法规，经村民会议讨论通过，制定本村规民约。",
             "本村规民约适用于本村全体村民，外来居住人员参照执行。"]),
    ("公共秩序", ["村民应当爱护公共设施，不得损坏道路、路灯和水井。",
              "禁止在田间地头焚烧秸秆和垃圾。",
              "红白喜事从简办理，不大操大办，不搞攀比。",
              "饲养犬只应当拴养，出门牵绳，及时清理粪便。"]),
    ("环境卫生", ["每户门前实行“三包”：包卫生、包绿化、包秩序。",
              "生活垃圾分类投放到指定地点，不得倒入河道。"]),
]


def seed(community, users) -> dict:
    wang, zhang, sun, liu, zhao = (users[k] for k in ("wang", "zhang", "13800000001", "liu", "zhao"))
    today = services.local_today()
    v1 = services.create_document(community, "东山村村规民约", "village_rules", actor=wang)
    first = services.chapters_of(v1)[0]
    services.rename_chapter(community, v1, first, RULES[0][0], actor=wang)
    chapters = [first] + [services.add_chapter(community, v1, title, actor=wang) for title, _ in RULES[1:]]
    for chapter, (_title, clauses) in zip(chapters, RULES):
        for text in clauses:
            services.add_clause(community, v1, chapter, text, actor=wang)
    phases.open_consultation(community, v1, today, today + timedelta(days=14), today, actor=wang)
    c = services.clauses_of(v1)
    a = phases.propose_amendment(community, v1, "change", c[3], "禁止在田间地头和房前屋后焚烧秸秆和垃圾。",
                                 "房前屋后烧垃圾也呛人。", today, actor=zhang)
    phases.support_amendment(community, v1, a, today, actor=sun)
    # The demo's first round is shown as if it had run last month, so that it can be concluded now.
    v1.consultation_start, v1.consultation_end = today - timedelta(days=30), today - timedelta(days=16)
    phases.start_revision(community, v1, today, actor=wang)
    phases.decide_amendment(community, v1, a, "accepted", "大家都赞成，照原样采纳。", actor=wang)
    v2 = phases.conclude_revision(community, v1, "采纳张桂兰关于焚烧的修改建议", actor=wang)
    # Version 2 was adopted at a villagers' meeting held on paper before the portal: its result is
    # recorded as history (no online poll). New versions go through start_adoption_vote and a poll.
    v2.status = "adoption_vote"
    adoption.record_adoption_result(v2, wang, passed=True, poll_id=None,
                                    summary="村民会议到会 156 人：赞成 141 票，反对 6 票，弃权 9 票")
    phases.file_version(community, v2, today, "递铺街道备〔2026〕12号", today, actor=wang)

    v3 = services.start_redraft(community, services.open_version_document(v2), "增加停车和高空抛物的规定", actor=wang)
    chapter = services.chapters_of(v3)[1]
    services.add_clause(community, v3, chapter, "车辆停放在划定的车位，不得堵塞消防通道。", actor=wang)
    phases.open_consultation(community, v3, today, today + timedelta(days=20), today, actor=wang)
    c = services.clauses_of(v3)
    change = phases.propose_amendment(community, v3, "change", c[4], "红白喜事从简办理，酒席不超过十桌。",
                                      "写清楚桌数，大家好遵守。", today, actor=liu)
    for u in (zhang, sun):
        phases.support_amendment(community, v3, change, today, actor=u)
    new = phases.propose_amendment(community, v3, "new", c[5], "禁止高空抛物。", "楼上扔东西砸到过人。", today, actor=sun)
    phases.support_amendment(community, v3, new, today, actor=zhao)
    comment = comments.add_comment(community, c[4], "十桌还是太多，八桌就够了。", actor=zhao)
    comments.add_comment(community, c[4], "可以再商量。", parent=comment, actor=liu)

    drafting = services.create_document(community, "东山村环境卫生公约", "sanitation_agreement", actor=wang)
    services.add_clause(community, drafting, services.chapters_of(drafting)[0], "垃圾每天清运一次。", actor=wang)
    return {"rules_doc": v2.document_id, "rules_adopted": v2.id, "rules_consultation": v3.id,
            "rules_clause": c[4].id, "rules_amendment": change.id, "rules_draft": drafting.id,
            "rules_old": v1.id}
