"""What the audit trail tells whom (docs/architecture.md, "What the trail tells whom").

The tests play the outside tester of issue 19: a plain resident reads the audit page, filters it and
tries every plausible payload of a private event against the hash the page shows. The best possible
guess (everything but the salt right) must not match, and no filter, count or page length a resident
sees may depend on a private event."""
from __future__ import annotations

import html
import json
import re

import pytest
from sqlalchemy import select

from portal.audit.chain import canonical_json, chain_hash, payload_private
from portal.communities import services as cs
from portal.extensions import db

from .support.audit import T, assert_intact, rows, tamper
from .support.helpers import Client, make_user
from .support.mediation import make_case

pytestmark = pytest.mark.usefixtures("fast_passwords")

ROW_RE = re.compile(r'<li id="r(\d+)">(.*?)</li>', re.S)
HASH_RE = re.compile(r'<code class="hash record-hash">([0-9a-f]{64})</code>')
PRIVATE_TEXT = "only the committee sees when, who and what"


@pytest.fixture
def pworld(world):
    """The world plus, in A, a resident `resx` who is in no case and a case of `resa` that went
    through several steps (requested, accepted, mediator assigned, a session, an outcome)."""
    world.users["resx"] = make_user("resx")
    cs.add_resident(world.a, world["resx"], actor=world["coma"])
    db.session.commit()
    world.case = make_case(world, "agreement_written")
    return world


def signed_in(app, name):
    c = Client(app)
    c.http.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    c.login(name)
    return c


def shown_rows(client, query=""):
    """(seq, full hash, rest of the row's html) of every row on every page the filter gives."""
    out, url = [], f"/c/dorf-a/audit/?{query}"
    while url:
        r = client.get(url)
        assert r.status_code == 200
        page = r.get_data(as_text=True)
        for seq, rest in ROW_RE.findall(page):
            m = HASH_RE.search(rest)
            out.append((int(seq), m.group(1), rest))
        nxt = re.search(r'<a href="([^"]+)" rel="next">', page)
        url = html.unescape(nxt.group(1)) if nxt else None
    return out


def test_every_event_of_a_case_is_salted_and_marked(app, pworld):
    stored = rows(pworld.a.id)
    private = [r for r in stored if r.private]
    assert len(private) >= 5  # requested, triaged, other party, assigned, session, outcome...
    for r in stored:
        body = json.loads(r.payload)
        names_case = r.action.startswith("mediation.") or '"mediation_case"' in r.payload
        assert r.private is names_case and payload_private(body) is names_case, r.action
        if names_case:
            assert body["private"] is True and re.fullmatch(r"[0-9a-f]{32}", body["salt"])
        else:
            assert "salt" not in body and "private" not in body
    assert len({json.loads(r.payload)["salt"] for r in private}) == len(private)
    assert_intact(app, pworld.a)


def test_a_resident_recovers_nothing_from_the_hashes(app, pworld):
    """The attacker knows every row's hash from the page and the previous row's hash; for each
    private row they try every action, actor, role, case id and minute around the neighbours' times
    (here: the stored row's own fields, the strongest possible guess) — without the salt, nothing
    matches. Today's code (no salt) gives every row away to this guess."""
    resx = signed_in(app, "resx")
    page = {seq: (digest, rest) for seq, digest, rest in shown_rows(resx)}
    stored = {r.seq: r for r in rows(pworld.a.id)}
    assert set(page) == set(stored)
    private = [s for s in stored if stored[s].private]
    assert private
    recovered = 0
    for seq in private:
        digest, rest = page[seq]
        prev = page[seq - 1][0] if seq > 1 else "0" * 64
        assert digest == stored[seq].hash
        # What the page shows of a private row: its number and its hash, nothing else.
        assert PRIVATE_TEXT in rest and "<time" not in rest and 'class="payload"' not in rest \
            and "/audit/?actor=" not in rest
        assert "Mediation" not in rest and "mediation_case" not in rest
        truth = json.loads(stored[seq].payload)
        guesses = []
        for drop in (("salt",), ("salt", "private")):
            guess = {k: v for k, v in truth.items() if k not in drop}
            guesses.append(guess)
            guesses += [{**guess, "salt": s} for s in ("", "0" * 32, "f" * 32)]
        recovered += any(chain_hash(prev, canonical_json(g)) == digest for g in guesses)
    assert recovered == 0
    # The committee sees them in full.
    coma = signed_in(app, "coma")
    for seq, digest, rest in shown_rows(coma):
        if seq in private:
            assert PRIVATE_TEXT not in rest and "mediation_case" in rest


ROLES = ("committee", "mediator", "requester", "other_resident")
LOGINS = {"committee": "coma", "mediator": "meda", "requester": "resa", "other_resident": "resx"}


def _filters(w):
    return {
        "all": "",
        "a private action": "action=mediation.requested",
        "an action private when it names a case": "action=attachment.added",
        "the requester": f"actor={w['resa'].id}",
        "the mediator": f"actor={w['meda'].id}",
        "the committee": f"actor={w['coma'].id}",
        "the committee's private action": f"actor={w['coma'].id}&action=mediation.triaged",
        "older than the case": f"before={min(r.seq for r in rows(w.a.id) if r.private)}",
    }


def _matches(r, query):
    args = dict(p.split("=") for p in query.split("&") if p)
    return ((not args.get("action") or r.action == args["action"])
            and (not args.get("actor") or r.actor_id == int(args["actor"]))
            and (not args.get("before") or r.seq < int(args["before"])))


@pytest.mark.parametrize("role", ROLES)
def test_filter_and_count_matrix(app, pworld, role):
    """audit page filters × every role × events others may not see: a filter finds, for anyone but
    the committee, exactly the events they may see (so its length and paging depend on nothing
    private); unfiltered, every seq is listed and private ones are number and hash only."""
    import io

    from werkzeug.datastructures import FileStorage

    from portal.uploads import services as up

    w = pworld
    from PIL import Image

    # A photo attached to the case: an attachment.added event that names it.
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(buf, "JPEG")
    buf.seek(0)
    up.save_image(w.a, FileStorage(buf, filename="a.jpg"), "mediation_case", w.case.id, actor=w["resa"])
    db.session.commit()
    client = signed_in(app, LOGINS[role])
    stored = rows(w.a.id)
    for what, query in _filters(w).items():
        got = shown_rows(client, query)
        sees_all = role == "committee"
        expected = [r for r in reversed(stored) if _matches(r, query) and (sees_all or not r.private or not query
                                                                              or query.startswith("before="))]
        assert [s for s, _, _ in got] == [r.seq for r in expected], (role, what)
        for (seq, digest, rest), r in zip(got, expected):
            assert digest == r.hash
            assert (PRIVATE_TEXT in rest) is (r.private and not sees_all), (role, what, seq)


def test_many_private_events_change_nothing_a_resident_filters(app, pworld):
    """More private events of one person than a page holds: the resident's filtered view of that
    person is the same as if those events did not exist (same rows, no 'older' link)."""
    from portal.mediation import services as ms

    w = pworld
    resx = signed_in(app, "resx")
    before = [s for s, _, _ in shown_rows(resx, f"actor={w['resa'].id}")]
    page = resx.get(f"/c/dorf-a/audit/?actor={w['resa'].id}").get_data(as_text=True)
    for _ in range(35):
        ms.record_view(w.a, w.case, "case", "party", actor=w["resa"])
    db.session.commit()
    after = [s for s, _, _ in shown_rows(resx, f"actor={w['resa'].id}")]
    assert after == before
    again = resx.get(f"/c/dorf-a/audit/?actor={w['resa'].id}").get_data(as_text=True)
    assert ('rel="next"' in again) is ('rel="next"' in page)
    # The kinds of action offered to a resident do not include the ones that are always private.
    assert 'value="mediation.requested"' not in again
    coma = signed_in(app, "coma")
    assert 'value="mediation.requested"' in coma.get("/c/dorf-a/audit/").get_data(as_text=True)


def test_the_private_flag_cannot_be_changed_behind_record(app, pworld):
    """Showing a private event (or hiding a public one) by editing the column is tampering."""
    r = next(r for r in rows(pworld.a.id) if r.private)
    tamper(T.update().where((T.c.community_id == pworld.a.id) & (T.c.seq == r.seq)).values(private=False))
    from portal.audit import verify_community

    res = verify_community(pworld.a)
    assert not res.ok and res.broken_seq == r.seq and "private" in res.reason
    assert db.session.execute(select(T.c.private).where(T.c.id == r.id)).scalar_one() is False
