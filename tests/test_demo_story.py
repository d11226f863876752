"""The demo tells a coherent story today (issue 14, item 16), and its public pages write every date
in the language's one style and every <time datetime> in a valid HTML format (items 12 and 13)."""
from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.db import utcnow
from portal.extensions import db
from portal.mediation.models import MediationCase
from portal.mediation.queries import overdue_kind
from portal.proposals.models import Proposal
from portal.proposals.queries import overdue
from portal.votes.models import Poll

from .support.demo import demo_client, seeded

pytestmark = pytest.mark.usefixtures("fast_passwords")

# HTML: a valid date string, or a global date and time string with at most 3 fractional digits.
VALID_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$")
STYLE = {"zh_Hans": re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日( \d{2}:\d{2})?$"),
         "en": re.compile(r"^\d{1,2} (January|February|March|April|May|June|July|August|September|October|"
                          r"November|December) \d{4}(, \d{2}:\d{2})?$")}
OTHER_STYLES = re.compile(r"\b\d{4}/\d{1,2}/\d{1,2}\b|\b\d{1,2}/\d{1,2}/\d{2}\b|\b(Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|"
                          r"Oct|Nov|Dec) \d{1,2}, \d{4}")


def test_nothing_is_late_but_what_is_meant_to_be(app):
    c = seeded()
    now = utcnow()
    props = {p.title: p for p in db.session.execute(select(Proposal).where(Proposal.community_id == c.id)).scalars()}
    # The one overdue proposal, five days late, was written weeks before its deadline.
    assert [(p.title, days) for p, days in overdue(c, now)] == [("村口装几盏路灯", 5)]
    for p in props.values():
        steps = [t for t in (p.created_at, p.published_at, p.review_started_at, p.answered_at) if t is not None]
        assert steps == sorted(steps) and steps[-1] <= now, p.title
        if p.answer_due_at is not None:
            assert p.answer_due_at - p.review_started_at == timedelta(days=15), p.title
    lights = props["村口装几盏路灯"]
    assert now - lights.created_at > timedelta(days=20)  # not "written today and 5 days overdue"
    near = props["小学门口画一条斑马线"]
    assert near.state == "under_review" and timedelta(days=1) < near.answer_due_at - now < timedelta(days=3)
    road = props["修一修通往小学的那段路"]
    assert road.answered_at <= road.answer_due_at and now - road.answered_at > timedelta(days=7)
    assert now - props["垃圾桶每天清运一次"].published_at < timedelta(days=7)  # a recent one, still gathering support

    polls = db.session.execute(select(Poll).where(Poll.community_id == c.id)).scalars().all()
    states = sorted(p.state for p in polls)
    assert states.count("open") >= 1 and states.count("closed") >= 1 and "draft" in states
    for p in polls:
        assert p.opens_at < p.closes_at
        if p.state == "open":
            assert p.opens_at < now < p.closes_at
        elif p.state == "closed":
            assert p.opened_at < p.closed_at < now - timedelta(days=1)
        else:
            assert now < p.opens_at

    cases = db.session.execute(select(MediationCase).where(MediationCase.community_id == c.id)).scalars().all()
    late = [(case.urgency, overdue_kind(case, now)) for case in cases if overdue_kind(case, now)]
    assert late == [("urgent", "triage")]
    for case in cases:
        steps = [t for t in (case.requested_at, case.triaged_at, case.assigned_at, case.outcome_at, case.closed_at)
                 if t is not None]
        assert steps == sorted(steps) and steps[-1] <= now, case.id


def _pages(c):
    ids = db.session.execute(select(Proposal.id).where(Proposal.community_id == c.id,
                                                       Proposal.state != "draft")).scalars().all()
    polls = db.session.execute(select(Poll.id).where(Poll.community_id == c.id, Poll.state != "draft")).scalars().all()
    return (["/c/dongshan/", "/c/dongshan/proposals/", "/c/dongshan/votes/", "/c/dongshan/rules/",
             "/c/dongshan/audit/", "/c/dongshan/proposals/oversight"]
            + [f"/c/dongshan/proposals/{i}" for i in ids] + [f"/c/dongshan/votes/{i}" for i in polls])


@pytest.mark.parametrize("lang", ["zh_Hans", "en"])
def test_public_pages_write_dates_one_way_and_times_validly(app, lang):
    c = seeded()
    client = demo_client(app, "zhang", lang)
    attrs = times = 0
    for url in _pages(c):
        r = client.get(url)
        assert r.status_code == 200, url
        page = r.get_data(as_text=True)
        for value, shown in re.findall(r'<time datetime="([^"]*)">(.*?)</time>', page, re.S):
            attrs += 1
            assert VALID_DATETIME.match(value), (url, value)
            text = html.unescape(re.sub(r"<[^>]+>", "", shown)).strip()
            times += 1
            assert STYLE[lang].match(text), (url, text)
        main = page[page.index("<main"):page.index("</main>")]
        assert not OTHER_STYLES.search(html.unescape(re.sub(r"<[^>]+>", " ", main))), url
    assert attrs > 5 and times == attrs  # the proposals list and the comments at least
