"""Mediation cases in any state, made through the services (shared by the mediation,
permission and bad-input suites)."""
from __future__ import annotations

from datetime import date

from portal.extensions import db
from portal.web.errors import RuleViolation

# The personal details every test case carries: the privacy scans look for them.
STORY = "邻居王二把排水沟堵了，雨水流进我家院子。"
WISH = "请他把水沟疏通，并赔偿修墙的钱。"
OTHER_NAME = "王二麻子"
OTHER_PHONE = "13912345678"

ORDER = ("requested", "accepted", "mediating", "agreement_written", "followed_up", "closed")


def make_case(w, state: str = "requested", requester: str = "resa", other_party=None, mediator: str = "meda",
              commit: bool = True, community=None):
    """A case of `requester` in community A (or `community`), brought to `state`:
    any of ORDER, or declined, party_declined, agreement_oral, failed; or "assigned": in mediation,
    its mediator assigned but not yet declared that he has no conflict of interest."""
    from portal.mediation import services as ms

    c = community or w.a
    committee = w["coma"] if c is w.a else w["comb"]
    case = ms.file_request(c, category="neighbours", what_happened=STORY, what_they_want=WISH,
                           other_party_name=OTHER_NAME, other_party_contact=OTHER_PHONE,
                           other_party=w[other_party] if other_party else None, contact_time="晚上七点以后",
                           urgency="normal", consent=True, actor=w[requester])
    if state == "declined":
        ms.triage(c, case, False, "这是合同纠纷，请去法院。", "court", actor=committee)
    elif state != "requested":
        ms.triage(c, case, True, actor=committee)
        if state == "party_declined":
            ms.other_party_answer(c, case, False, actor=committee)
        elif state == "assigned":
            ms.other_party_answer(c, case, True, actor=committee)
            ms.assign_mediator(c, case, w[mediator], actor=committee)
        elif state != "accepted":
            ms.other_party_answer(c, case, True, actor=committee)
            ms.declare_no_conflict(c, case, ms.assign_mediator(c, case, w[mediator], actor=committee), actor=w[mediator])
            med = w[mediator]
            if state not in ("mediating",):
                ms.add_session(c, case, date(2026, 11, 20), "村委会调解室", "双方", "王二态度缓和", actor=med)
                if state == "failed":
                    ms.record_outcome(c, case, "failed", note="可以向法院起诉。", referral="court", actor=med)
                elif state == "agreement_oral":
                    ms.record_outcome(c, case, "oral", facts="口头约定三天内疏通。", actor=med)
                else:
                    ms.record_outcome(c, case, "written", facts="水沟堵塞。", issues="谁来修。",
                                      terms=[("王二疏通水沟", "自己动手", date(2026, 12, 1))], actor=med)
                if state in ("followed_up", "closed"):
                    ms.record_follow_up(c, case, "kept", "已疏通。", actor=committee)
                if state == "closed":
                    ms.close_case(c, case, actor=committee)
    if commit:
        db.session.commit()
    return case


ACTIONS = ["accept", "decline", "withdraw", "agree", "refuse", "assign", "remove", "conflict", "session", "written", "oral",
           "failed", "follow_up", "close", "rate", "correct", "anonymise"]


def do_action(w, case, action):
    from portal.mediation import retention
    from portal.mediation import services as ms

    a, coma, meda = w.a, w["coma"], w["meda"]
    if action == "accept":
        ms.triage(a, case, True, actor=coma)
    elif action == "decline":
        ms.triage(a, case, False, "不属于调解范围", "court", actor=coma)
    elif action == "withdraw":
        ms.withdraw_request(a, case, actor=w["resa"])
    elif action in ("agree", "refuse"):
        ms.other_party_answer(a, case, action == "agree", actor=coma)
    elif action == "assign":
        ms.declare_no_conflict(a, case, ms.assign_mediator(a, case, meda, actor=coma), actor=meda)
    elif action in ("remove", "conflict"):
        active = ms.active_assignments(case)
        if not active:
            raise RuleViolation("no mediator")
        (ms.remove_mediator(a, case, active[0], actor=coma) if action == "remove"
         else ms.declare_conflict(a, case, active[0], actor=meda))
    elif action == "session":
        ms.add_session(a, case, date(2026, 11, 1), "村委会", "", "", actor=meda)
    elif action in ("written", "oral", "failed"):
        ms.record_outcome(a, case, action, facts="事实", terms=[("做某事", "", None)], note="可去法院",
                          referral="court", actor=meda)
    elif action == "follow_up":
        ms.record_follow_up(a, case, "kept", "", actor=coma)
    elif action == "close":
        ms.close_case(a, case, actor=coma)
    elif action == "rate":
        ms.rate(a, case, 5, "", actor=w["resa"])
    elif action == "correct":
        ms.request_correction(a, case, "请更正", actor=w["resa"])
    elif action == "anonymise":
        retention.anonymise(case, a)
