"""Easy reading mode (issue 7): the mode itself, the task tiles, "my things", and one question
per screen (portal/web/steps.py) walked through the proposal form, forwards, backwards, with an
error on the last step, with hostile text carried between the steps.

The browser checks (axe, one main action per screen, labelled icons, target sizes) are in
tests/browser/test_pages.py, which visits every page in easy mode too.
"""
from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.extensions import db
from portal.proposals import services as ps
from portal.proposals.models import Proposal
from portal.votes import casting

from .support.pages import en
from .support.proposals import category_id, make_proposal
from .support.security import client_as
from .support.votes import make_poll

pytestmark = pytest.mark.usefixtures("fast_passwords")  # conftest: a cheap password hash

NEW = "/c/dorf-a/proposals/new"


def _primaries(html: str) -> int:
    return len(re.findall(r'class="btn btn-primary', html))


def _easy(app, role):
    """A client in easy mode: a visitor through the cookie, a member through the profile."""
    c = client_as(app, role)
    if role == "visitor":
        r = c.get("/display?toggle=easy&next=/")
        assert r.status_code == 303 and "display=easy" in r.headers["Set-Cookie"]
    else:
        r = c.post("/display", {"toggle": "easy", "next": "/"}, token_from="/")
        assert r.status_code == 303
        assert db.session.execute(select(User.display_easy).where(User.username == role)).scalar_one() is True
    return c


def test_easy_mode_is_a_class_and_a_pressed_toggle(app, world):
    c = _easy(app, "visitor")
    page = c.get("/c/dorf-a/").get_data(as_text=True)
    assert re.search(r'<html lang="[^"]+" class="mode-easy">', page)
    assert 'value="easy" aria-pressed="true"' in page
    plain = client_as(app, "visitor").get("/c/dorf-a/").get_data(as_text=True)
    assert "mode-easy" not in plain and 'value="easy" aria-pressed="false"' in plain and 'class="tiles"' not in plain


def test_toggling_twice_switches_it_off_and_other_modes_stay(app, world):
    c = _easy(app, "resa")
    c.post("/display", {"toggle": "large", "next": "/"}, token_from="/")
    u = db.session.execute(select(User).where(User.username == "resa")).scalar_one()
    assert (u.display_easy, u.display_large) == (True, True)
    page = c.get("/").get_data(as_text=True)
    assert 'class="mode-large mode-easy"' in page
    c.post("/display", {"toggle": "easy", "next": "/"}, token_from="/")
    db.session.refresh(u)
    assert (u.display_easy, u.display_large) == (False, True)


def test_profile_form_saves_easy_reading(app, world):
    c = client_as(app, "resa")
    r = c.post("/account/profile", {"display_name": "Resa", "locale": "", "easy": "y"}, token_from="/account/profile")
    assert r.status_code == 303
    u = db.session.execute(select(User).where(User.username == "resa")).scalar_one()
    assert u.display_easy is True and u.display_large is False
    box = re.search(r'<input[^>]*id="easy"[^>]*>', c.get("/account/profile").get_data(as_text=True)).group(0)
    assert "checked" in box


@pytest.mark.parametrize("role, tiles, mine", [
    ("visitor", 4, False), ("resa", 5, True), ("penda", 5, True), ("nobody", 5, True)])
def test_community_home_in_easy_mode_has_task_tiles_and_one_main_action(app, world, role, tiles, mine):
    page = _easy(app, role).get("/c/dorf-a/").get_data(as_text=True)
    found = re.findall(r'<a class="tile" href="([^"]+)"', page)
    assert len(found) == tiles, found
    assert ("/c/dorf-a/mine/" in found) is mine
    assert _primaries(page) <= 1
    # The verified resident's first tile opens the proposal form; others are shown the proposals.
    assert found[0] == ("/c/dorf-a/proposals/new" if role == "resa" else "/c/dorf-a/proposals/")
    # Every tile has a pictogram and a visible word (the label is text, not only an aria-label).
    for tile in re.findall(r'<a class="tile"[^>]*>(.*?)</a>', page):
        assert '<svg class="icon"' in tile and re.search(r"<span>[^<]+</span>", tile)


def test_front_page_in_easy_mode_shows_the_residents_own_village_first(app, world):
    page = _easy(app, "resa").get("/").get_data(as_text=True)
    assert "<h1>Dorf A</h1>" in page
    assert 'href="/c/dorf-a/mine/"' in page
    assert 'href="/c/dorf-b/"' in page and 'href="/c/dorf-a/"' not in page  # the other village, as a tile
    visitor = _easy(app, "visitor").get("/").get_data(as_text=True)
    assert 'href="/c/dorf-a/"' in visitor and 'href="/c/dorf-b/"' in visitor and _primaries(visitor) == 1


def _section(page: str, start: str, end: str) -> str:
    return page.split(f'id="{start}"')[1].split(f'id="{end}"')[0]


def test_my_things_lists_only_my_own(app, world):
    mine = make_proposal(world, "resa", title="Resa's well")
    make_proposal(world, "meda", title="Meda's road")
    poll = make_poll(world, question="New bus stop?")
    page = client_as(app, "resa").get("/c/dorf-a/mine/").get_data(as_text=True)
    assert "Resa&#39;s well" in page and "Meda&#39;s road" not in page
    assert f'/c/dorf-a/proposals/{mine.id}"' in page
    assert "New bus stop?" in _section(page, "mine-votes", "mine-proposals")  # waiting for resa's vote
    casting.cast(world.a, poll, [1], actor=world["resa"])
    db.session.commit()
    page = client_as(app, "resa").get("/c/dorf-a/mine/").get_data(as_text=True)
    votes = _section(page, "mine-votes", "mine-proposals")
    assert "New bus stop?" not in votes and "/c/dorf-a/votes/mine" in votes
    # resb lives in dorf-b: dorf-a's things are not theirs.
    other = client_as(app, "resb").get("/c/dorf-a/mine/").get_data(as_text=True)
    assert "Resa&#39;s well" not in other and "New bus stop?" not in other


# -- one question per screen ---------------------------------------------------------------

def _hidden(page: str) -> dict[str, str]:
    return {m.group(1): unescape(m.group(2))
            for m in re.finditer(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page)}


def _at(page: str) -> tuple[int, int] | None:
    """(step, of) from the step counter, in either language."""
    m = re.search(r'class="step-count">\D*(\d+)\D+(\d+)', page)
    return (int(m.group(1)), int(m.group(2))) if m else None


def _step(c, data):
    return c.post(NEW, data, token_from=NEW)


def test_proposal_form_one_question_at_a_time(app, world):
    c = _easy(app, "resa")
    first = c.get(NEW).get_data(as_text=True)
    assert _at(first) == (1, 4) and 'name="title"' in first and 'name="body"' not in first
    assert 'name="photos"' not in first and _primaries(first) == 1 and 'value="back"' not in first

    # An empty answer stays on the same step, with the error, and stores nothing.
    r = _step(c, {"_step": "0", "_move": "next", "title": ""})
    assert r.status_code == 400 and _at(r.get_data(as_text=True)) == (1, 4)

    title = 'Street lamp "by the well" <script>alert(1)</script>'
    r = _step(c, {"_step": "0", "_move": "next", "title": title})
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and _at(page) == (2, 4) and 'name="body"' in page and 'name="title" type' not in page
    assert 'class="error-summary"' not in page and "<title>Error" not in page  # a step forwards is no mistake
    assert "<script>alert(1)" not in page and _hidden(page)["title"] == title  # carried, escaped

    body = "It has been dark for a month.\nOld people fall."
    r = _step(c, {**_hidden(page), "_move": "next", "body": body})
    page = r.get_data(as_text=True)
    assert _at(page) == (3, 4) and _hidden(page)["body"] == body

    cid = category_id(world.a)
    r = _step(c, {**_hidden(page), "_move": "next", "category": str(cid)})
    page = r.get_data(as_text=True)
    assert _at(page) == (4, 4) and 'name="photos"' in page and 'name="voice"' in page
    # The confirmation repeats the answers in words, the category by its name.
    answers = page.split('id="step-answers-h"')[1].split("</section>")[0]
    assert "It has been dark for a month." in answers and "&lt;script&gt;" in answers
    category = ps.categories(world.a)[0]
    assert f'<dd class="pre">{category.name_zh}</dd>' in answers  # the client's language is Chinese
    assert _primaries(page) == 1

    # Back keeps every answer.
    r = _step(c, {**_hidden(page), "_move": "back"})
    back = r.get_data(as_text=True)
    assert r.status_code == 200 and _at(back) == (3, 4) and f'value="{cid}" id="category" checked' in back
    assert 'class="error-summary"' not in back

    assert db.session.execute(select(func.count()).select_from(Proposal)).scalar_one() == 0
    r = _step(c, {**_hidden(page), "action": "publish"})
    assert r.status_code == 303
    p = db.session.execute(select(Proposal)).scalar_one()
    assert (p.title, p.body, p.category_id, p.state) == (title, body, cid, "published")
    kinds = db.session.execute(select(AuditEvent.action).where(AuditEvent.community_id == world.a.id)
                               .order_by(AuditEvent.seq.desc()).limit(2)).scalars().all()
    assert "proposal.published" in kinds


def test_easy_category_is_tiles_with_none_chosen_and_the_last_step_speaks_easy(app, world):
    """Issue 14, 10: the category was a drop-down with the first category chosen, and the files
    step and the review screen spoke the ordinary form's words."""
    c = _easy(app, "resa")
    c.http._c.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = _step(c, {"_step": "1", "_move": "next", "title": "A lamp", "body": "Dark."}).get_data(as_text=True)
    assert _at(page) == (3, 4) and "<select" not in page
    tiles = page.split('class="field radio-tiles')[1].split("</fieldset>")[0]
    assert "<legend>What kind of matter is it?</legend>" in tiles
    values = re.findall(r'<input type="radio" name="category" value="(\d+)"', tiles)
    assert values == [str(cat.id) for cat in ps.categories(world.a)] and len(values) > 1
    assert "checked" not in tiles and 'value=""' not in tiles  # nothing chosen for the person

    r = _step(c, {**_hidden(page), "_move": "next"})  # no tile ticked
    page = r.get_data(as_text=True)
    assert r.status_code == 400 and _at(page) == (3, 4)
    assert '<p class="error" id="category-error">Choose the kind of matter.</p>' in page
    assert 'href="#category"' in page and 'id="category"' in page  # the summary's link lands on the first tile

    cid = category_id(world.a)
    page = _step(c, {**_hidden(page), "_move": "next", "category": str(cid)}).get_data(as_text=True)
    assert _at(page) == (4, 4)
    assert "Photos (you can skip this, at most 4)" in page and "Photos (optional, up to 4)" not in page
    assert "Or say it: record your voice (you can skip this)" in page and "Or say it: a voice recording" not in page
    answers = page.split('id="step-answers-h"')[1].split("</section>")[0]
    questions = re.findall(r"<dt>(.*?)</dt>", answers)
    assert questions == ["What is the matter? Say it in a few words.", "What should change? And why?",
                         "What kind of matter is it?"]


def test_ordinary_form_chooses_no_category_for_the_person(app, world):
    html = en(app, "resa").get(NEW).get_data(as_text=True)
    select_ = html.split('<select')[1].split("</select>")[0]
    assert re.findall(r"<option[^>]*>", select_)[0] == '<option selected value="">'
    assert select_.count("selected") == 1 and "Choose…" in select_ and " required" in select_
    r = en(app, "resa").post(NEW, {"title": "A lamp", "body": "Dark.", "action": "publish"}, token_from=NEW)
    page = r.get_data(as_text=True)
    assert r.status_code == 400 and '<p class="error" id="category-error">Choose the kind of matter.</p>' in page
    assert db.session.execute(select(func.count()).select_from(Proposal)).scalar_one() == 0


def test_a_wrong_earlier_answer_on_the_last_step_goes_back_to_its_step(app, world):
    c = _easy(app, "resa")
    cid = category_id(world.a)
    r = _step(c, {"_step": "3", "title": "", "body": "text", "category": str(cid), "action": "publish"})
    page = r.get_data(as_text=True)
    assert r.status_code == 400 and _at(page) == (1, 4) and 'name="title"' in page
    assert db.session.execute(select(func.count()).select_from(Proposal)).scalar_one() == 0
    # A forged step number is clamped, never an error page.
    r = _step(c, {"_step": "99", "_move": "next", "title": "x"})
    assert r.status_code in (200, 400) and _at(r.get_data(as_text=True)) == (4, 4)
    r = _step(c, {"_step": "abc", "_move": "next", "title": "x"})
    assert _at(r.get_data(as_text=True)) == (2, 4)


def test_other_modes_show_the_whole_form_at_once(app, world):
    page = client_as(app, "resa").get(NEW).get_data(as_text=True)
    for name in ("title", "body", "category", "photos", "voice"):
        assert f'name="{name}"' in page
    assert _at(page) is None and 'name="_step"' not in page


def test_one_main_action_on_a_busy_page(app, world):
    """The first primary button of the page stays the main action; later ones become secondary."""
    p = make_proposal(world, "meda")
    url = f"/c/dorf-a/proposals/{p.id}"
    plain = client_as(app, "resa").get(url).get_data(as_text=True)
    assert _primaries(plain) >= 2  # support and comment, in the other modes
    easy = _easy(app, "resa").get(url).get_data(as_text=True)
    assert _primaries(easy) == 1
    assert easy.count('class="btn btn-') == plain.count('class="btn btn-')  # no action is lost


MEDIATION = "/c/dorf-a/mediation/new"


def test_mediation_request_one_section_per_screen(app, world):
    from portal.mediation.models import MediationCase

    c = _easy(app, "resa")
    page = c.get(MEDIATION).get_data(as_text=True)
    assert _at(page) == (1, 6) and 'name="category"' in page and 'name="what_happened"' not in page
    answers = [{"category": "neighbours"}, {"what_happened": "The neighbour's tree fell on our wall."},
               {"what_they_want": "Pay for the repair."},
               {"other_party_name": "Old Li", "other_party_contact": "", "other_party_username": ""},
               {"contact_time": "evenings", "urgency": "normal"}]
    carried: dict = {}
    for n, answer in enumerate(answers, start=1):
        r = c.post(MEDIATION, {**carried, "_step": str(n - 1), "_move": "next", **answer}, token_from=MEDIATION)
        page = r.get_data(as_text=True)
        assert r.status_code == 200 and _at(page) == (n + 1, 6), (n, page[:300])
        carried = {k: v for k, v in _hidden(page).items() if k not in ("_step", "csrf_token")}
    # The last screen: photos or voice, the consent, and every answer repeated in words.
    assert 'name="voice"' in page and 'name="consent"' in page and _primaries(page) == 1
    assert "The neighbour&#39;s tree fell on our wall." in page.split('id="step-answers-h"')[1]
    r = c.post(MEDIATION, {**carried, "_step": "5"}, token_from=MEDIATION)  # consent missing
    assert r.status_code == 400 and _at(r.get_data(as_text=True)) == (6, 6)
    assert db.session.execute(select(func.count()).select_from(MediationCase)).scalar_one() == 0
    r = c.post(MEDIATION, {**carried, "_step": "5", "consent": "y"}, token_from=MEDIATION)
    assert r.status_code == 303
    case = db.session.execute(select(MediationCase)).scalar_one()
    assert (case.category, case.what_happened, case.other_party_name) == (
        "neighbours", "The neighbour's tree fell on our wall.", "Old Li")


def test_committee_filing_for_a_resident_without_confirmations_goes_back_to_that_step(app, world):
    c = _easy(app, "coma")
    data = {"_step": "5", "category": "family", "what_happened": "x", "what_they_want": "y",
            "other_party_name": "z", "urgency": "normal", "on_behalf_username": "resa", "consent": "y"}
    r = c.post(MEDIATION, data, token_from=MEDIATION)
    page = r.get_data(as_text=True)
    assert r.status_code == 400 and _at(page) == (5, 6) and 'name="present"' in page


def test_my_things_counts_every_action_recorded_with_me(app, world):
    from portal.assisted import services as assisted
    from portal.proposals import services as ps

    for n in range(7):  # more than a page of anything the page lists
        assisted.act_for(world.a, world["resa"], "proposal.created", True, True,
                         lambda n=n: ps.create_proposal(world.a, f"Matter {n}", "text",
                                                        category_id(world.a), publish=True, actor=world["resa"]), actor=world["coma"])
    db.session.commit()
    page = client_as(app, "resa").get("/c/dorf-a/mine/").get_data(as_text=True)
    section = page.split('id="mine-recorded"')[1]
    assert re.search(r"[^0-9]7[^0-9]", section.split("</section>")[0]), section[:300]
