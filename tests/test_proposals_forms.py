"""Every proposals form, sent with each kind of bad input its form or service refuses: the same
page again (400), what was typed kept, the message at its field (`<field>-error`) and in the error
summary (a link to the field), nothing written. And every form that creates something (a proposal,
a comment, a reply, a progress report, a proposal or a support recorded with a resident), sent
twice with the same one-time token: one object, the second send lands where the first one went
(portal/web/once.py)."""
from __future__ import annotations

import io
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from html import unescape

import pytest
from PIL import Image
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from portal.assisted.models import AssistedAction
from portal.comments import services as comments
from portal.comments.models import Comment
from portal.extensions import db
from portal.proposals import services as ps
from portal.proposals.models import ProgressUpdate, Proposal, ProposalSupport
from portal.uploads import services as uploads
from portal.web.models import SubmittedForm

from .support.forms import en
from .support.proposals import make_proposal
from .support.recordings import ogg_opus
from .support.security import row_counts

pytestmark = pytest.mark.usefixtures("fast_passwords")  # conftest: a cheap password hash

BASE = "/c/dorf-a/proposals"
REQUIRED = "This field is required."
CHOOSE_CATEGORY = "Choose the kind of matter."
CHOICE = "Not a valid choice"
NOT_RESIDENT = "This person is not a verified resident of this community."
ASSISTED = {"present": "y", "agreed": "y"}


def png(n: int = 0) -> tuple[io.BytesIO, str]:
    buf = io.BytesIO()
    Image.new("RGB", (4, 4), (n * 40 % 256, 0, 0)).save(buf, "PNG")
    buf.seek(0)
    return buf, f"photo{n}.png"


def bomb_png() -> tuple[io.BytesIO, str]:
    """6300 x 6300 pixels of one colour in ~5 KB (issue 19, finding 7): refused from the header."""
    buf = io.BytesIO()
    Image.new("1", (6300, 6300), 0).save(buf, "PNG", optimize=True)
    buf.seek(0)
    return buf, "bomb.png"


def longer(n: int, char: str = "村") -> str:
    """`n` characters, starting with a mark to find it again."""
    return ("Kept-" + char * n)[:n]


# --- what each form is sent on ------------------------------------------------------------------

def _published(w):
    return make_proposal(w)  # by resa, collecting support


def _draft(w):
    return make_proposal(w, publish=False, title="A draft about the well", body="The well is dry.")


def _answered(w):
    p = _published(w)
    ps.answer(w.a, p, "accepted", "We will do it in spring.", actor=w["coma"])
    db.session.commit()
    return p


def _comment_on(w, p):
    c = comments.add_comment(w.a, p, "A first comment", actor=w["resa"])
    db.session.commit()
    return c


def _with_photos(n):
    def setup(w, p):
        for i in range(n):
            buf, name = png(i)
            uploads.save_image(w.a, FileStorage(buf, filename=name), "proposal", p.id, actor=w["resa"])
        db.session.commit()
    return setup


def _with_voice(w, p):
    data = ogg_opus(0.3)
    uploads.save_audio(w.a, FileStorage(io.BytesIO(data), filename="voice.ogg"), "proposal", p.id, actor=w["resa"])
    db.session.commit()


def _supported_by(name):
    def setup(w, p):
        ps.support(w.a, p, actor=w[name])
        db.session.commit()
    return setup


def proposal_data(**changes):
    d = {"title": "Kept-title: a light at the bus stop", "body": "Kept-body: it is dark in winter.",
         "category": "CAT", "action": "publish"}
    d.update(changes)
    return d


def assisted_data(**changes):
    return proposal_data(**{"resident": "meda", **ASSISTED, "action": None, **changes})


# --- the cases ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Bad:
    id: str
    who: str
    subject: Callable | None  # world -> the proposal the form is about (None: a form of no proposal)
    suffix: str  # the form's action after /c/dorf-a/proposals[/<id>]
    data: dict | Callable  # the form as sent; a callable gets (world, proposal, parent comment)
    field: str  # the id of the field the message is at
    message: str  # (part of) the message shown there
    kept: tuple = ()  # what was typed and must be shown again
    link: str | None = None  # the summary's link, when not "#<field>" (a radio group's first option)
    setup: Callable | None = None  # (world, proposal) -> None, before sending
    marker: str | None = None  # a distinctive piece of the page; default the form's action
    reply: bool = False  # a comment to reply to is made first


def new(id, data, field, message, kept=()):
    return Bad(f"new proposal: {id}", "resa", None, "/new", data, field, message, kept)


def edit(id, data, field, message, kept=(), setup=None):
    return Bad(f"edit draft: {id}", "resa", _draft, "/edit", data, field, message, kept, setup=setup)


def ans(id, data, field, message, kept=(), link=None):
    return Bad(f"answer: {id}", "coma", _published, "/answer", data, field, message, kept, link)


def prog(id, data, field, message, kept=()):
    return Bad(f"progress: {id}", "coma", _answered, "/progress", data, field, message, kept)


def com(id, data, field, message, kept=()):
    return Bad(f"comment: {id}", "meda", _published, "/comments", data, field, message, kept)


def reply(id, body, message, kept=()):
    return Bad(f"reply: {id}", "meda", _published, "/comments",
               lambda w, p, parent: {"reply-body": body, "reply-parent_id": str(parent.id)},
               "reply-body", message, kept, reply=True)


def settings(id, changes, field, message):
    data = {"support_threshold": "10", "threshold_percent": "", "answer_days": "15", **changes}
    return Bad(f"settings: {id}", "coma", None, "/settings", data, field, message,
               kept=tuple(f'value="{v}"' for v in changes.values() if v))


def category(id, changes, field, message, kept=()):
    data = {"key": "water", "name_zh": "饮水", "name_en": "Kept-Drinking water", **changes}
    return Bad(f"category: {id}", "coma", None, "/settings/categories", data, field, message, kept)


def helped(id, changes, field, message, kept=()):
    return Bad(f"assisted proposal: {id}", "coma", None, "/assisted", assisted_data(**changes), field, message, kept)


def helped_support(id, data, field, message, kept=(), setup=None):
    return Bad(f"assisted support: {id}", "coma", _published, "/support/assisted", data, field, message, kept,
               setup=setup)


TITLE = "Kept-title: a light at the bus stop"
BODY = "Kept-body: it is dark in winter."
WHY = "Kept-answer: the budget is spent."

BAD = [
    # ProposalForm, a new proposal
    new("no title", proposal_data(title=""), "title", REQUIRED, [BODY]),
    new("a title of spaces", proposal_data(title="   "), "title", REQUIRED, [BODY]),
    new("title too long", proposal_data(title=longer(121)), "title", "120 characters", [longer(121)]),
    new("no text", proposal_data(body=""), "body", REQUIRED, [TITLE]),
    new("text too long", proposal_data(body=longer(5001)), "body", "5000 characters", [TITLE, longer(5001)]),
    # Nothing is chosen for the person ("Choose…" first): no category is a message at the field.
    new("no category", proposal_data(category=None), "category", CHOOSE_CATEGORY, [TITLE, BODY]),
    new("the Choose prompt sent", proposal_data(category=""), "category", CHOOSE_CATEGORY, [TITLE, BODY]),
    # Not a number where a number is chosen: the coercion fails and the field counts as unanswered
    # (DataRequired replaces the coercion's message).
    new("a category that is no number", proposal_data(category="roads"), "category", CHOOSE_CATEGORY, [TITLE]),
    new("unknown category", proposal_data(category="999999"), "category", CHOICE, [TITLE]),
    new("category of another village", proposal_data(category="CAT_B"), "category", CHOICE, [TITLE]),
    new("five photos", lambda w, p, c: proposal_data(photos=[png(i) for i in range(5)]), "photos",
        "At most 4 photos.", [TITLE, BODY]),
    new("a photo that is none", lambda w, p, c: proposal_data(photos=[(io.BytesIO(b"no picture"), "x.png")]),
        "photos", "Photos must be JPEG, PNG or WebP pictures.", [TITLE, BODY]),
    new("a good photo and a broken one",
        lambda w, p, c: proposal_data(photos=[png(1), (io.BytesIO(b"\x89PNG\r\n\x1a\n broken"), "y.png")]),
        "photos", "The photo could not be read", [TITLE, BODY]),
    new("a photo of 40 megapixels in 5 KB", lambda w, p, c: proposal_data(photos=[bomb_png()]), "photos",
        "The photo has too many pixels (at most 12 megapixels", [TITLE, BODY]),
    new("a recording that is none", lambda w, p, c: proposal_data(voice=(io.BytesIO(b"no sound"), "v.ogg")),
        "voice", "The recording must be a sound file", [TITLE, BODY]),
    new("an Ogg header followed by HTML", lambda w, p, c: proposal_data(
        voice=(io.BytesIO(b"OggS" + b"<html><script>alert(1)</script></html>" * 4), "v.ogg")),
        "voice", "The recording could not be read", [TITLE, BODY]),
    new("an M4A header followed by HTML", lambda w, p, c: proposal_data(
        voice=(io.BytesIO(b"\x00\x00\x00\x18ftypM4A \x00\x00\x00\x00M4A isom"
                          + b"<html><script>alert(1)</script></html>" * 4), "v.m4a")),
        "voice", "The recording could not be read", [TITLE, BODY]),
    new("an empty recording", lambda w, p, c: proposal_data(voice=(io.BytesIO(b""), "v.ogg")),
        "voice", "The chosen file is empty.", [TITLE, BODY]),
    # ProposalForm, changing a draft
    edit("no title", proposal_data(title="", action="draft"), "title", REQUIRED, [BODY]),
    edit("text too long", proposal_data(body=longer(5001), action="draft"), "body", "5000 characters",
         [TITLE, longer(5001)]),
    edit("unknown category", proposal_data(category="999999"), "category", CHOICE, [TITLE]),
    edit("a fifth photo", lambda w, p, c: proposal_data(action="draft", photos=[png(7)]), "photos",
         "At most 4 photos.", [TITLE, BODY], setup=_with_photos(4)),
    edit("a second recording", lambda w, p, c: proposal_data(voice=(io.BytesIO(b"OggS" + b"\x01" * 64), "v.ogg")),
         "voice", "This proposal already has a voice recording.", [TITLE, BODY], setup=_with_voice),
    edit("a photo that is none", lambda w, p, c: proposal_data(photos=[(io.BytesIO(b"no picture"), "x.png")]),
         "photos", "Photos must be JPEG, PNG or WebP pictures.", [TITLE, BODY]),
    # AnswerForm: the committee's official answer
    ans("no decision", {"body": WHY}, "decision", REQUIRED, [WHY], link="decision-0"),
    ans("unknown decision", {"decision": "maybe", "body": WHY}, "decision", CHOICE, [WHY], link="decision-0"),
    ans("no text", {"decision": "rejected", "body": ""}, "body", REQUIRED, ['checked id="decision-2"']),
    ans("a text of spaces", {"decision": "planned", "body": "  \n "}, "body", REQUIRED),
    ans("text too long", {"decision": "accepted", "body": longer(5001)}, "body", "5000 characters", [longer(5001)]),
    # ProgressForm
    prog("no text", {"body": "", "implemented": "y"}, "progress-body", REQUIRED),
    prog("a text of spaces", {"body": "   "}, "progress-body", REQUIRED),
    prog("text too long", {"body": longer(5001)}, "progress-body", "5000 characters", [longer(5001)]),
    # CommentForm, and the reply form (prefix "reply")
    com("empty", {"body": ""}, "body", REQUIRED),
    com("spaces only", {"body": " \n "}, "body", REQUIRED),
    com("too long", {"body": longer(2001)}, "body", "2000 characters", [longer(2001)]),
    reply("empty", "", REQUIRED),
    reply("spaces only", "   ", REQUIRED),
    reply("too long", longer(2001), "2000 characters", [longer(2001)]),
    # SettingsForm
    settings("no threshold", {"support_threshold": ""}, "support_threshold", REQUIRED),
    settings("a threshold of zero", {"support_threshold": "0"}, "support_threshold", REQUIRED),
    settings("a negative threshold", {"support_threshold": "-3"}, "support_threshold",
             "Number must be between 1 and 100000."),
    settings("threshold too high", {"support_threshold": "100001"}, "support_threshold",
             "Number must be between 1 and 100000."),
    # Typed, but no number: "required" (DataRequired replaces the field's "Not a valid integer value.").
    settings("a threshold that is no number", {"support_threshold": "ten"}, "support_threshold", REQUIRED),
    settings("percent too high", {"threshold_percent": "101"}, "threshold_percent",
             "Number must be between 1 and 100."),
    settings("a percent of zero", {"threshold_percent": "0"}, "threshold_percent", "Number must be between 1 and 100."),
    settings("a percent that is no number", {"threshold_percent": "half"}, "threshold_percent",
             "Not a valid integer value."),
    settings("no days", {"answer_days": ""}, "answer_days", REQUIRED),
    settings("too many days", {"answer_days": "366"}, "answer_days", "Number must be between 1 and 365."),
    # CategoryForm
    category("no key", {"key": ""}, "key", REQUIRED, ["Kept-Drinking water"]),
    category("key too long", {"key": "k" * 31}, "key", "30 characters", ["k" * 31]),
    category("a key with spaces", {"key": "two words"}, "key",
             "The key may use letters, digits, dashes and underscores.", ["two words", "Kept-Drinking water"]),
    category("a key in Chinese", {"key": "饮水"}, "key", "The key may use letters, digits, dashes and underscores.",
             ["Kept-Drinking water"]),
    category("a key in use", {"key": "roads"}, "key", "A category with this key already exists.",
             ["Kept-Drinking water"]),
    category("a key in use, in capitals", {"key": "ROADS"}, "key", "A category with this key already exists.",
             ["ROADS"]),
    category("no Chinese name", {"name_zh": ""}, "name_zh", REQUIRED, ["Kept-Drinking water"]),
    category("Chinese name too long", {"name_zh": longer(41)}, "name_zh", "40 characters", [longer(41)]),
    category("no English name", {"name_en": " "}, "name_en", REQUIRED, ["饮水"]),
    category("English name too long", {"name_en": longer(61, "x")}, "name_en", "60 characters", [longer(61, "x")]),
    # AssistedProposalForm: the committee writes a resident's proposal
    helped("no resident", {"resident": ""}, "resident", REQUIRED, [TITLE, BODY]),
    helped("user name too long", {"resident": "r" * 33}, "resident", "32 characters", ["r" * 33, TITLE]),
    helped("unknown resident", {"resident": "ghost"}, "resident", NOT_RESIDENT, ["ghost", TITLE, BODY]),
    helped("a resident of another village", {"resident": "resb"}, "resident", NOT_RESIDENT, ["resb", TITLE]),
    helped("a resident not yet verified", {"resident": "penda"}, "resident", NOT_RESIDENT, ["penda", TITLE]),
    helped("oneself", {"resident": "coma"}, "resident", "You cannot record an action for yourself this way.",
           [TITLE, BODY]),
    helped("not here in person", {"present": None}, "present", REQUIRED, ["meda", TITLE, BODY]),
    helped("not agreed", {"agreed": None}, "agreed", REQUIRED, ["meda", TITLE, BODY]),
    helped("no title", {"title": ""}, "title", REQUIRED, ["meda", BODY]),
    helped("text too long", {"body": longer(5001)}, "body", "5000 characters", ["meda", longer(5001)]),
    helped("unknown category", {"category": "999999"}, "category", CHOICE, ["meda", TITLE]),
    # AssistedSupportForm: the committee records a resident's support
    helped_support("no resident", dict(ASSISTED), "resident", REQUIRED),
    helped_support("unknown resident", {"resident": "ghost", **ASSISTED}, "resident", NOT_RESIDENT, ["ghost"]),
    helped_support("a resident of another village", {"resident": "resb", **ASSISTED}, "resident", NOT_RESIDENT,
                   ["resb"]),
    helped_support("oneself", {"resident": "coma", **ASSISTED}, "resident",
                   "You cannot record an action for yourself this way.", ["coma"]),
    helped_support("already supports", {"resident": "meda", **ASSISTED}, "resident",
                   "Meda already supports this proposal.", ["meda"], setup=_supported_by("meda")),
    helped_support("not here in person", {"resident": "meda", "agreed": "y"}, "present", REQUIRED, ["meda"]),
    helped_support("not agreed", {"resident": "meda", "present": "y"}, "agreed", REQUIRED, ["meda"]),
    # Left out, found while writing this table (see the report of this file):
    # - an assisted support for the proposal's own author ("resa") is refused with "You wrote this
    #   proposal; your support is already counted." in the summary alone, not at the resident field,
    #   and speaking to the committee member as if they were the author;
    # - a second official answer (the page of a proposal answered meanwhile, sent) is a bare 403
    #   error page: the answer typed is lost;
]


def _field_message(html: str, field: str) -> str:
    m = re.search(rf'<p class="error" id="{re.escape(field)}-error">(.*?)</p>', html, re.DOTALL)
    assert m, f"no message at {field}: {re.findall(r'<p class=.error.[^>]*>.*?</p>', html, re.S)}"
    return unescape(re.sub(r"<[^>]+>", "", m.group(1)))


def _summary_links(html: str) -> dict[str, str]:
    """{link target: the text of its items, joined} (a field may have two messages)."""
    m = re.search(r'<div class="error-summary"[^>]*>(.*?)</div>', html, re.DOTALL)
    assert m, "no error summary"
    links: dict[str, str] = {}
    for href, text in re.findall(r'<a href="#([^"]+)">(.*?)</a>', m.group(1), re.DOTALL):
        links[href] = (links.get(href, "") + " " + unescape(re.sub(r"<[^>]+>", "", text))).strip()
    return links


def _resolve(value, w):
    """The placeholders of the table: the first category of community A (CAT) or B (CAT_B)."""
    cats = {"CAT": str(ps.categories(w.a)[0].id), "CAT_B": str(ps.categories(w.b)[0].id)}
    return {k: cats.get(v, v) if isinstance(v, str) else v for k, v in value.items() if v is not None}


@pytest.mark.parametrize("bad", BAD, ids=lambda b: b.id)
def test_bad_input_shows_the_same_form_again_with_the_message_at_its_field(app, world, bad):
    w = world
    p = bad.subject(w) if bad.subject else None
    if bad.setup is not None:
        bad.setup(w, p)
    parent = _comment_on(w, p) if bad.reply else None
    url = f"{BASE}/{p.id}{bad.suffix}" if p is not None else f"{BASE}{bad.suffix}"
    data = _resolve(bad.data(w, p, parent) if callable(bad.data) else bad.data, w)
    client = en(app, bad.who)
    before = row_counts()
    title_before = p.title if p is not None else None
    r = client.post(url, data)
    html = r.get_data(as_text=True)
    assert r.status_code == 400, (r.status_code, r.headers.get("Location"), html[:800])
    marker = bad.marker or (f'id="reply-{parent.id}"' if parent else f'action="{url}"')
    assert marker in html, "not the page of the form"  # the form that was sent, shown again
    assert "<title>Error:" in html
    assert bad.message in _field_message(html, bad.field)
    links = _summary_links(html)
    link = bad.link or bad.field
    assert link in links, (link, links)
    assert bad.message in links[link]
    assert f'id="{link}"' in html, "the summary links to nothing"
    for value in bad.kept:
        assert value in unescape(html), f"the typed {value[:40]!r} is lost"
    assert row_counts() == before, "a refused form wrote something"
    if p is not None:
        assert db.session.get(Proposal, p.id).title == title_before


def test_every_proposals_form_is_tested(app):
    """A new proposals form (or form that refuses input) gets its bad-input cases here."""
    from flask_wtf import FlaskForm

    from portal.proposals import forms

    sent = {"new proposal": "ProposalForm", "edit draft": "ProposalForm", "answer": "AnswerForm",
            "progress": "ProgressForm", "comment": "CommentForm", "reply": "CommentForm", "settings": "SettingsForm",
            "category": "CategoryForm", "assisted proposal": "AssistedProposalForm",
            "assisted support": "AssistedSupportForm"}
    covered = {sent[b.id.split(":")[0]] for b in BAD}
    every = {name for name, cls in vars(forms).items() if isinstance(cls, type) and issubclass(cls, FlaskForm)
             and cls.__module__ == forms.__name__}
    assert every - covered == {"SearchForm"}  # a GET filter: a bad value is a 400 (test_bad_input)


def test_a_refused_settings_form_keeps_the_category_form_and_the_other_way_round(app, world):
    """Both forms share the settings page: a mistake in one shows the other one unmarked."""
    coma = en(app, "coma")
    r = coma.post(f"{BASE}/settings", {"support_threshold": "0", "threshold_percent": "", "answer_days": "15"})
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and 'id="support_threshold-error"' in html
    assert 'id="key-error"' not in html and f'action="{BASE}/settings/categories"' in html
    r = coma.post(f"{BASE}/settings/categories", {"key": "", "name_zh": "饮水", "name_en": "Water"})
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and 'id="key-error"' in html
    assert 'id="support_threshold-error"' not in html
    assert re.search(r'<input[^>]*name="support_threshold"[^>]*value="10"', html)  # the saved settings


# --- one effect per rendered form ------------------------------------------------------------------

@dataclass(frozen=True)
class Creating:
    id: str
    who: str
    subject: Callable | None  # world -> the proposal (None: the form makes one)
    suffix: str
    data: Callable  # (world, proposal, parent comment) -> the form as sent
    count: Callable  # () -> how many of what it makes there are
    lands: Callable  # (proposal or None, made) -> where the first send goes
    reply: bool = False


def _count(model, *where):
    def count():
        db.session.expire_all()
        return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()
    return count


def _newest(model):
    db.session.expire_all()
    return db.session.execute(select(model).order_by(model.id.desc())).scalars().first()


def _at_proposal(anchor=""):
    return lambda p, count: f"{BASE}/{(p or _newest(Proposal)).id}{anchor}"


def _at_comment(p, count):
    return f"{BASE}/{p.id}#comment-{_newest(Comment).id}"


def _cat(w):
    return str(ps.categories(w.a)[0].id)


CREATING = [
    Creating("new proposal", "resa", None, "/new",
             lambda w, p, c: {"title": "A bench by the pond", "body": "For the old people.", "category": _cat(w),
                              "action": "publish"},
             _count(Proposal), _at_proposal()),
    Creating("new draft", "resa", None, "/new",
             lambda w, p, c: {"title": "A bench by the pond", "body": "For the old people.", "category": _cat(w),
                              "action": "draft"},
             _count(Proposal), _at_proposal()),
    Creating("comment", "meda", _published, "/comments", lambda w, p, c: {"body": "Good idea."}, _count(Comment),
             _at_comment),
    Creating("reply", "meda", _published, "/comments",
             lambda w, p, c: {"reply-body": "Me too.", "reply-parent_id": str(c.id)}, _count(Comment), _at_comment,
             reply=True),
    Creating("progress report", "coma", _answered, "/progress",
             lambda w, p, c: {"body": "The lamp is ordered."}, _count(ProgressUpdate), _at_proposal("#progress")),
    # The final report ends what allowed it (the proposal is implemented): the second send still lands
    # on the first one's page (require_or_sent), not on a 403.
    Creating("final progress report", "coma", _answered, "/progress",
             lambda w, p, c: {"body": "The lamp is up.", "implemented": "y"}, _count(ProgressUpdate),
             _at_proposal("#progress")),
    Creating("assisted proposal", "coma", None, "/assisted",
             lambda w, p, c: {"resident": "meda", **ASSISTED, "title": "A bench by the pond",
                              "body": "For the old people.", "category": _cat(w)},
             _count(AssistedAction), _at_proposal()),
    Creating("assisted support", "coma", _published, "/support/assisted",
             lambda w, p, c: {"resident": "meda", **ASSISTED}, _count(ProposalSupport), _at_proposal()),
]


@pytest.mark.parametrize("made", CREATING, ids=lambda c: c.id)
def test_a_creating_form_sent_twice_makes_one(app, world, made):
    w = world
    p = made.subject(w) if made.subject else None
    parent = _comment_on(w, p) if made.reply else None
    url = f"{BASE}/{p.id}{made.suffix}" if p is not None else f"{BASE}{made.suffix}"
    before, proposals = made.count(), _count(Proposal)()
    client = en(app, made.who)
    token = "reply-submit_token" if made.reply else "submit_token"
    form = {**made.data(w, p, parent), token: secrets.token_urlsafe(24)}
    first = client.post(url, form)
    assert first.status_code == 303, first.get_data(as_text=True)[:1500]
    assert made.count() == before + 1
    target = first.headers["Location"]
    assert target == made.lands(p, before), (target, made.lands(p, before))
    second = client.post(url, form)  # the same rendered form again: Back and send, a double tap
    assert second.status_code == 303, second.get_data(as_text=True)[:1500]
    assert second.headers["Location"] == target
    assert made.count() == before + 1, "sent twice, made twice"
    assert _count(Proposal)() == proposals + (1 if p is None else 0)
    assert "This form was already sent" in unescape(client.get(target).get_data(as_text=True))
    assert db.session.execute(select(func.count()).select_from(SubmittedForm)).scalar_one() == 1


def test_every_creating_form_carries_its_one_time_token(app, world):
    p = _published(world)
    parent = _comment_on(world, p)
    answered = _answered(world)
    coma, meda = en(app, "coma"), en(app, "meda")
    pages = [(meda, f"{BASE}/new", f"{BASE}/new", "submit_token"),
             (coma, f"{BASE}/assisted", f"{BASE}/assisted", "submit_token"),
             (meda, f"{BASE}/{p.id}", f"{BASE}/{p.id}/comments", "submit_token"),
             (meda, f"{BASE}/{p.id}?reply_to={parent.id}", f"{BASE}/{p.id}/comments", "reply-submit_token"),
             (coma, f"{BASE}/{p.id}", f"{BASE}/{p.id}/support/assisted", "submit_token"),
             (coma, f"{BASE}/{answered.id}", f"{BASE}/{answered.id}/progress", "submit_token")]
    for client, page_url, action, name in pages:
        html = client.get(page_url).get_data(as_text=True)
        forms = [f for f in re.findall(r"<form[^>]*>.*?</form>", html, re.S) if f'action="{action}"' in f
                 and (name != "reply-submit_token" or 'class="stack reply"' in f)]
        assert forms, (page_url, action)
        assert re.search(rf'name="{name}" type="hidden" value="[A-Za-z0-9_-]{{32}}"', forms[-1] if name ==
                         "reply-submit_token" else forms[0]), (page_url, action, name)


def test_a_reply_sent_with_a_mistake_keeps_its_token_and_may_be_sent_again(app, world):
    """Nothing was made: the reply form comes back under its thread with the token it was sent
    with, and the corrected reply sent with that token is accepted, once."""
    p = _published(world)
    parent = _comment_on(world, p)
    meda = en(app, "meda")
    html = meda.get(f"{BASE}/{p.id}?reply_to={parent.id}").get_data(as_text=True)
    form = re.search(rf'<form[^>]*id="reply-{parent.id}".*?</form>', html, re.S).group(0)
    token = re.search(r'name="reply-submit_token" type="hidden" value="([^"]+)"', form).group(1)
    url = f"{BASE}/{p.id}/comments"
    sent = {"reply-body": "", "reply-parent_id": str(parent.id), "reply-submit_token": token}
    r = meda.post(url, sent)
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and f'id="reply-{parent.id}"' in html and 'id="reply-body-error"' in html
    assert f'name="reply-submit_token" type="hidden" value="{token}"' in html
    first = meda.post(url, {**sent, "reply-body": "Me too."})
    assert first.status_code == 303
    again = meda.post(url, {**sent, "reply-body": "Me too."})
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"]
    replies = db.session.execute(select(Comment).where(Comment.parent_id == parent.id)).scalars().all()
    assert len(replies) == 1 and first.headers["Location"].endswith(f"#comment-{replies[0].id}")


def test_progress_and_comment_fields_have_ids_of_their_own(app, world):
    """An answered proposal's page, as the committee sees it, holds the progress report and the
    comment form: every id is unique, so the summary's "#body" goes to the comment's text."""
    p = _answered(world)
    html = en(app, "coma").get(f"/c/dorf-a/proposals/{p.id}").get_data(as_text=True)
    assert 'id="progress-body"' in html and 'for="progress-body"' in html
    # (hidden inputs aside: each form's csrf_token and submit_token, which nothing links to)
    ids = [i for i in re.findall(r'\sid="([^"]+)"', html) if i not in ("csrf_token", "submit_token")]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
