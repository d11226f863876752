"""Rules pages through HTTP: the whole deliberation in the committee's and residents' hands,
every page rendered in both languages, the print view and its QR code."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.rules import services
from portal.rules.models import Amendment, RuleClause, RuleVersion

from .support.rules import end_consultation, make_rules, today
from .support.security import client_as, main_text

pytestmark = pytest.mark.usefixtures("fast_passwords")  # conftest: a cheap password hash


def _version(vid):
    db.session.expire_all()
    return db.session.get(RuleVersion, vid)


def _clauses(v):
    return services.clauses_of(v)


def test_committee_drafts_residents_amend_committee_revises(app, world):
    coma, resa, meda = client_as(app, "coma"), client_as(app, "resa"), client_as(app, "meda")
    r = coma.post("/c/dorf-a/rules/new", {"title": "Sanitation agreement", "kind": "sanitation_agreement"})
    assert r.status_code == 303
    v = db.session.execute(select(RuleVersion)).scalar_one()
    base = f"/c/dorf-a/rules/v/{v.id}"
    assert r.headers["Location"].endswith(base)
    chapter = services.chapters_of(v)[0]
    for text in ("Keep the well clean.", "No rubbish in the river.", "村民应当爱护公共设施。"):
        assert coma.post(base + "/clauses", {"text": text, "chapter": str(chapter.id)}).status_code == 303
    assert coma.post(base + "/chapters", {"title": "附则"}).status_code == 303
    first, second, third = _clauses(v)
    assert coma.post(f"{base}/clauses/{third.id}/move", {"direction": "up"}).status_code == 303
    assert [c.text for c in _clauses(_version(v.id))][1] == "村民应当爱护公共设施。"
    assert coma.post(f"{base}/clauses/{first.id}/edit", {"text": "Keep the village well clean."}).status_code == 303
    assert coma.post(f"{base}/chapters/{chapter.id}", {"title": "总则"}).status_code == 303
    # A draft is the committee's: residents do not see it.
    assert resa.get(base).status_code == 404
    page = coma.get(base + "?lang=en")
    assert page.status_code == 200 and "Keep the village well clean." in main_text(page)

    t = today()
    r = coma.post(base + "/consultation", {"start": t.isoformat(), "end": (t + timedelta(days=6)).isoformat()})
    assert r.status_code == 303
    assert _version(v.id).status == "consultation"
    # The text is fixed now.
    assert coma.post(f"{base}/clauses/{first.id}/edit", {"text": "Changed later"}).status_code == 403
    text = main_text(resa.get(base + "?lang=en"))
    assert "7 days left, today included." in text

    r = resa.post(f"{base}/clauses/{first.id}/amendments",
                  {"kind": "change", "text": "Keep the village well and the pond clean.", "rationale": "The pond too"})
    assert r.status_code == 303
    a1 = db.session.execute(select(Amendment).order_by(Amendment.id.desc())).scalars().first()
    r = meda.post(f"{base}/clauses/{second.id}/amendments",
                  {"kind": "delete", "text": "", "rationale": "Already in the county rules"})
    assert r.status_code == 303
    assert meda.post(f"{base}/amendments/{a1.id}/support").status_code == 303
    assert resa.post(f"{base}/amendments/{a1.id}/support").status_code == 403  # own amendment
    assert resa.post(f"{base}/clauses/{first.id}/comments", {"body": "Good idea"}).status_code == 303
    page = resa.get(f"{base}/amendments/{a1.id}?lang=en")
    html = page.get_data(as_text=True)
    assert "<ins>" in html and "[added:" in html and "pond" in html
    clause_page = main_text(resa.get(f"{base}/clauses/{first.id}?lang=en"))
    assert "Good idea" in clause_page and "1 supporter" in clause_page

    # Before the last day has passed the revision cannot start.
    assert coma.post(base + "/start-revision").status_code == 403
    end_consultation(_version(v.id))
    db.session.commit()
    assert resa.post(f"{base}/clauses/{first.id}/amendments",
                     {"kind": "delete", "rationale": "late"}).status_code == 403
    assert coma.post(base + "/start-revision").status_code == 303
    rev = coma.get(base + "/revision?lang=en")
    assert rev.status_code == 200
    order = re.findall(r'id="amendment-(\d+)"', rev.get_data(as_text=True))
    assert order[0] == str(a1.id)  # most supported first
    a2 = db.session.execute(select(Amendment).where(Amendment.kind == "delete")).scalar_one()
    assert coma.post(f"{base}/amendments/{a1.id}/decide",
                     {"decision": "merged", "merged_text": "Keep the village well and the ponds clean.",
                      "reason": "Both ponds"}).status_code == 303
    assert coma.post(f"{base}/amendments/{a2.id}/decide", {"decision": "rejected", "reason": ""}).status_code == 400
    assert coma.post(f"{base}/amendments/{a2.id}/decide",
                     {"decision": "rejected", "reason": "The county rule does not cover the river"}).status_code == 303
    r = coma.post(base + "/conclude", {"reason": "One amendment merged"})
    assert r.status_code == 303
    nxt = db.session.execute(select(RuleVersion).where(RuleVersion.number == 2)).scalar_one()
    assert [c.text for c in _clauses(nxt)][0] == "Keep the village well and the ponds clean."
    assert _version(v.id).status == "revised"
    # The history shows the change between version 1 and 2 (committee sees the draft).
    hist = coma.get(f"/c/dorf-a/rules/{v.document_id}/history?from={v.id}&to={nxt.id}&lang=en")
    html = hist.get_data(as_text=True)
    assert "<del>" in html and "ponds" in html and "Changed: 1" in main_text(hist)
    # Adoption: only by vote. The committee puts it to the vote; nothing adopts it by hand.
    assert coma.post(f"/c/dorf-a/rules/v/{nxt.id}/adoption-vote").status_code == 303
    assert _version(nxt.id).status == "adoption_vote"
    actions = set(db.session.execute(select(AuditEvent.action)).scalars())
    assert {"rules.document_created", "rules.clause_added", "rules.clause_moved", "rules.clause_edited",
            "rules.consultation_opened", "rules.amendment_proposed", "rules.amendment_supported",
            "rules.revision_started", "rules.amendment_decided", "rules.revision_concluded",
            "rules.adoption_vote_started", "comment.added"} <= actions


@pytest.mark.parametrize("lang", ["zh_Hans", "en"])
def test_adopted_pages_print_view_and_filing(app, world, lang):
    v = make_rules(world, "adopted")
    doc = v.document_id
    visitor = client_as(app, "visitor")
    assert "村规民约" in visitor.get(f"/c/dorf-a/rules/?lang={lang}").get_data(as_text=True)
    history = main_text(visitor.get(f"/c/dorf-a/rules/{doc}/history?lang={lang}"))
    assert "必须" in history and "应当" in history and "采纳一条修改建议" in history  # the diff 1 -> 2, and why
    for url in (f"/c/dorf-a/rules/{doc}?lang={lang}", f"/c/dorf-a/rules/{doc}/adopted?lang={lang}",
                f"/c/dorf-a/rules/v/{v.id}?lang={lang}"):
        r = visitor.get(url)
        assert r.status_code == 200, url
        assert "红白喜事从简办理" in r.get_data(as_text=True), url
    r = visitor.get(f"/c/dorf-a/rules/{doc}/print?lang={lang}")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "<svg" in html and 'class="qr"' in html and "data:" not in html
    assert f"/c/dorf-a/rules/{doc}/adopted" in html
    assert "赞成 120 票" in html and "Dorf A" in html
    assert 'class="communitynav"' not in html and "site-header" not in html  # no navigation on the notice
    assert ' style="' not in html  # strict CSP: no inline styles, in the QR code either
    coma = client_as(app, "coma")
    assert coma.get(f"/c/dorf-a/rules/v/{v.id}/filing").status_code == 200
    r = coma.post(f"/c/dorf-a/rules/v/{v.id}/filing", {"filed_on": today().isoformat(), "reference": "递铺备〔2026〕12号"})
    assert r.status_code == 303
    assert "递铺备〔2026〕12号" in visitor.get(f"/c/dorf-a/rules/{doc}/adopted").get_data(as_text=True)
    assert coma.get(f"/c/dorf-a/rules/v/{v.id}/filing").status_code == 403  # filed once


def test_no_print_view_without_adopted_version(app, world):
    v = make_rules(world, "consultation")
    assert client_as(app, "visitor").get(f"/c/dorf-a/rules/{v.document_id}/print").status_code == 404
    assert client_as(app, "visitor").get(f"/c/dorf-a/rules/{v.document_id}/adopted").status_code == 404


def test_redraft_from_adopted_keeps_clause_keys(app, world):
    v = make_rules(world, "adopted")
    coma = client_as(app, "coma")
    r = coma.post(f"/c/dorf-a/rules/{v.document_id}/redraft", {"reason": "New rules on parking"})
    assert r.status_code == 303
    new = db.session.execute(select(RuleVersion).where(RuleVersion.status == "drafting")).scalar_one()
    assert [c.key for c in _clauses(new)] == [c.key for c in _clauses(v)]
    # Only one version under deliberation at a time.
    assert coma.post(f"/c/dorf-a/rules/{v.document_id}/redraft", {"reason": "again"}).status_code == 403


def test_history_query_checks(app, world):
    v = make_rules(world, "adopted")
    visitor = client_as(app, "visitor")
    base = f"/c/dorf-a/rules/{v.document_id}/history"
    assert visitor.get(base + "?from=abc&to=1").status_code == 400
    assert visitor.get(base + f"?from=999999&to={v.id}").status_code == 404
    foreign = make_rules(world, "adopted", community="b")
    assert visitor.get(base + f"?from={foreign.id}&to={v.id}").status_code == 404


def test_comment_reply_to_a_comment_elsewhere_is_404(app, world):
    v = make_rules(world, "consultation")
    first, second = _clauses(v)[:2]
    resa = client_as(app, "resa")
    base = f"/c/dorf-a/rules/v/{v.id}"
    assert resa.post(f"{base}/clauses/{first.id}/comments", {"body": "On the first"}).status_code == 303
    from portal.comments.models import Comment

    cid = db.session.execute(select(Comment.id)).scalar_one()
    assert resa.post(f"{base}/clauses/{second.id}/comments", {"body": "x", "parent_id": str(cid)}).status_code == 404
    assert resa.post(f"{base}/clauses/{first.id}/comments", {"body": "Reply", "parent_id": str(cid)}).status_code == 303


def test_clause_of_another_version_is_404(app, world):
    v = make_rules(world, "consultation")
    other = make_rules(world, "consultation")
    clause = db.session.execute(select(RuleClause).where(RuleClause.version_id == other.id)).scalars().first()
    assert client_as(app, "resa").get(f"/c/dorf-a/rules/v/{v.id}/clauses/{clause.id}").status_code == 404


def test_hostile_text_in_every_rules_field_is_escaped(app, world):
    """Attack strings in every field a person can fill in, through the pages themselves;
    every rules page (and the audit trail) shows them as text, never as markup."""
    from markupsafe import escape

    from portal.rules import adoption

    from .support.payloads import IMG, SCRIPT, assert_inert

    evil = SCRIPT + IMG
    coma, resa, meda = client_as(app, "coma"), client_as(app, "resa"), client_as(app, "meda")
    assert coma.post("/c/dorf-a/rules/new", {"title": evil, "kind": "other"}).status_code == 303
    v = db.session.execute(select(RuleVersion)).scalar_one()
    base = f"/c/dorf-a/rules/v/{v.id}"
    chapter = services.chapters_of(v)[0]
    assert coma.post(f"{base}/chapters/{chapter.id}", {"title": evil}).status_code == 303
    assert coma.post(f"{base}/chapters", {"title": evil}).status_code == 303
    for _ in range(2):
        assert coma.post(base + "/clauses", {"text": evil, "chapter": str(chapter.id)}).status_code == 303
    t = today()
    assert coma.post(base + "/consultation", {"start": t.isoformat(), "end": t.isoformat()}).status_code == 303
    first = _clauses(v)[0]
    assert resa.post(f"{base}/clauses/{first.id}/amendments",
                     {"kind": "change", "text": evil + " new", "rationale": evil}).status_code == 303
    a = db.session.execute(select(Amendment)).scalar_one()
    assert meda.post(f"{base}/clauses/{first.id}/comments", {"body": evil}).status_code == 303
    assert meda.post(f"{base}/amendments/{a.id}/comments", {"body": evil}).status_code == 303
    end_consultation(_version(v.id))
    db.session.commit()
    assert coma.post(base + "/start-revision").status_code == 303
    assert coma.post(f"{base}/amendments/{a.id}/decide",
                     {"decision": "merged", "merged_text": evil + " merged", "reason": evil}).status_code == 303
    assert coma.post(base + "/conclude", {"reason": evil}).status_code == 303
    nxt = db.session.execute(select(RuleVersion).where(RuleVersion.number == 2)).scalar_one()
    assert coma.post(f"/c/dorf-a/rules/v/{nxt.id}/adoption-vote").status_code == 303
    adoption.record_adoption_result(_version(nxt.id), None, passed=True, poll_id=None, summary=evil)
    db.session.commit()
    assert coma.post(f"/c/dorf-a/rules/v/{nxt.id}/filing", {"filed_on": t.isoformat(), "reference": IMG}).status_code == 303
    doc = f"/c/dorf-a/rules/{v.document_id}"
    pages = [doc, doc + "/adopted", doc + "/print", doc + "/history", f"{doc}/history?from={v.id}&to={nxt.id}",
             "/c/dorf-a/rules/", base, f"{base}/clauses/{first.id}", f"{base}/amendments/{a.id}", f"{base}/revision",
             f"/c/dorf-a/rules/v/{nxt.id}", "/c/dorf-a/audit/"]
    for who, client in (("coma", coma), ("resa", resa), ("visitor", client_as(app, "visitor"))):
        for url in pages:
            r = client.get(url)
            if r.status_code != 200:
                continue  # the revision page and the audit trail are not for everyone
            html = r.get_data(as_text=True)
            assert_inert(html, f"{url} as {who}")
    html = coma.get(doc + "/print").get_data(as_text=True)
    assert str(escape(SCRIPT)) in html and str(escape(IMG)) in html


def test_amendments_and_clause_comments_use_the_one_moderation(app, world):
    """Report, the committee's queue, hide with a public reason: the same as for proposals.
    The clause itself is the committee's text and cannot be reported."""
    from portal.comments.models import Comment

    v = make_rules(world, "consultation")
    first = _clauses(v)[0]
    base = f"/c/dorf-a/rules/v/{v.id}"
    resa, meda, coma = client_as(app, "resa"), client_as(app, "meda"), client_as(app, "coma")
    assert resa.post(f"{base}/clauses/{first.id}/amendments",
                     {"kind": "delete", "rationale": "Rude words here"}).status_code == 303
    a = db.session.execute(select(Amendment)).scalar_one()
    assert resa.post(f"{base}/clauses/{first.id}/comments", {"body": "Rude comment"}).status_code == 303
    cid = db.session.execute(select(Comment.id)).scalar_one()
    assert meda.post(f"/c/dorf-a/moderation/flag/rule_amendment/{a.id}", {"reason": "Rude"}).status_code == 303
    assert meda.post(f"/c/dorf-a/moderation/flag/comment/{cid}", {"reason": "Rude"}).status_code == 303
    assert meda.get(f"/c/dorf-a/moderation/flag/rule_clause/{first.id}").status_code == 404
    queue = coma.get("/c/dorf-a/moderation/").get_data(as_text=True)
    assert f"{base}/amendments/{a.id}" in queue and f"{base}/clauses/{first.id}#comment-{cid}" in queue
    r = coma.post(f"/c/dorf-a/moderation/rule_amendment/{a.id}/hide", {"reason": "Insulting words"})
    assert r.status_code == 303 and r.headers["Location"].endswith(f"{base}/amendments/{a.id}")
    page = main_text(meda.get(f"{base}/amendments/{a.id}?lang=en"))
    assert "Hidden by the committee: Insulting words" in page and "Rude words here" not in page
    assert meda.post(f"{base}/amendments/{a.id}/support").status_code == 403  # hidden: no support
    assert "Rude words here" in main_text(coma.get(f"{base}/amendments/{a.id}?lang=en"))  # the committee reads it
