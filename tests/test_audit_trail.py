"""The audit page as residents read it (issue 14, item 14): one plain sentence per record with links
to what the reader may open, the payload and codes behind a 核对 / Details disclosure, a "check this
trail now" button, and the stand-alone verifier that agrees with the server."""
from __future__ import annotations

import ast
import html
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from sqlalchemy import update

from portal.audit import verify_community
from portal.audit.chain import verify_export_lines
from portal.audit.labels import ACTIONS as ACTION_LABELS
from portal.audit.sentences import OBJECTS, SENTENCES
from portal.audit.views import VERIFIER

from .support.audit import T, rows, tamper
from .support.demo import demo_client, seeded
from .support.helpers import Client

pytestmark = pytest.mark.usefixtures("fast_passwords")

ROOT = Path(__file__).resolve().parent.parent
# The action of every audit.record(...) call, and of mediation's _audit(community, actor, "…") helper.
CALL_RE = re.compile(r'\b(?:record|_audit)\(\s*[^()"]*?"([a-z_]+\.[a-z_]+)"', re.S)
HEX64 = re.compile(r"\b[0-9a-f]{64}\b")


def recorded_actions() -> set[str]:
    from portal.matters.services import AUDIT_ACTIONS

    out = set(AUDIT_ACTIONS)  # built as "matter." + verb, which the pattern cannot see
    for path in (ROOT / "portal").rglob("*.py"):
        out |= set(CALL_RE.findall(path.read_text(encoding="utf-8")))
    return out


def test_the_matters_list_of_actions_is_complete():
    """services.AUDIT_ACTIONS lists what its _event(…, "verb") and _handoff(…, "verb") calls write."""
    from portal.matters.services import AUDIT_ACTIONS

    source = (ROOT / "portal" / "matters" / "services.py").read_text(encoding="utf-8")
    verbs = set(re.findall(r'\b_event\(\s*\w+,\s*\w+,\s*"([a-z_]+)"', source))
    handoffs = set(re.findall(r'\b_handoff\([^"]*?"([a-z_]+)"', source, re.S))
    assert len(verbs) > 10 and len(handoffs) == 5
    assert verbs - {"extension_"} <= {a[len("matter."):] for a in AUDIT_ACTIONS}
    assert {f"matter.{x}.{end}" for x in handoffs for end in ("sent", "received")} <= set(AUDIT_ACTIONS)
    assert {"matter.extension_granted", "matter.extension_refused"} <= set(AUDIT_ACTIONS)


def test_every_recorded_action_has_a_sentence_in_both_languages():
    actions = recorded_actions()
    assert len(actions) > 60 and {"proposal.answered", "mediation.requested", "poll.closed"} <= actions
    missing = sorted(actions - set(SENTENCES))
    assert not missing, f"actions written by record() without a sentence in portal/audit/sentences.py: {missing}"
    unlabelled = sorted(actions - set(ACTION_LABELS))
    assert not unlabelled, f"actions written by record() without a label in portal/audit/labels.py: {unlabelled}"
    for loc in ("zh_Hans", "en"):
        with (ROOT / "translations" / loc / "LC_MESSAGES" / "messages.po").open("rb") as f:
            cat = read_po(f, locale=loc)
        for template in list(SENTENCES.values()) + list(OBJECTS.values()):
            msg = cat.get(template._args[0])
            assert msg is not None and msg.string, (loc, template._args[0])
            if loc == "zh_Hans":
                assert not re.search(r"[A-Za-z]{3,}", re.sub(r"%\(\w+\)[sd]", "", msg.string)), msg.string


def visible_text(page: str) -> str:
    """The page as read without opening any disclosure."""
    main = page[page.index("<main"):page.index("</main>")]
    main = re.sub(r"<details.*?</details>", "", main, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", main))


def entry(page: str, seq: int) -> str:
    m = re.search(rf'<li id="r{seq}">(.*?)</li>', page, re.S)
    assert m, seq
    return m.group(1)


def sentence_of(page: str, seq: int) -> str:
    m = re.search(r'<p class="audit-sentence">(.*?)</p>', entry(page, seq), re.S)
    assert m, entry(page, seq)
    return m.group(1)


def seq_of(community_id, action, subject=None) -> int:
    return [r.seq for r in rows(community_id) if r.action == action
            and (subject is None or (r.subject_type, r.subject_id) == subject)][-1]


def test_the_trail_reads_as_sentences_with_links(app):
    c = seeded()
    answered = seq_of(c.id, "proposal.answered")
    zh = demo_client(app, "zhang").get("/c/dongshan/audit/?action=proposal.answered").get_data(as_text=True)
    assert sentence_of(zh, answered) == (
        '<a href="/c/dongshan/audit/?actor=2">王秀英（村委会）</a>答复了<a href="/c/dongshan/proposals/1">第 1 号提案</a>：'
        + html.escape(str(_label("zh_Hans", "Accepted"))))
    en = demo_client(app, "zhang", "en").get("/c/dongshan/audit/?action=proposal.answered").get_data(as_text=True)
    assert sentence_of(en, answered) == ('<a href="/c/dongshan/audit/?actor=2">王秀英（村委会）</a> answered '
                                         '<a href="/c/dongshan/proposals/1">proposal no. 1</a>: Accepted')

    # The first page: sentences, no raw JSON and no 64-character code outside the disclosures.
    for page in (zh, demo_client(app, "zhang").get("/c/dongshan/audit/").get_data(as_text=True), en):
        text = visible_text(page)
        assert '{"' not in text and '"action"' not in text and not HEX64.search(text), text[:3000]
        assert page.count('<details class="audit-details">') == page.count('<li id="r') + 1  # + the head
        for e in re.findall(r'<li id="r\d+">.*?</li>', page, re.S):
            assert re.search(r"<details class=\"audit-details\"><summary>(核对|Details)</summary>", e)
            assert HEX64.search(e.split("<details")[1])  # the codes are in the disclosure


def _label(loc, msgid):
    with (ROOT / "translations" / loc / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f, locale=loc).get(msgid).string


def test_a_draft_is_linked_only_for_those_who_may_open_it(app):
    c = seeded()
    created = seq_of(c.id, "poll.created")  # the last poll made is the demo's draft
    url = "/c/dongshan/audit/?action=poll.created"
    resident = entry(demo_client(app, "zhang", "en").get(url).get_data(as_text=True), created)
    committee = entry(demo_client(app, "wang", "en").get(url).get_data(as_text=True), created)
    poll_id = [r.subject_id for r in rows(c.id) if r.seq == created][0]
    assert f"vote no. {poll_id}" in resident and f"/votes/{poll_id}" not in resident
    assert f'<a href="/c/dongshan/votes/{poll_id}">vote no. {poll_id}</a>' in committee


def test_the_committee_reads_private_records_with_links_residents_see_number_and_code(app):
    c = seeded()
    seq = seq_of(c.id, "mediation.requested")
    case_id = [r.subject_id for r in rows(c.id) if r.seq == seq][0]
    url = "/c/dongshan/audit/?before=%d" % (seq + 1)
    committee = sentence_of(demo_client(app, "wang", "en").get(url).get_data(as_text=True), seq)
    assert f'asked for mediation: <a href="/c/dongshan/mediation/{case_id}">mediation case no. {case_id}</a>' \
        in committee
    resident = entry(demo_client(app, "liu", "en").get(url).get_data(as_text=True), seq)
    assert "only the committee sees when, who and what" in resident
    assert "audit-sentence" not in resident and "mediation case no" not in resident and "<time" not in resident
    assert HEX64.search(resident)


def test_check_this_trail_says_intact_or_where_it_breaks(app, world):
    a = world.a
    c = Client(app)
    c.http.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    c.login("resa")
    index = c.get("/c/dorf-a/audit/").get_data(as_text=True)
    form = re.search(r'<form method="get" action="/c/dorf-a/audit/check" class="audit-check">(.*?)</form>', index, re.S)
    assert form and '<input type="hidden" name="trail" value="1">' in form.group(1)
    assert "Check this trail now" in form.group(1)
    n = len(rows(a.id))
    page = c.get("/c/dorf-a/audit/check?trail=1").get_data(as_text=True)
    assert "The trail is intact." in page
    assert f"All {n} records, from no. 1 to no. {n}, were checked again just now" in page

    r = rows(a.id)[3]
    tamper(update(T).where((T.c.community_id == a.id) & (T.c.seq == 4)).values(payload=r.payload.replace("}", ' }', 1)))
    page = c.get("/c/dorf-a/audit/check?trail=1").get_data(as_text=True)
    assert "The trail is broken at record no. 4." in page and "Records no. 1 to no. 3 are intact." in page
    assert "The trail is intact." not in page


def run_verifier(tmp_path, name, content: bytes, *args):
    script = tmp_path / "verify_trail.py"
    if not script.exists():
        script.write_bytes(VERIFIER.read_bytes())
    trail = tmp_path / name
    trail.write_bytes(content)
    # -I: isolated, as on a stranger's computer (no portal on the path, no site packages).
    return subprocess.run([sys.executable, "-I", str(script), str(trail), *args], capture_output=True,
                          text=True, cwd=tmp_path, timeout=60)


def test_the_verifier_is_one_stdlib_file_anyone_may_download(app, world):
    tree = ast.parse(VERIFIER.read_text(encoding="utf-8"))
    imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert imported <= set(sys.stdlib_module_names), imported
    resident = Client(app)
    resident.login("resa")
    index = resident.get("/c/dorf-a/audit/").get_data(as_text=True)
    assert 'href="/c/dorf-a/audit/verify_trail.py" download' in index
    r = resident.get("/c/dorf-a/audit/verify_trail.py")
    assert r.status_code == 200 and r.data == VERIFIER.read_bytes()
    assert 'filename="verify_trail.py"' in r.headers["Content-Disposition"]
    assert Client(app).get("/c/dorf-a/audit/verify_trail.py").status_code in (302, 303, 403, 404)


def test_the_verifier_agrees_with_the_server(app, world, tmp_path):
    a = world.a
    committee = Client(app)
    committee.login("coma")
    export = committee.get("/c/dorf-a/audit/export.jsonl", buffered=True).data
    n = len(rows(a.id))
    server = verify_export_lines(export.splitlines(keepends=True))
    assert server.ok and verify_community(a).ok
    res = run_verifier(tmp_path, "intact.jsonl", export)
    assert res.returncode == 0, res.stdout + res.stderr
    assert f"intact: {n} records, unbroken from no. 1 to no. {n}" in res.stdout
    assert f"last record: {n}:{server.head_hash}" in res.stdout
    # A code written down earlier: found, and one that is not.
    early = rows(a.id)[2]
    assert run_verifier(tmp_path, "intact.jsonl", export, "--head", f"3 : {early.hash.upper()}").returncode == 0
    res = run_verifier(tmp_path, "intact.jsonl", export, "--head", f"3:{'0' * 64}")
    assert res.returncode == 1 and "broken at record no. 3" in res.stdout

    # Tampered in the export file: an edited payload, a removed line, two lines swapped.
    lines = export.splitlines(keepends=True)
    edited = json.loads(lines[4])
    edited["payload"] = edited["payload"].replace("Dorf A", "Dorf X").replace('"seq":5', '"seq":5 ')
    cases = {
        "edited": lines[:4] + [(json.dumps(edited, ensure_ascii=False) + "\n").encode()] + lines[5:],
        "removed": lines[:2] + lines[3:],
        "swapped": lines[:5] + [lines[6], lines[5]] + lines[7:],
    }
    for name, tampered in cases.items():
        content = b"".join(tampered)
        expected = verify_export_lines(content.splitlines(keepends=True))
        assert not expected.ok
        res = run_verifier(tmp_path, f"{name}.jsonl", content)
        assert res.returncode == 1, (name, res.stdout)
        assert f"broken at record no. {expected.broken_seq}: {expected.reason}" in res.stdout, (name, res.stdout)
        assert f"intact up to no. {expected.broken_seq - 1}" in res.stdout or expected.broken_seq == 1

    # Tampered in the database (behind the portal's back), then exported: both say the same seq.
    r = rows(a.id)[5]
    tamper(update(T).where((T.c.community_id == a.id) & (T.c.seq == 6))
           .values(payload=r.payload.replace('"actor_role":"', '"actor_role":"x', 1)))
    db_result = verify_community(a)
    assert not db_result.ok and db_result.broken_seq == 6
    export = committee.get("/c/dorf-a/audit/export.jsonl", buffered=True).data
    res = run_verifier(tmp_path, "db-tampered.jsonl", export)
    assert res.returncode == 1 and "broken at record no. 6:" in res.stdout, res.stdout
    assert run_verifier(tmp_path, "missing.jsonl", b"").returncode == 1
    assert subprocess.run([sys.executable, "-I", str(tmp_path / "verify_trail.py"), str(tmp_path / "nope.jsonl")],
                          capture_output=True, timeout=60).returncode == 2
