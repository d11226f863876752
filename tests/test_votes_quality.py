"""Issue 14, the votes part: what a voter and the committee meet in their first hour.

Receipt codes without look-alikes, found with the usual confusions (old codes too), the found
ballot marked for the voter alone, the receipt with its QR code; a secret poll with a tiny
turnout publishes only its totals; the vote that completes the electorate closes the poll (web,
assisted, paper); a draft shows its whole ballot and opening has a check screen; the poll form
offers this community's proposals; words and status labels; tiles in easy reading."""
from __future__ import annotations

import json
import re

from sqlalchemy import select, update

from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.communities import services as cs
from portal.extensions import db
from portal.votes import casting, closing, paper
from portal.votes.models import Ballot, Poll, PollResult
from portal.web.qr import qr_svg

from .support.helpers import make_user
from .support.security import client_as
from .support.votes import make_due, make_poll, receipt_code

EN = {"lang": "en"}
ZH = {"lang": "zh_Hans"}


def _events(action):
    return [json.loads(x) for x in db.session.execute(
        select(AuditEvent.payload).where(AuditEvent.action == action).order_by(AuditEvent.id)).scalars()]


# --- 11. receipt codes ---------------------------------------------------------------------------

def test_new_receipt_codes_have_no_look_alike_characters():
    codes = [casting.new_tracker() for _ in range(500)]
    assert all(len(c) == 16 and set(c) <= set(casting.ALPHABET) for c in codes)
    assert not set("ILOU") & set("".join(codes))
    assert len(set(codes)) == 500


def test_a_typed_code_may_mix_up_0_and_o_1_i_and_l_case_spaces_and_dashes():
    new = "0123456789ABCDEF"
    assert new in casting.tracker_candidates("o123-4567 89ab-cdef")
    assert new in casting.tracker_candidates("OI23 4567 89AB CDEF")
    assert new in casting.tracker_candidates("0l23-4567-89ab-cdef")
    old = "ABCDEFGHIJKLMNOP"  # a code made before (RFC 4648 base 32)
    assert old in casting.tracker_candidates("abcd-efgh-ijkl-mnop")
    assert old in casting.tracker_candidates("abcd efgh 1jk1 mn0p")
    assert casting.tracker_candidates(" - ") == []


def test_find_my_ballot_with_confusions_marks_my_row_only_in_the_answer(app, world):
    app.config["VOTES_MIN_PUBLISHED"] = 1
    p = make_poll(world, "open", kind="single")
    tracker = casting.cast(world.a, p, [2], actor=world["resa"])
    db.session.commit()
    old = "ABCDEFGHIJKLMNOP"  # an old-style code, as if cast before this version
    make_due(p)
    closing.close_if_due(world.a, p)
    db.session.execute(Ballot.__table__.insert().values(poll_id=p.id, tracker=old, choice="3"))
    db.session.commit()
    visitor = client_as(app, "visitor")
    find = f"/c/dorf-a/votes/{p.id}/find?lang=en"
    typed = "-".join(tracker[i:i + 4] for i in range(0, 16, 4)).replace("0", "O").replace("1", "l").lower()
    r = visitor.post(find, {"tracker": typed}, token_from=find, once=False)
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    assert "Found: ballot" in html and "counted as: Green" in html
    mine = re.search(r'<tr class="mine" aria-current="true"><td><code>([^<]+)</code>', html)
    assert mine and mine.group(1).replace("-", "") == tracker
    assert html.count('class="mine"') == 1
    # The old code, typed with 0 for O and 1 for I and L.
    html = visitor.post(find, {"tracker": "abcd efgh 1jk1 mn0p"}, token_from=find, once=False).get_data(as_text=True)
    assert "Found: ballot ABCD-EFGH-IJKL-MNOP" in html and "counted as: Blue" in html
    # The public table (GET, cached for visitors) never marks a row.
    assert 'class="mine"' not in visitor.get(f"/c/dorf-a/votes/{p.id}/ballots", query_string=EN).get_data(as_text=True)


def test_the_receipt_offers_the_code_as_a_qr_code_and_for_printing(app, world):
    p = make_poll(world, "open")
    resa = client_as(app, "resa")
    url = f"/c/dorf-a/votes/{p.id}"
    r = resa.post(f"{url}/cast?lang=en", {"choice": "1", "csrf_token": resa.token(url)})
    html = r.get_data(as_text=True)
    code = receipt_code(html)
    assert r.status_code == 200 and "Location" not in r.headers and r.headers["Cache-Control"] == "no-store"
    pretty = "-".join(code[i:i + 4] for i in range(0, 16, 4))
    # The QR code holds the code alone (never a link that would put it in a URL).
    assert str(qr_svg(pretty, "Receipt code")) in html
    assert 'class="receipt-page"' in html and "Print" in html
    assert not re.search(rf'href="[^"]*{code}', html) and not re.search(rf'href="[^"]*{pretty}', html)


# --- 2. tiny turnout in a secret poll ------------------------------------------------------------

def test_a_secret_poll_with_a_tiny_turnout_publishes_only_its_totals(app, world):
    assert app.config["VOTES_MIN_PUBLISHED"] == 5  # the default
    p = make_poll(world, "open", kind="single")
    resa = client_as(app, "resa")
    url = f"/c/dorf-a/votes/{p.id}"
    # Said on the poll's page before anyone votes.
    assert 'id="small-turnout-rule"' in resa.get(url, query_string=EN).get_data(as_text=True)
    tracker = casting.cast(world.a, p, [2], actor=world["resa"])  # 1 of 3
    db.session.commit()
    make_due(p)
    closing.close_if_due(world.a, p)
    db.session.commit()
    r = db.session.get(PollResult, p.id)
    assert r.ballots_published is False and json.loads(r.totals) == [0, 1, 0]  # the totals are published
    published = _events("poll.result_published")[-1]["data"]
    assert "roll_sha256" not in published and published["ballots_published"] is False
    visitor = client_as(app, "visitor")
    page = visitor.get(url, query_string=EN).get_data(as_text=True)
    assert 'id="withheld"' in page and r.roll_sha256 not in page and "Download the roll" not in page
    table = visitor.get(f"{url}/ballots", query_string=EN).get_data(as_text=True)
    assert "are not published" in table and "<table" not in table and tracker not in table
    assert visitor.get(f"{url}/ballots.csv").status_code == 404
    assert resa.get(f"{url}/roll.csv").status_code == 404
    # The voter alone still finds their ballot, and only their own row is shown.
    find = f"{url}/find?lang=en"
    html = resa.post(find, {"tracker": tracker}, token_from=find, once=False).get_data(as_text=True)
    assert "counted as: Green" in html and html.count("<tr") == 2  # the header and their row


def test_the_minimum_also_counts_online_ballots_and_spares_roll_call_polls(app, world):
    rc = make_poll(world, "closed", secret=False)  # one vote, roll-call: names are the point
    assert db.session.get(PollResult, rc.id).ballots_published is True
    p = make_poll(world, "open")
    assert closing.small_turnout(p, people=40, online=2)  # two online ballots beside 38 on paper
    assert not closing.small_turnout(p, people=40, online=0)  # all on paper: no table to read
    assert not closing.small_turnout(p, people=5, online=5)
    assert closing.small_turnout(p, people=4, online=4)


def test_the_poll_form_warns_when_few_residents_can_vote(app, world):
    coma = client_as(app, "coma")
    html = coma.get("/c/dorf-a/votes/new", query_string=EN).get_data(as_text=True)
    assert 'id="small-electorate"' in html and "Only 3 residents are verified" in html
    for i in range(10):
        cs.add_resident(world.a, make_user(f"many{i}"), actor=world["coma"])
    db.session.commit()
    assert 'id="small-electorate"' not in coma.get("/c/dorf-a/votes/new", query_string=EN).get_data(as_text=True)


# --- 3. the vote that completes the electorate closes the poll ----------------------------------

def test_an_assisted_vote_that_completes_the_electorate_closes_the_poll(world):
    p = make_poll(world, "open")
    casting.cast(world.a, p, [1], actor=world["resa"])
    casting.cast(world.a, p, [1], actor=world["coma"])
    db.session.commit()
    assert p.state == "open"
    casting.cast_assisted(world.a, p, world["meda"], [2], present=True, agreed=True, actor=world["coma"])
    db.session.commit()
    assert p.state == "closed" and _events("poll.closed")[-1]["data"]["reason"] == "everyone_voted"


def test_paper_voters_complete_the_electorate_when_their_totals_are_confirmed(world):
    second = make_user("comc")
    cs.grant_role(world.a, cs.add_resident(world.a, second, actor=world["coma"]), "committee", actor=world["coma"])
    db.session.commit()
    p = make_poll(world, "open")  # 4 on the list
    casting.cast(world.a, p, [1], actor=world["resa"])
    casting.cast(world.a, p, [1], actor=second)
    paper.mark_paper(world.a, p, [world["meda"], world["coma"]], actor=second)
    db.session.commit()
    assert p.state == "open"  # everyone took part, but the paper totals are not counted yet
    paper.enter_paper_totals(world.a, p, 2, 0, [1, 1, 0], actor=world["coma"])
    db.session.commit()
    assert p.state == "open"
    paper.confirm_paper_totals(world.a, p, actor=second)
    db.session.commit()
    assert p.state == "closed"
    assert json.loads(db.session.get(PollResult, p.id).totals) == [3, 1, 0]
    assert [e["data"].get("reason") for e in _events("poll.closed")] == ["everyone_voted"]


def test_a_web_vote_that_completes_the_electorate_says_the_poll_is_closed(app, world):
    p = make_poll(world, "open")
    for n in ("coma", "meda"):
        casting.cast(world.a, p, [1], actor=world[n])
    db.session.commit()
    resa = client_as(app, "resa")
    url = f"/c/dorf-a/votes/{p.id}"
    html = resa.post(f"{url}/cast?lang=en", {"choice": "2", "csrf_token": resa.token(url)}).get_data(as_text=True)
    assert "the poll is closed and the result is published" in html and receipt_code(html)
    db.session.expire_all()
    assert db.session.get(Poll, p.id).state == "closed"


# --- 4. a draft's whole ballot, and a check screen before opening ---------------------------------

def test_a_draft_shows_its_whole_ballot_as_a_disabled_preview(app, world):
    p = make_poll(world, "draft", kind="single", options=["East gate", "School yard", "Culture square"])
    html = client_as(app, "coma").get(f"/c/dorf-a/votes/{p.id}", query_string=EN).get_data(as_text=True)
    preview = re.search(r'<section id="preview".*?</section>', html, re.S).group(0)
    assert "Preview: the ballot as residents will see it" in preview
    assert all(o in preview for o in ("East gate", "School yard", "Culture square"))
    assert re.search(r"<fieldset[^>]*\bdisabled\b", preview) and 'name="choice"' not in preview
    assert "<form" not in preview  # it sends nothing


def test_opening_goes_through_a_check_screen(app, world):
    p = make_poll(world, "draft", kind="single")
    coma = client_as(app, "coma")
    url = f"/c/dorf-a/votes/{p.id}"
    detail = coma.get(url, query_string=EN).get_data(as_text=True)
    assert f'href="{url}/open"' in detail and f'action="{url}/open"' not in detail  # a link, not the act
    r = coma.get(f"{url}/open", query_string=EN)
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "<h1>Check before opening</h1>" in html
    assert all(o in html for o in ("Red", "Green", "Blue")) and "3 verified residents, taken now" in html
    assert f'action="{url}/open"' in html and "Opening cannot be undone." in html
    db.session.expire_all()
    assert db.session.get(Poll, p.id).state == "draft"  # looking opens nothing
    r = coma.post(f"{url}/open", token_from=f"{url}/open")
    assert r.status_code == 303
    db.session.expire_all()
    assert db.session.get(Poll, p.id).state == "open"
    assert client_as(app, "resa").get(f"{url}/open").status_code in (303, 403, 404)


# --- 12. words, the proposal choice; status labels ----------------------------------------------

def test_closed_polls_are_labelled_ended_not_case_closed(app, world):
    p = make_poll(world, "closed")
    for path in (f"/c/dorf-a/votes/{p.id}", "/c/dorf-a/votes/"):
        html = client_as(app, "resa").get(path, query_string=ZH).get_data(as_text=True)
        assert '<span class="status status-done">已结束</span>' in html and "已结案" not in html
    open_poll = make_poll(world, "open", question="Open one?")
    html = client_as(app, "resa").get("/c/dorf-a/votes/", query_string=EN).get_data(as_text=True)
    assert '<span class="status status-open">Voting</span>' in html
    html = client_as(app, "coma").get(f"/c/dorf-a/votes/{open_poll.id}", query_string=EN).get_data(as_text=True)
    assert '<span class="status status-open">Voting</span>' in html


def test_up_to_k_is_written_with_its_number_and_a_real_label(app, world):
    p = make_poll(world, "open", kind="up_to_k", k=2, options=["A", "B", "C", "D"])
    html = client_as(app, "resa").get(f"/c/dorf-a/votes/{p.id}", query_string=ZH).get_data(as_text=True)
    assert "（最多选 2 项）" in html and "最多选k项" not in html
    form = client_as(app, "coma").get("/c/dorf-a/votes/new", query_string=ZH).get_data(as_text=True)
    assert '<label for="k">每人最多能选几项</label>' in form and "最多选k项" not in form


def test_the_poll_form_offers_this_communitys_proposals(app, world):
    from .support.proposals import make_proposal

    mine = make_proposal(world)
    foreign = make_proposal(world, community=world.b, author="resb", title="Elsewhere")
    db.session.commit()
    coma = client_as(app, "coma")
    html = coma.get("/c/dorf-a/votes/new", query_string=EN).get_data(as_text=True)
    select_ = re.search(r'<select[^>]*name="proposal".*?</select>', html, re.S).group(0)
    assert f'value="{mine.id}"' in select_ and f"No. {mine.id}: {mine.title}" in select_
    assert f'value="{foreign.id}"' not in select_ and 'value="0"' in select_
    # From a proposal's page: that proposal is chosen.
    html = coma.get("/c/dorf-a/votes/new", query_string={"proposal": mine.id, "lang": "en"}).get_data(as_text=True)
    assert re.search(rf'<option selected value="{mine.id}">|<option value="{mine.id}" selected>', html)


# --- 10. easy reading: tiles -------------------------------------------------------------------

def test_easy_reading_shows_the_votes_as_tiles_with_one_action_each(app, world):
    p = make_poll(world, "open")
    q = make_poll(world, "closed", question="Done one?")
    db.session.execute(update(User).where(User.id == world["resa"].id).values(display_easy=True))
    db.session.commit()
    html = client_as(app, "resa").get("/c/dorf-a/votes/", query_string=EN).get_data(as_text=True)
    tiles = re.findall(r'<a class="tile tile-poll[^"]*" href="([^"]+)">(.*?)</a>', html, re.S)
    assert [h for h, _ in tiles] == [f"/c/dorf-a/votes/{p.id}#cast", f"/c/dorf-a/votes/{q.id}"]
    assert "Vote now" in tiles[0][1] and "See the result" in tiles[1][1]
    assert all(t.count('class="tile-action"') == 1 for _, t in tiles)
    assert '<ul class="rows polls">' not in html
