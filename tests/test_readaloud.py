"""Read-aloud: spoken by the server from the stored text, cached, only for what one may read."""
from __future__ import annotations

import os
import re
import subprocess

import pytest

from portal.extensions import db
from portal.moderation import services as moderation
from portal.readaloud import speech

from .support.pages import en, page
from .support.proposals import make_proposal, set_threshold
from .support.security import client_as

SPEECH = speech.available()
needs_speech = pytest.mark.skipif(not SPEECH and os.environ.get("YISHI_REQUIRE_SPEECH") != "1",
                                  reason="espeak-ng/opusenc not installed (CI installs them)")


def test_ci_has_the_speech_tools():
    """CI installs espeak-ng and opus-tools: there, read-aloud must really be tested."""
    if os.environ.get("YISHI_REQUIRE_SPEECH") == "1":
        assert SPEECH, "espeak-ng and opusenc must be installed (apt-get install -y espeak-ng opus-tools)"
    assert speech.voice_for("村口装几盏路灯 please") == "cmn" and speech.voice_for("Fix the road") == "en"
    long = "一句话。" * 1000
    assert len(speech.clip(long)) <= speech.TEXT_MAX and speech.clip(long).endswith("。")


@needs_speech
def test_spoken_once_then_served_from_the_cache(app, world, monkeypatch):
    p = make_proposal(world, title="村口装几盏路灯", body="晚上太黑，老人出门不安全。")
    url = f"/c/dorf-a/speak/proposal/{p.id}/text.ogg"
    visitor = client_as(app, "visitor")
    r = visitor.get(url)
    assert r.status_code == 200 and r.mimetype == "audio/ogg"
    audio = r.get_data()
    assert audio[:4] == b"OggS" and b"OpusHead" in audio[:200]
    assert 2_000 < len(audio) < 120_000  # compressed: tens of KB, not a WAV's hundreds
    assert "private" in r.headers["Cache-Control"]
    calls = []
    real = subprocess.run
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: calls.append(a) or real(*a, **k))
    again = visitor.get(url)
    assert again.status_code == 200 and again.get_data() == audio and calls == []
    # The page carries the control: a plain <audio>, no script needed, nothing loaded until played.
    html = page(en(app, "visitor"), f"/c/dorf-a/proposals/{p.id}")
    assert re.search(rf'<audio controls preload="none" aria-labelledby="[^"]+" src="{re.escape(url)}">', html)
    assert "Listen: the proposal" in html


@needs_speech
def test_only_what_one_may_read(app, world):
    draft = make_proposal(world, publish=False)
    visitor, author = client_as(app, "visitor"), client_as(app, "resa")
    assert visitor.get(f"/c/dorf-a/speak/proposal/{draft.id}/text.ogg").status_code == 404
    assert author.get(f"/c/dorf-a/speak/proposal/{draft.id}/text.ogg").status_code == 200
    p = make_proposal(world)
    moderation.hide(world.a, p, "private data", actor=world["coma"])
    db.session.commit()
    assert visitor.get(f"/c/dorf-a/speak/proposal/{p.id}/text.ogg").status_code == 404
    assert client_as(app, "coma").get(f"/c/dorf-a/speak/proposal/{p.id}/text.ogg").status_code == 200
    # No answer yet, an unknown block or kind, another community's proposal: nothing.
    q = make_proposal(world)
    for path in (f"proposal/{q.id}/answer", f"proposal/{q.id}/other", f"letters/{q.id}/text",
                 f"proposal/{q.id}/{'x' * 30}"):
        assert visitor.get(f"/c/dorf-a/speak/{path}.ogg").status_code == 404, path
    assert visitor.get(f"/c/dorf-b/speak/proposal/{q.id}/text.ogg").status_code == 404


@needs_speech
def test_the_answer_is_read_too(app, world):
    from portal.proposals import services as ps

    set_threshold(world.a, 1)
    p = make_proposal(world)
    ps.support(world.a, p, actor=world["meda"])
    ps.answer(world.a, p, "accepted", "We will put up three lights in March.", actor=world["coma"])
    db.session.commit()
    r = client_as(app, "visitor").get(f"/c/dorf-a/speak/proposal/{p.id}/answer.ogg")
    assert r.status_code == 200 and r.get_data()[:4] == b"OggS"
    assert "Listen: the answer" in page(en(app, "visitor"), f"/c/dorf-a/proposals/{p.id}")


def test_without_the_tools_the_control_is_hidden_and_the_portal_works(app, world):
    app.config["READ_ALOUD"] = False
    p = make_proposal(world)
    html = page(en(app, "visitor"), f"/c/dorf-a/proposals/{p.id}")
    assert "<audio" not in html and "Fix the road to the school" in html
    assert client_as(app, "visitor").get(f"/c/dorf-a/speak/proposal/{p.id}/text.ogg").status_code == 404


@needs_speech
def test_a_failing_synthesis_is_a_503_not_a_crash(app, world, monkeypatch):
    p = make_proposal(world, body="这一句从没有被读过。")

    def broken(*a, **k):
        raise subprocess.CalledProcessError(1, a[0])
    monkeypatch.setattr(speech.subprocess, "run", broken)
    assert client_as(app, "visitor").get(f"/c/dorf-a/speak/proposal/{p.id}/text.ogg").status_code == 503


@needs_speech
def test_rate_limited(app, world):
    p = make_proposal(world)
    v = client_as(app, "visitor")
    codes = [v.get(f"/c/dorf-a/speak/proposal/{p.id}/text.ogg").status_code for _ in range(31)]
    assert codes[:30] == [200] * 30 and codes[30] == 429


@needs_speech
def test_rules_title_and_every_clause_for_whoever_may_read_the_version(app, world):
    from portal.readaloud import registry
    from portal.rules import services as rs

    from .support.rules import make_rules

    adopted, draft = make_rules(world, "adopted"), make_rules(world, "drafting")
    clauses, draft_clause = rs.clauses_of(adopted), rs.clauses_of(draft)[0]
    speak = f"/c/dorf-a/speak/rules/{adopted.id}"
    # One player for the title, and one compact listen link per clause (issue 14, 9), on the
    # adopted text, the document and the version; nothing is loaded until played. The print view
    # has none; a clause's own page has its full player.
    visitor = en(app, "visitor")
    doc = f"/c/dorf-a/rules/{adopted.document_id}"
    for url in (doc + "/adopted", doc, f"/c/dorf-a/rules/v/{adopted.id}"):
        html = page(visitor, url)
        assert html.count('<audio controls preload="none"') == 1, url
        assert f'src="{speak}/title.ogg"' in html
        assert all(f'href="{speak}/c{c.id}.ogg"' in html for c in clauses)
        assert html.count('class="read-aloud-link"') == len(clauses)
        assert f'Listen<span class="visually-hidden"> Article {clauses[-1].number}</span>' in html
    assert "<audio" not in page(visitor, doc + "/print")
    assert f'src="{speak}/c{clauses[1].id}.ogg"' in page(visitor, f"/c/dorf-a/rules/v/{adopted.id}/clauses/{clauses[1].id}")
    r = visitor.get(f"{speak}/c{clauses[0].id}.ogg")
    assert r.status_code == 200 and r.get_data()[:4] == b"OggS"
    assert visitor.get(f"{speak}/title.ogg").status_code == 200
    text = registry.get("rules").text(adopted, f"c{clauses[0].id}")
    assert text.startswith("第") and text.endswith(clauses[0].text)  # which article, then its words
    # A draft is the committee's: its clauses are heard by the committee only.
    url = f"/c/dorf-a/speak/rules/{draft.id}/c{draft_clause.id}.ogg"
    for role in ("visitor", "resa", "comb"):
        assert client_as(app, role).get(url).status_code == 404, role
    assert client_as(app, "coma").get(url).status_code == 200
    # A clause of another version, blocks that are no clause, another community: nothing.
    for part in (f"c{draft_clause.id}", "c0", "cx", "c" + "9" * 12, "c-1", "text", "c１"):
        assert visitor.get(f"{speak}/{part}.ogg").status_code == 404, part
    assert visitor.get(f"/c/dorf-b/speak/rules/{adopted.id}/title.ogg").status_code == 404


@needs_speech
def test_mediation_status_only_for_those_who_may_see_the_case(app, world):
    from .support.mediation import make_case

    waiting, busy = make_case(world, "requested"), make_case(world, "mediating", requester="coma")
    html = page(en(app, "resa"), f"/c/dorf-a/mediation/{waiting.id}")
    assert "The request is waiting for the committee. Next step:" in html
    url = f"/c/dorf-a/speak/mediation/{waiting.id}/status.ogg"
    assert re.search(rf'<audio controls preload="none" aria-labelledby="[^"]+" src="{re.escape(url)}">', html)
    assert "Listen: the status of the case" in html
    r = client_as(app, "resa").get(url)
    assert r.status_code == 200 and r.get_data()[:4] == b"OggS" and "private" in r.headers["Cache-Control"]
    assert client_as(app, "coma").get(url).status_code == 200
    # Strangers: a visitor, a mediator not assigned to it, people of no or another community, the admin.
    for role in ("visitor", "meda", "nobody", "penda", "comb", "root"):
        assert client_as(app, role).get(url).status_code == 404, role
    busy_url = f"/c/dorf-a/speak/mediation/{busy.id}/status.ogg"
    assert client_as(app, "meda").get(busy_url).status_code == 200  # assigned to that one
    assert client_as(app, "resa").get(busy_url).status_code == 404
    for path in (f"mediation/{waiting.id}/text", f"mediation/{waiting.id}/what_happened"):
        assert client_as(app, "coma").get(f"/c/dorf-a/speak/{path}.ogg").status_code == 404, path
    assert client_as(app, "comb").get(f"/c/dorf-b/speak/mediation/{waiting.id}/status.ogg").status_code == 404


def test_a_poll_is_spoken_as_question_and_as_ballot(app, world):
    from flask_babel import force_locale

    from portal.readaloud import registry

    from .support.votes import make_poll

    p = make_poll(world, "open")
    poll = registry.get("poll")
    assert poll.load(world.b, p.id) is None and poll.load(world.a, p.id) is p
    with force_locale("en"):
        assert poll.text(p, "text") == "Pave the village square?\nThe square floods every spring."
        assert poll.text(p, "options") == "Pave the village square?\n1. Yes.\n2. No.\n3. Abstain."
    with force_locale("zh_Hans"):
        assert poll.text(p, "options").endswith("\n3. 弃权。")
    assert poll.text(p, "option-1") is None


@needs_speech
def test_a_poll_is_read_aloud_only_where_it_may_be_seen(app, world):
    from .support.votes import make_poll

    draft = make_poll(world, "draft")
    visitor, coma, resa = client_as(app, "visitor"), client_as(app, "coma"), client_as(app, "resa")
    assert visitor.get(f"/c/dorf-a/speak/poll/{draft.id}/text.ogg").status_code == 404  # drafts are the committee's
    assert coma.get(f"/c/dorf-a/speak/poll/{draft.id}/text.ogg").status_code == 200
    p = make_poll(world, "open", question="村里修一条环村路吗？")
    r = visitor.get(f"/c/dorf-a/speak/poll/{p.id}/options.ogg")
    assert r.status_code == 200 and r.get_data()[:4] == b"OggS"
    for path in (f"dorf-a/speak/poll/{p.id}/other", f"dorf-b/speak/poll/{p.id}/text"):
        assert visitor.get(f"/c/{path}.ogg").status_code == 404, path
    # The question on the poll page, the ballot on the voting form and on the check step.
    html = page(en(app, "resa"), f"/c/dorf-a/votes/{p.id}")
    for part in ("text", "options"):
        assert f'src="/c/dorf-a/speak/poll/{p.id}/{part}.ogg"' in html
    assert "Listen: the question" in html and "Listen: the question and its options" in html
    # The check step plays the whole ballot, the same for every choice: no audio request
    # (and so no access log line) ever names the choice.
    token = resa.token(f"/c/dorf-a/votes/{p.id}")
    sources = []
    for choice in ("1", "2"):
        step = resa.post(f"/c/dorf-a/votes/{p.id}/confirm", {"choice": choice, "csrf_token": token})
        sources.append(re.findall(r'<audio [^>]*src="([^"]+)"', step.get_data(as_text=True)))
    assert sources[0] == sources[1] == [f"/c/dorf-a/speak/poll/{p.id}/options.ogg"]
