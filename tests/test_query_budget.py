"""SQL statements per page are bounded by a constant (docs/architecture.md, "Performance": no N+1).

Each page is requested once with a small world and once more after the data has
grown (more members with roles, pending and rejected requests, hundreds of audit
events, dozens of communities). The number of statements must not change, and
must stay under CAP.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal import audit
from portal.communities import services as cs
from portal.extensions import db

from .support.budget import (
    CAP,
    assert_constant,
    clients_for,
    make_people,
    measure,
    statements_for,
)
from .support.helpers import build_world


def grow(w) -> None:
    """Turn the small world into a large one."""
    coma, resa, root = w["coma"], w["resa"], w["root"]
    others = [cs.create_community(root, f"ort-{i:02d}", f"Ort {i:02d}", f"Region {i}") for i in range(30)]
    people = make_people("bulk", 60)
    for i, u in enumerate(people[:40]):  # verified residents, some with roles
        m = cs.add_resident(w.a, u, actor=coma)
        if i % 4 == 0:
            cs.grant_role(w.a, m, "mediator", actor=coma)
        if i % 10 == 0:
            cs.grant_role(w.a, m, "committee", actor=coma)
    for u in people[40:55]:  # waiting requests
        cs.request_join(w.a, "please let me in", actor=u)
    for u in people[55:]:  # rejected requests
        cs.reject_member(w.a, cs.request_join(w.a, "", actor=u), "unknown", actor=coma)
    # resa belongs to many communities, in every status, with roles in some
    for i, c in enumerate(others[:12]):
        m = cs.request_join(c, "", actor=resa)
        if i % 3 == 0:
            cs.approve_member(c, m, actor_role="platform_admin", actor=root)
            cs.grant_role(c, m, "mediator", actor_role="platform_admin", actor=root)
        elif i % 3 == 1:
            cs.reject_member(c, m, "no", actor=root)
    db.session.commit()
    # Hundreds of audit events by many different actors and of many kinds
    actors = people[:40] + [coma, resa, None]
    while w.a.audit_seq < 320:
        n = w.a.audit_seq
        audit.record(w.a, f"test.kind{n % 7}", ("membership", n), {"n": n}, actor=actors[n % len(actors)])
        if n % 100 == 0:
            db.session.commit()
    db.session.commit()


def _deep(w) -> str:
    return f"/c/dorf-a/audit/?before={max(2, w.a.audit_seq // 2)}"


# (page, who is signed in (None: visitor), url or url-from-world)
PAGES = [
    ("home (visitor)", None, "/"),
    ("home (signed in)", "resa", "/"),
    ("login", None, "/login"),
    ("community home (visitor)", None, "/c/dorf-a/"),
    ("community home (resident)", "resa", "/c/dorf-a/"),
    ("members (committee)", "coma", "/c/dorf-a/members"),
    ("audit (resident)", "resa", "/c/dorf-a/audit/"),
    ("audit deep keyset page (resident)", "resa", _deep),
    ("audit filtered (committee)", "coma", "/c/dorf-a/audit/?action=membership.added"),
    ("account (resident)", "resa", "/account"),
    ("for me to do (committee)", "coma", "/c/dorf-a/queue/"),
    ("for me to do (resident)", "resa", "/c/dorf-a/queue/"),
    ("for me to do, every community (resident)", "resa", "/queue"),
    ("my things (resident)", "resa", "/c/dorf-a/mine/"),
    ("admin (platform admin)", "root", "/admin/"),
]




def _measure(clients, w) -> dict[str, list[str]]:
    return {name: statements_for(clients[who], url(w) if callable(url) else url) for name, who, url in PAGES}


def test_statements_per_page_do_not_grow_with_data(app, fast_passwords):
    w = build_world()
    clients = clients_for(app, PAGES)
    small = _measure(clients, w)
    grow(w)
    assert w.a.audit_seq >= 300
    large = _measure(clients, w)
    assert_constant(PAGES, small, large, CAP, "page (small data -> large data)", width=40)

    # Later pages of the member list cost what the first one does.
    pages = [len(statements_for(clients["coma"], f"/c/dorf-a/members?page={n}")) for n in (1, 2, 3)]
    assert pages[0] == pages[1] == pages[2], pages


# --- Proposals: the list, detail, oversight, reports and settings pages ---------------------------

PROPOSAL_CAP = CAP


def _grow_proposals(w, start: int, stop: int, ctx: dict) -> None:
    """Items start..stop-1 of everything a proposal page can show a lot of, bulk-inserted:
    people, proposals (open, overdue, answered, resa's drafts), supports, comments and replies
    on one proposal, progress reports on an answered one, open reports, categories."""
    from datetime import timedelta

    from sqlalchemy import insert, select

    from portal.comments.models import Comment
    from portal.communities.models import Membership
    from portal.db import utcnow
    from portal.moderation.models import Flag
    from portal.proposals.models import (
        ProgressUpdate,
        Proposal,
        ProposalCategory,
        ProposalSupport,
    )

    n = stop - start
    people = make_people(f"p{start}x", n)
    now = utcnow()
    db.session.execute(insert(Membership), [
        {"community_id": w.a.id, "user_id": u.id, "status": "verified", "requested_at": now, "decided_at": now}
        for u in people])
    cats = ctx["cats"]
    rows = []
    for k, u in enumerate(people):
        i = start + k
        state = ("published", "under_review", "accepted", "implemented", "withdrawn")[i % 5]
        rows.append({
            "community_id": w.a.id, "author_id": u.id, "category_id": cats[i % len(cats)], "title": f"Well {i}",
            "body": f"The well number {i} is dry.", "state": state, "support_count": i % 17,
            "created_at": now - timedelta(days=40, minutes=i), "published_at": now - timedelta(days=30, minutes=i),
            "review_started_at": now - timedelta(days=25) if state != "published" else None,
            "answer_due_at": now - timedelta(days=10, minutes=i) if state != "published" else None,
            "answered_at": now - timedelta(days=20) if state in ("accepted", "implemented") else None,
        })
        rows.append({"community_id": w.a.id, "author_id": w["resa"].id, "category_id": cats[0],
                     "title": f"Draft {i}", "body": "draft", "state": "draft", "created_at": now})
    db.session.execute(insert(Proposal), rows)
    db.session.execute(insert(ProposalSupport), [
        {"proposal_id": ctx["detail"], "user_id": u.id, "created_at": now} for u in people])
    db.session.execute(insert(Comment), [
        {"community_id": w.a.id, "subject_type": "proposal", "subject_id": ctx["detail"],
         "parent_id": ctx["first_comment"] if (start + k) % 2 and ctx.get("first_comment") else None,
         "author_id": u.id, "body": f"Comment {start + k}", "created_at": now,
         "hidden_at": now if k % 7 == 3 else None, "hidden_reason": "rude" if k % 7 == 3 else ""}
        for k, u in enumerate(people)])
    if not ctx.get("first_comment"):
        ctx["first_comment"] = db.session.execute(select(Comment.id).order_by(Comment.id).limit(1)).scalar_one()
    comment_ids = db.session.execute(select(Comment.id).order_by(Comment.id.desc()).limit(n)).scalars().all()
    db.session.execute(insert(Flag), [
        {"community_id": w.a.id, "subject_type": "comment", "subject_id": cid, "user_id": u.id,
         "reason": "rude", "created_at": now} for cid, u in zip(comment_ids, people)])
    db.session.execute(insert(ProgressUpdate), [
        {"proposal_id": ctx["answered"], "author_id": u.id, "body": f"Step {start + k}", "created_at": now}
        for k, u in enumerate(people)])
    db.session.execute(insert(ProposalCategory), [
        {"community_id": w.a.id, "key": f"cat{start + k}", "name_zh": f"类{start + k}", "name_en": f"Cat {start + k}",
         "position": 10 + start + k, "active": k % 2 == 0} for k in range(n)])
    db.session.commit()


def _proposal_world(w) -> dict:
    """The proposals every page is measured on, with 2 photos, an answer and a report."""
    from portal.moderation import services as mod
    from portal.proposals import services as ps
    from portal.uploads.models import Attachment

    from .support.proposals import make_proposal, set_threshold

    set_threshold(w.a, 1)
    detail = make_proposal(w, title="The well is dry")
    ps.support(w.a, detail, actor=w["meda"])
    answered = make_proposal(w, title="Road")
    ps.support(w.a, answered, actor=w["meda"])
    ps.answer(w.a, answered, "accepted", "We will.", actor=w["coma"])
    mod.flag(w.a, answered, "spam", actor=w["meda"])
    set_threshold(w.a, 100000)
    for k in range(2):
        db.session.add(Attachment(community_id=w.a.id, owner_type="proposal", owner_id=detail.id, kind="image",
                                  original_name="p.png", content_type="image/png", size_bytes=10, sha256="0" * 64,
                                  storage_key=f"{w.a.id}/00/{k}.png", width=40, height=30,
                                  created_by_id=w["resa"].id))
    db.session.commit()
    return {"detail": detail.id, "answered": answered.id, "cats": [c.id for c in ps.categories(w.a)]}


def test_proposal_pages_do_not_grow_with_data(app, fast_passwords):
    app.config["PAGE_CACHE_SECONDS"] = 0  # what a page costs when it is rendered, not when it is kept
    w = build_world()
    ctx = _proposal_world(w)
    _grow_proposals(w, 0, 5, ctx)
    detail, answered = f"/c/dorf-a/proposals/{ctx['detail']}", f"/c/dorf-a/proposals/{ctx['answered']}"
    far = "253402214399999999.2147483647"  # a later page: everything older than the end of time
    pages = [
        ("proposals list (visitor)", None, "/c/dorf-a/proposals/"),
        ("proposals list, most supported (resident with drafts)", "resa", "/c/dorf-a/proposals/?sort=supported"),
        ("proposals list, oldest open (committee)", "coma", "/c/dorf-a/proposals/?sort=oldest"),
        ("proposals list, state + category + search", None,
         f"/c/dorf-a/proposals/?state=open&category={ctx['cats'][1]}&q=well"),
        ("proposals list, later page", None, f"/c/dorf-a/proposals/?after={far}"),
        ("proposal detail (visitor)", None, detail),
        ("proposal detail (supporter)", "meda", detail),
        ("proposal detail (author)", "resa", detail),
        ("proposal detail (committee)", "coma", detail),
        ("answered proposal with progress (visitor)", None, answered),
        ("answered proposal with progress (committee)", "coma", answered),
        ("oversight (visitor)", None, "/c/dorf-a/proposals/oversight"),
        ("reports queue (committee)", "coma", "/c/dorf-a/moderation/"),
        ("report form (resident)", "resa", f"/c/dorf-a/moderation/flag/comment/{ctx['first_comment']}"),
        ("proposal settings (committee)", "coma", "/c/dorf-a/proposals/settings"),
        ("new proposal form (resident)", "resa", "/c/dorf-a/proposals/new"),
        ("for me to do: overdue answers, reports (committee)", "coma", "/c/dorf-a/queue/"),
        ("for me to do: answers to my proposals (resident)", "resa", "/c/dorf-a/queue/"),
    ]
    clients = clients_for(app, pages)
    small = measure(clients, pages)
    _grow_proposals(w, 5, 500, ctx)
    large = measure(clients, pages)
    assert_constant(pages, small, large, PROPOSAL_CAP, "proposal page (5 -> 500 proposals, supports, comments, reports)")
    # The large pages really show a lot: a full page of the 500 comments' threads, 100 overdue answers.
    html = clients[None].get(detail).get_data(as_text=True)
    assert html.count('<div class="comment-thread">') == 50 and 'cpage=2' in html
    html = clients[None].get("/c/dorf-a/proposals/oversight").get_data(as_text=True)
    assert html.count('class="row overdue"') == 100


# --- Village rules: the same statements with 10 and with 300 clauses, amendments and comments ----

def _grow_rules(w, v, nxt, start: int, stop: int) -> None:
    """Clauses start..stop-1 in both versions (v in revision, nxt its draft), an amendment and
    a comment on each, supports on the first amendment, bulk-inserted."""
    from sqlalchemy import insert, select

    from portal.comments.models import Comment
    from portal.db import utcnow
    from portal.rules.models import Amendment, AmendmentSupport, RuleChapter, RuleClause

    now = utcnow()
    people = make_people(f"r{start}x", stop - start)
    for version in (v, nxt):
        chapter = db.session.execute(select(RuleChapter.id).where(RuleChapter.version_id == version.id)).scalar()
        db.session.execute(insert(RuleClause), [
            {"community_id": w.a.id, "version_id": version.id, "chapter_id": chapter, "number": 100 + i,
             "key": f"k{i:05d}", "text": f"第 {i} 条：村民应当爱护第 {i} 号公共设施。" + ("" if version is v else "新")}
            for i in range(start, stop)])
    clause_ids = db.session.execute(select(RuleClause.id).where(RuleClause.version_id == v.id)
                                    .order_by(RuleClause.id.desc()).limit(stop - start)).scalars().all()
    db.session.execute(insert(Amendment), [
        {"community_id": w.a.id, "version_id": v.id, "author_id": u.id, "kind": "change", "target_key": f"k{i:05d}",
         "proposed_text": f"第 {i} 条：村民必须爱护公共设施。", "rationale": "更清楚", "support_count": i % 7,
         "created_at": now, "decision": "rejected" if i % 2 else None, "decision_reason": "不需要" if i % 2 else ""}
        for i, u in zip(range(start, stop), people)])
    db.session.execute(insert(Comment), [
        {"community_id": w.a.id, "subject_type": "rule_clause", "subject_id": cid, "author_id": u.id,
         "body": "同意", "created_at": now} for cid, u in zip(clause_ids, people)])
    first = db.session.execute(select(Amendment.id).where(Amendment.version_id == v.id)
                               .order_by(Amendment.id).limit(1)).scalar_one()
    db.session.execute(insert(AmendmentSupport), [{"amendment_id": first, "user_id": u.id, "created_at": now}
                                                  for u in people])
    db.session.commit()


def test_rules_pages_do_not_grow_with_clauses(app, fast_passwords):
    from portal.rules import phases
    from portal.rules import services as rs
    from portal.rules.models import Amendment

    from .support.rules import make_rules

    w = build_world()
    adopted = make_rules(w, "adopted")
    v = make_rules(w, "revision")
    amendment = db.session.execute(db.select(Amendment).where(Amendment.version_id == v.id)).scalar_one()
    phases.decide_amendment(w.a, v, amendment, "accepted", "ok", actor=w["coma"])
    db.session.commit()
    _grow_rules(w, v, adopted, 0, 5)  # 10 clauses
    clause = rs.clauses_of(v)[0]
    doc = f"/c/dorf-a/rules/{adopted.document_id}"
    base = f"/c/dorf-a/rules/v/{v.id}"
    pages = [
        ("rules list (visitor)", None, "/c/dorf-a/rules/"),
        ("rules document (visitor)", None, doc),
        ("rules adopted text (visitor)", None, doc + "/adopted"),
        ("rules print view (visitor)", None, doc + "/print"),
        ("rules history with diff (visitor)", None, doc + "/history"),
        ("rules version in revision (resident)", "resa", base),
        ("rules version (committee)", "coma", base),
        ("rules clause with amendments and comments (resident)", "resa", f"{base}/clauses/{clause.id}"),
        ("rules amendment (resident)", "meda", f"{base}/amendments/{amendment.id}"),
        ("rules revision page (committee)", "coma", base + "/revision"),
    ]
    clients = clients_for(app, pages)
    small = measure(clients, pages)
    _grow_rules(w, v, adopted, 5, 300)  # 300 clauses and more
    large = measure(clients, pages)
    assert_constant(pages, small, large, CAP, "rules page (10 -> 300 clauses, amendments, comments)")
    assert clients["coma"].get(base + "/revision").get_data(as_text=True).count('class="row amendment"') >= 300
    adopted_html = clients[None].get(doc + "/adopted").get_data(as_text=True)
    assert adopted_html.count('class="rule-clause"') >= 300
    if app.config["READ_ALOUD"]:  # one read-aloud control per clause, at no extra statement
        assert adopted_html.count('class="read-aloud-link"') >= 300


# --- Mediation: my cases, the committee's list, the case page, the agreement, the figures -------

def _grow_mediation(w, detail_id: int, start: int, stop: int) -> None:
    """Cases of every state (resa's and others'), with sessions, mediators, terms, follow-ups
    and ratings on the case that is measured and on the others."""
    from datetime import date

    from sqlalchemy import insert

    from portal.db import utcnow
    from portal.mediation.models import (
        AgreementTerm,
        CaseSession,
        MediationCase,
        MediatorAssignment,
        Rating,
    )
    from portal.mediation.states import STATES

    now = utcnow()
    n = stop - start
    people = make_people(f"m{start}x", n)
    db.session.execute(insert(MediationCase), [
        {"community_id": w.a.id, "state": STATES[(start + k) % (len(STATES) - 1)], "category": "family",
         "urgency": "normal", "origin": "self", "requester_id": (w["resa"] if k % 3 == 0 else u).id,
         "what_happened": f"Story {start + k}", "what_they_want": "peace", "other_party_name": "Other",
         "consent_version": "v", "consent_text": "ok", "requested_at": now - timedelta(days=k % 40),
         "assigned_at": now - timedelta(days=k % 50), "outcome_at": now - timedelta(days=k % 20),
         "final_state": ""} for k, u in enumerate(people)])
    db.session.execute(insert(CaseSession), [
        {"case_id": detail_id, "held_on": date(2026, 1, 1 + k % 28), "place": f"Room {start + k}",
         "attendees": "both", "notes": "private", "created_at": now} for k in range(n)])
    db.session.execute(insert(MediatorAssignment), [
        {"case_id": detail_id, "mediator_id": u.id, "assigned_by_id": w["coma"].id, "assigned_at": now,
         "no_conflict_declared": True, "active": k % 2 == 0, "conflict_declared": k % 2 == 1,
         "change_reason": ""} for k, u in enumerate(people)])
    db.session.execute(insert(AgreementTerm), [
        {"agreement_id": w.agreement_id, "position": start + k, "what": f"Term {start + k}", "how": "so"}
        for k in range(n)])
    db.session.execute(insert(Rating), [
        {"case_id": detail_id, "user_id": u.id, "stars": 1 + k % 5, "comment": "", "created_at": now}
        for k, u in enumerate(people)])
    db.session.commit()


def test_mediation_pages_do_not_grow_with_data(app, fast_passwords):
    from portal.mediation import services as ms
    from portal.mediation.models import Agreement

    from .support.mediation import make_case

    w = build_world()
    case = make_case(w, "agreement_written")
    ms.record_follow_up(w.a, case, "partly", "", actor=w["coma"])
    busy = make_case(w, "mediating")
    db.session.commit()
    w.agreement_id = db.session.execute(
        select(Agreement.id).where(Agreement.case_id == case.id)).scalar_one()
    _grow_mediation(w, case.id, 0, 5)
    base = "/c/dorf-a/mediation"
    pages = [
        ("my cases (resident)", "resa", f"{base}/"),
        ("committee list", "coma", f"{base}/committee"),
        ("committee list, open only", "coma", f"{base}/committee?state=open"),
        ("case (committee)", "coma", f"{base}/{case.id}"),
        ("case (requester)", "resa", f"{base}/{case.id}"),
        ("case in mediation (mediator)", "meda", f"{base}/{busy.id}"),
        ("agreement print view (requester)", "resa", f"{base}/{case.id}/agreement"),
        ("outcome form (mediator)", "meda", f"{base}/{busy.id}/outcome"),
        ("figures (visitor)", None, f"{base}/figures"),
        ("intake form (resident)", "resa", f"{base}/new"),
        ("for me to do: requests waiting (committee)", "coma", "/c/dorf-a/queue/"),
        ("for me to do: cases I mediate (mediator)", "meda", "/c/dorf-a/queue/"),
        ("my things: cases with subjects (resident)", "resa", "/c/dorf-a/mine/"),
    ]
    clients = clients_for(app, pages)
    small = measure(clients, pages)
    _grow_mediation(w, case.id, 5, 400)
    large = measure(clients, pages)
    assert_constant(pages, small, large, MEDIATION_CAP,
                    "mediation page (5 -> 400 cases, sessions, mediators, terms, ratings)", width=45)
    html = clients["coma"].get(f"{base}/{case.id}").get_data(as_text=True)
    assert html.count("Room ") >= 400  # the large page really shows all sessions


# The case page writes its audit event (who looked): the lock, the head and the insert.
MEDIATION_CAP = CAP + 5
