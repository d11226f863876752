"""Every votes form, sent with each kind of bad input its form or service refuses: the same page
again (400), what was typed kept, the message at its field (`<field>-error`) and in the error
summary (a link to the field). And every creating form (new poll, ballot, paper totals) sent twice
with the same one-time token: one object, the second send lands where the first one went."""
from __future__ import annotations

import re
import secrets
from datetime import timedelta
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.db import utcnow
from portal.extensions import db
from portal.votes import paper
from portal.votes.models import PaperTotals, Poll, RollEntry

from .support.security import client_as
from .support.votes import make_poll, receipt_code, sealed_count

pytestmark = pytest.mark.usefixtures("fast_passwords")  # conftest: a cheap password hash


def _local(dt):
    return dt.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%dT%H:%M")


def poll_data(**changes):
    now = utcnow()
    data = {"question": "Plant trees on the square?", "description": "Twenty trees.", "kind": "yes_no_abstain",
            "secrecy": "secret", "preset": "simple_majority", "opens_at": _local(now),
            "closes_at": _local(now + timedelta(days=2)), "options": "", "k": "", "proposal": ""}
    data.update(changes)
    return data


def refused_at(response, field_id: str, message: str, *, error_id: str | None = None, marker: str) -> str:
    """The page of the form again (`marker` is on it), 400, `message` at the field and in the
    summary, which links to the field's id. Returns the page."""
    html = response.get_data(as_text=True)
    assert response.status_code == 400, (response.status_code, html[:2000])
    assert marker in html, "not the form's own page"
    error = re.search(r'id="%s-error"[^>]*>(.*?)</p>' % re.escape(error_id or field_id), html, re.S)
    assert error is not None, f"no message at {field_id}: {re.findall(r'<p class=.error.[^>]*>.*?</p>', html)}"
    assert message in unescape(error.group(1)), (message, error.group(1))
    summary = re.search(r'class="error-summary".*?</div>', html, re.S)
    assert summary is not None, "no error summary"
    assert f'href="#{field_id}"' in summary.group(0) and message in unescape(summary.group(0)), summary.group(0)
    return html


NEW = "/c/dorf-a/votes/new?lang=en"
NEW_MARK = 'action="/c/dorf-a/votes/new"'

# (what is sent, the field, the message): the form's own checks and the service's.
POLL_CASES = [
    ({"question": ""}, "question", "This field is required."),
    ({"question": "村" * 201}, "question", "Field cannot be longer than 200 characters."),
    ({"question": "   "}, "question", "This field is required."),
    ({"description": "x" * 5001}, "description", "Field cannot be longer than 5000 characters."),
    ({"kind": "single", "options": "Only one"}, "options", "between 2 and 20 options"),
    ({"kind": "single", "options": "Red\nRed"}, "options", "Each option must be different"),
    ({"kind": "single", "options": "\n".join(f"Option {i}" for i in range(21))}, "options", "between 2 and 20"),
    ({"kind": "up_to_k", "options": "Red\nGreen\nBlue", "k": "3"}, "k", "one less than the number of options"),
    ({"kind": "up_to_k", "options": "Red\nGreen\nBlue", "k": ""}, "k", "one less than the number of options"),
    ({"k": "abc", "kind": "up_to_k", "options": "Red\nGreen"}, "k", "Not a valid integer value."),
    ({"closes_at": _local(utcnow() - timedelta(days=1))}, "closes_at", "must be in the future"),
    ({"opens_at": _local(utcnow() + timedelta(days=3))}, "closes_at", "after the opening time"),
    ({"closes_at": "tomorrow"}, "closes_at", "This field is required."),  # not a time the field can read
    ({"proposal": "999999"}, "proposal", "The linked item was not found in this community."),
    ({"kind": "many"}, "kind-0", "Not a valid choice."),
]


@pytest.mark.parametrize("changes,field,message", POLL_CASES, ids=lambda v: str(v)[:40])
def test_new_poll_form_shows_each_mistake_at_its_field(app, world, changes, field, message):
    coma = client_as(app, "coma")
    typed = "A question the committee typed"
    data = poll_data(**{"question": typed, **changes})
    before = db.session.execute(select(func.count()).select_from(Poll)).scalar_one()
    r = coma.post(NEW, data, token_from="/c/dorf-a/votes/new")
    error_id = "kind" if field == "kind-0" else None
    html = refused_at(r, field, message, error_id=error_id, marker=NEW_MARK)
    shown = data["question"]
    if shown.strip():
        assert f'value="{shown}"' in html  # the question as typed
    if data["options"]:
        assert data["options"].split("\n")[0] in html  # the options as typed
    assert db.session.execute(select(func.count()).select_from(Poll)).scalar_one() == before


def test_a_proposal_of_another_community_is_refused_at_its_field(app, world):
    from .support.proposals import make_proposal

    prop = make_proposal(world)  # of community A
    comb = client_as(app, "comb")
    r = comb.post("/c/dorf-b/votes/new?lang=en", poll_data(proposal=str(prop.id)), token_from="/c/dorf-b/votes/new")
    refused_at(r, "proposal", "The linked item was not found in this community.",
               marker='action="/c/dorf-b/votes/new"')


def test_edit_form_shows_the_mistake_at_its_field_and_keeps_the_input(app, world):
    p = make_poll(world, "draft", kind="single")
    coma = client_as(app, "coma")
    url = f"/c/dorf-a/votes/{p.id}/edit"
    r = coma.post(url + "?lang=en", poll_data(question="Changed question", kind="single", options="Lonely"),
                  token_from=url)
    html = refused_at(r, "options", "between 2 and 20 options", marker=f'action="{url}"')
    assert 'value="Changed question"' in html and "Lonely" in html
    db.session.expire_all()
    assert db.session.get(Poll, p.id).question == "Pave the village square?"  # nothing changed


# --- the ballot ---------------------------------------------------------------------------------

@pytest.mark.parametrize("step", ["confirm", "cast"])
@pytest.mark.parametrize("choice,message", [([], "This field is required."),
                                            (["9"], "Please choose one of the listed options."),
                                            (["1", "2"], "You chose more options than allowed."),
                                            (["x"], "This field is required.")])  # not an option number
def test_ballot_mistakes_show_the_poll_page_with_the_message_at_the_choice(app, world, step, choice, message):
    p = make_poll(world, "open", kind="up_to_k", k=2 if len(choice) != 2 else 1, options=["Red", "Green", "Blue"])
    if len(choice) == 2:
        p.k = 1
        db.session.commit()
    resa = client_as(app, "resa")
    url = f"/c/dorf-a/votes/{p.id}"
    r = resa.post(f"{url}/{step}?lang=en", {"choice": choice}, token_from=url)
    html = refused_at(r, "choice", message.rstrip("."), marker=f'action="{url}/confirm"')
    if choice == ["1", "2"]:  # what was chosen stays chosen
        assert re.search(r'value="1" id="choice" checked', html) and re.search(r'value="2" checked', html)
    assert db.session.execute(select(func.count()).select_from(RollEntry)).scalar_one() == 0


def test_a_second_ballot_is_refused_on_the_poll_page(app, world):
    p = make_poll(world, "voted")  # resa has voted
    resa = client_as(app, "resa")
    url = f"/c/dorf-a/votes/{p.id}"
    r = resa.post(f"{url}/cast?lang=en", {"choice": "2"}, token_from=url)
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and "You have voted." in html
    summary = re.search(r'class="error-summary".*?</div>', html, re.S).group(0)
    assert "A vote has already been recorded for this person" in summary
    assert sealed_count(p.id) == 1


# --- committee buttons: never a bare error page ---------------------------------------------------

def test_close_now_when_not_everyone_voted_shows_the_poll_page_with_the_message(app, world):
    p = make_poll(world, "voted")
    coma = client_as(app, "coma")
    url = f"/c/dorf-a/votes/{p.id}"
    r = coma.post(f"{url}/close?lang=en", token_from=url)
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and "<h1>Pave the village square?</h1>" in html
    summary = re.search(r'class="error-summary".*?</div>', html, re.S).group(0)
    assert "The poll can close early only when every eligible resident has voted." in summary
    db.session.expire_all()
    assert db.session.get(Poll, p.id).state == "open"


def test_opening_a_poll_past_its_closing_time_shows_the_check_screen_with_the_message(app, world):
    p = make_poll(world, "draft")
    p.opens_at = utcnow() - timedelta(days=2)
    p.closes_at = utcnow() - timedelta(days=1)
    db.session.commit()
    coma = client_as(app, "coma")
    url = f"/c/dorf-a/votes/{p.id}"
    r = coma.post(f"{url}/open?lang=en", token_from=f"{url}/open")
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and "<h1>Check before opening</h1>" in html and "Pave the village square?" in html
    assert "The closing time has passed" in re.search(r'class="error-summary".*?</div>', html, re.S).group(0)


# --- assisted and paper -------------------------------------------------------------------------

@pytest.mark.parametrize("changes,field,message", [
    ({"present": ""}, "present", "This field is required."),
    ({"agreed": ""}, "agreed", "This field is required."),
    ({"choice": "7"}, "choice", "Please choose one of the listed options."),
    ({"voter": "999999"}, "voter", "Not a valid choice"),
])
def test_assisted_form_shows_each_mistake_at_its_field(app, world, changes, field, message):
    p = make_poll(world, "open")
    coma = client_as(app, "coma")
    url = f"/c/dorf-a/votes/{p.id}/assisted"
    data = {"voter": str(world["meda"].id), "choice": "1", "present": "y", "agreed": "y", **changes}
    data = {k: v for k, v in data.items() if v != ""}
    html = refused_at(coma.post(url + "?lang=en", data, token_from=url), field, message, marker=f'action="{url}"')
    if field != "voter":
        assert re.search(r'<option selected value="%d">' % world["meda"].id, html)  # the resident chosen
    assert db.session.execute(select(func.count()).select_from(RollEntry)).scalar_one() == 0


def test_paper_mark_form_without_anyone_is_refused_at_its_field(app, world):
    p = make_poll(world, "open")
    coma = client_as(app, "coma")
    url = f"/c/dorf-a/votes/{p.id}/paper"
    refused_at(coma.post(url + "/mark?lang=en", {}, token_from=url), "voters", "This field is required.",
               marker=f'action="{url}/mark"')


def _two_marked(world, p):
    paper.mark_paper(world.a, p, [world["resa"], world["meda"]], actor=world["coma"])
    db.session.commit()


@pytest.mark.parametrize("data,field,message,error_id", [
    ({"ballots": "2", "invalid": "0", "count-1": "1", "count-2": "", "count-3": "0"}, "count-1",
     "Please give a count (0 or more) for every option.", "counts"),
    ({"ballots": "2", "invalid": "0", "count-1": "1", "count-2": "eins", "count-3": "0"}, "count-1",
     "Please give a count (0 or more) for every option.", "counts"),
    ({"ballots": "2", "invalid": "0", "count-1": "1", "count-2": "0", "count-3": "0"}, "count-1",
     "The counts must add up to the number of valid paper ballots.", "counts"),
    ({"ballots": "3", "invalid": "0", "count-1": "1", "count-2": "1", "count-3": "1"}, "ballots",
     "must equal the number of residents marked", None),
    ({"ballots": "2", "invalid": "3", "count-1": "0", "count-2": "0", "count-3": "0"}, "invalid",
     "There cannot be more invalid ballots than ballots in the box.", None),
    ({"ballots": "", "invalid": "0", "count-1": "1", "count-2": "1", "count-3": "0"}, "ballots",
     "This field is required.", None),
    ({"ballots": "-1", "invalid": "0", "count-1": "1", "count-2": "1", "count-3": "0"}, "ballots",
     "Number must be between 0 and 1000000.", None),
])
def test_paper_totals_form_shows_each_mistake_at_its_field(app, world, data, field, message, error_id):
    p = make_poll(world, "open")
    _two_marked(world, p)
    coma = client_as(app, "coma")
    url = f"/c/dorf-a/votes/{p.id}/paper"
    html = refused_at(coma.post(url + "/totals?lang=en", data, token_from=url), field, message, error_id=error_id,
                      marker=f'action="{url}/totals"')
    for name, value in data.items():
        if name.startswith("count-") and value:
            assert f'name="{name}" value="{value}"' in html  # every count as typed
    if data["ballots"]:
        assert f'value="{data["ballots"]}"' in html
    assert db.session.get(PaperTotals, p.id) is None


def test_confirming_ones_own_paper_totals_shows_the_paper_page_with_the_message(app, world):
    p = make_poll(world, "open")
    _two_marked(world, p)
    paper.enter_paper_totals(world.a, p, 2, 0, [1, 1, 0], actor=world["coma"])
    db.session.commit()
    coma = client_as(app, "coma")
    url = f"/c/dorf-a/votes/{p.id}/paper"
    r = coma.post(url + "/confirm?lang=en", token_from=url)
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and "<h1>Paper ballots</h1>" in html
    assert "A second committee member must confirm" in re.search(r'class="error-summary".*?</div>', html,
                                                                 re.S).group(0)


# --- the same creating form sent twice -----------------------------------------------------------

def _twice(client, url, data, token_from):
    data = dict(data, submit_token=secrets.token_urlsafe(24), csrf_token=client.token(token_from))
    first, second = client.post(url, data), client.post(url, data)
    assert first.status_code == 303, first.get_data(as_text=True)[:2000]
    assert second.status_code == 303, second.get_data(as_text=True)[:2000]
    return first, second


def test_a_new_poll_sent_twice_is_made_once(app, world):
    coma = client_as(app, "coma")
    first, second = _twice(coma, "/c/dorf-a/votes/new", poll_data(), "/c/dorf-a/votes/new")
    assert second.headers["Location"] == first.headers["Location"]
    polls = db.session.execute(select(Poll)).scalars().all()
    assert len(polls) == 1 and first.headers["Location"].endswith(f"/c/dorf-a/votes/{polls[0].id}")


def test_a_ballot_sent_twice_is_cast_once_and_the_second_lands_on_the_poll_page(app, world):
    p = make_poll(world, "open")
    resa = client_as(app, "resa")
    url = f"/c/dorf-a/votes/{p.id}"
    data = {"choice": "1", "submit_token": secrets.token_urlsafe(24), "csrf_token": resa.token(url)}
    first, second = resa.post(f"{url}/cast", data), resa.post(f"{url}/cast", data)
    # The first send is answered with the receipt itself (no redirect: the code is in no URL).
    assert first.status_code == 200 and "Location" not in first.headers
    assert first.headers["Cache-Control"] == "no-store"
    tracker = receipt_code(first.get_data(as_text=True))
    # The second lands on the poll's page, never the receipt: the one-time token's row holds only its URL.
    assert second.status_code == 303 and second.headers["Location"].endswith(f"{url}#cast")
    assert tracker not in resa.get(second.headers["Location"]).get_data(as_text=True)
    assert sealed_count(p.id) == 1
    assert db.session.execute(select(func.count()).select_from(RollEntry)).scalar_one() == 1
    from portal.web.models import SubmittedForm

    rows = db.session.execute(select(SubmittedForm.target)).scalars().all()
    assert len(rows) == 1 and tracker not in rows[0]


def test_paper_totals_sent_twice_are_entered_once(app, world):
    p = make_poll(world, "open")
    _two_marked(world, p)
    coma = client_as(app, "coma")
    url = f"/c/dorf-a/votes/{p.id}/paper"
    first, second = _twice(coma, f"{url}/totals",
                           {"ballots": "2", "invalid": "0", "count-1": "1", "count-2": "1", "count-3": "0"}, url)
    assert first.headers["Location"] == second.headers["Location"] and first.headers["Location"].endswith(url)
    entered = db.session.execute(select(func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.action == "poll.paper_entered")).scalar_one()
    assert entered == 1 and db.session.get(PaperTotals, p.id).ballots == 2


def test_the_confirmation_page_carries_the_ballots_one_time_token(app, world):
    p = make_poll(world, "open")
    resa = client_as(app, "resa")
    url = f"/c/dorf-a/votes/{p.id}"
    page = resa.get(url).get_data(as_text=True)
    token = re.search(r'name="submit_token" type="hidden" value="([^"]+)"', page)
    assert token is not None
    r = resa.post(f"{url}/confirm", {"choice": "1", "submit_token": token.group(1)}, token_from=url)
    assert r.status_code == 200 and f'value="{token.group(1)}"' in r.get_data(as_text=True)
