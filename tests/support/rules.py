"""Rule documents in every phase, made through the services (for the rules test suites)."""
from __future__ import annotations

from datetime import timedelta

from portal.extensions import db
from portal.rules import adoption, phases, services
from portal.rules.models import RuleVersion

CLAUSES = ["村民应当爱护公共设施，不得损坏道路、路灯和水井。",
           "Burning straw in the fields is forbidden.",
           "红白喜事从简办理，不大操大办。",
           "每户每年交卫生费 100 元，用于垃圾清运。",
           "Dogs must be kept on a leash in the village."]

PHASES = ("drafting", "consultation", "revision", "vote_draft", "adoption_vote", "adopted")


def today():
    return services.local_today()


def make_rules(w, phase="consultation", community="a", clauses=None, committee=None, residents=None):
    """A document of `community` whose latest version is in `phase`; returns that version.

    consultation: running today; revision: the consultation ended yesterday, with one amendment
    of resa (to clause 1) supported by meda; vote_draft: the draft a revision made (may go to the
    vote); adoption_vote, adopted: further along (adopted through record_adoption_result).
    """
    c = getattr(w, community)
    coma = w[committee or ("coma" if community == "a" else "comb")]
    res = residents or (("resa", "meda") if community == "a" else ("resb", "comb"))
    v = services.create_document(c, "村规民约", "village_rules", actor=coma)
    chapter = services.chapters_of(v)[0]
    for text in clauses or CLAUSES:
        services.add_clause(c, v, chapter, text, actor=coma)
    if phase == "drafting":
        db.session.commit()
        return v
    t = today()
    phases.open_consultation(c, v, t, t + timedelta(days=13), t, actor=coma)
    if phase == "consultation":
        db.session.commit()
        return v
    first = services.clauses_of(v)[0]
    a = phases.propose_amendment(c, v, "change", first, "村民必须爱护公共设施。", "更清楚", t, actor=w[res[0]])
    phases.support_amendment(c, v, a, t, actor=w[res[1]])
    end_consultation(v)
    phases.start_revision(c, v, t, actor=coma)
    if phase == "revision":
        db.session.commit()
        return v
    phases.decide_amendment(c, v, a, "accepted", "大家都同意", actor=coma)
    nxt = phases.conclude_revision(c, v, "采纳一条修改建议", actor=coma)
    if phase == "vote_draft":
        db.session.commit()
        return nxt
    adoption.start_adoption_vote(nxt, coma)
    if phase == "adopted":
        adoption.record_adoption_result(nxt, None, passed=True, poll_id=None, summary="赞成 120 票，反对 8 票，弃权 5 票")
    db.session.commit()
    return nxt


def end_consultation(v: RuleVersion) -> None:
    """Let the consultation's days pass: its window ends yesterday (tests only)."""
    t = today()
    v.consultation_start, v.consultation_end = t - timedelta(days=14), t - timedelta(days=1)
    db.session.flush()
