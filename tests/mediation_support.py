"""Mediation cases in any state, made through the services (shared by the mediation,
permission and bad-input suites)."""
from __future__ import annotations

from datetime import date

from portal.extensions import db

# The personal details every test case carries: the privacy scans look for them.
STORY = "邻居王二把排水沟堵了，雨水流进我家院子。"
WISH = "请他把水沟疏通，并赔偿修墙的钱。"
OTHER_NAME = "王二麻子"
OTHER_PHONE = "13912345678"

ORDER = ("requested", "accepted", "mediating", "agreement_written", "followed_up", "closed")


def make_case(w, state: str = "requested", requester: str = "resa", other_party=None, mediator: str = "meda",
              commit: bool = True, community=None):
    """A case of `requester` in community A (or `community`), brought to `state`:
    any of ORDER, or declined, party_declined, agreement_oral, failed."""
    from portal.mediation import services as ms

    c = community or w.a
    committee = w["coma"] if c is w.a else w["comb"]
    case = ms.file_request(w[requester], c, category="neighbours", what_happened=STORY, what_they_want=WISH,
                           other_party_name=OTHER_NAME, other_party_contact=OTHER_PHONE,
                           other_party=w[other_party] if other_party else None, contact_time="晚上七点以后",
                           urgency="normal", consent=True)
    if state == "declined":
        ms.triage(committee, c, case, False, "这是合同纠纷，请去法院。", "court")
    elif state != "requested":
        ms.triage(committee, c, case, True)
        if state == "party_declined":
            ms.other_party_answer(committee, c, case, False)
        elif state != "accepted":
            ms.other_party_answer(committee, c, case, True)
            ms.assign_mediator(committee, c, case, w[mediator], True)
            med = w[mediator]
            if state not in ("mediating",):
                ms.add_session(med, c, case, date(2026, 11, 20), "村委会调解室", "双方", "王二态度缓和")
                if state == "failed":
                    ms.record_outcome(med, c, case, "failed", note="可以向法院起诉。", referral="court")
                elif state == "agreement_oral":
                    ms.record_outcome(med, c, case, "oral", facts="口头约定三天内疏通。")
                else:
                    ms.record_outcome(med, c, case, "written", facts="水沟堵塞。", issues="谁来修。",
                                      terms=[("王二疏通水沟", "自己动手", date(2026, 12, 1))])
                if state in ("followed_up", "closed"):
                    ms.record_follow_up(committee, c, case, "kept", "已疏通。")
                if state == "closed":
                    ms.close_case(committee, c, case)
    if commit:
        db.session.commit()
    return case
