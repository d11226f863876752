"""Proposals through the pages, as people use them: journeys with photos and voice,
support and review, the committee's answer, comments and moderation, the list and
oversight pages; objects of another community; hostile text; bad input.

Service rules are covered by test_proposals_services; the route x role table by
test_permissions; concurrency by test_proposals_pg.
"""
from __future__ import annotations

import io
import re
import wave
from datetime import timedelta
from html import unescape
from html.parser import HTMLParser
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date
from portal.web.dates import isotime
from flask import url_for
from markupsafe import escape
from PIL import ExifTags, Image
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.comments.models import Comment
from portal.communities import services as cs
from portal.db import utcnow
from portal.extensions import db
from portal.moderation.models import Flag
from portal.proposals import services as ps
from portal.proposals.models import (
    OfficialAnswer,
    ProgressUpdate,
    Proposal,
    ProposalCategory,
    ProposalSupport,
)
from portal.uploads.models import Attachment

from .support.helpers import make_user
from .support.pages import audit_seq, chain_ok, en, events_after, follow, page
from .support.proposals import category_id, make_proposal, set_threshold
from .support.recordings import decodes, ogg_opus
from .support.security import (
    client_as,
    error_page_parts,
    row_counts,
)

pytestmark = pytest.mark.usefixtures("fast_passwords")  # conftest: a cheap password hash


# --- helpers -----------------------------------------------------------------------------------







def new_id(response) -> int:
    assert response.status_code == 303, (response.status_code, response.get_data(as_text=True)[:1500])
    return int(re.search(r"/proposals/(\d+)", response.headers["Location"]).group(1))




def actions_after(community, seq) -> list[str]:
    return db.session.execute(select(AuditEvent.action).where(
        AuditEvent.community_id == community.id, AuditEvent.seq > seq).order_by(AuditEvent.seq)).scalars().all()






def proposal(pid) -> Proposal:
    db.session.expire_all()
    return db.session.get(Proposal, pid)


def attachments_of(pid) -> list[Attachment]:
    return db.session.execute(select(Attachment).where(
        Attachment.owner_type == "proposal", Attachment.owner_id == pid).order_by(Attachment.id)).scalars().all()


def file_ids(html) -> list[int]:
    return sorted({int(i) for i in re.findall(r"/c/dorf-a/files/(\d+)", html)})


def png(color="green", size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "SecretPhone"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (39.0, 54.0, 27.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (116.0, 23.0, 30.0)
    out = io.BytesIO()
    Image.new("RGB", (48, 32), "red").save(out, "JPEG", exif=exif)
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # really has GPS
    return data


def wav_bytes(seconds=0.2) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x00\x00" * int(8000 * seconds))
    return out.getvalue()


def ogg_bytes() -> bytes:
    """An Ogg Opus recording (opusenc), as a browser or a recorder app sends it."""
    return ogg_opus(0.3)


def upload(data: bytes, name: str, content_type="application/octet-stream"):
    return (io.BytesIO(data), name, content_type)


def form(title="Repair the road to the school", body="It floods.\nChildren walk in water.", cat=None,
         action="draft", **files):
    d = {"title": title, "body": body, "action": action}
    if cat is not None:
        d["category"] = str(cat)
    d.update(files)
    return d


def extra_resident(world, name):
    user = make_user(name)
    cs.add_resident(world.a, user, actor=world["coma"])
    db.session.commit()
    return user


def in_order(html, *needles):
    positions = [html.find(n) for n in needles]
    assert all(p >= 0 for p in positions), list(zip(needles, positions))
    assert positions == sorted(positions), list(zip(needles, positions))


# --- 1. Journeys -------------------------------------------------------------------------------

def test_draft_with_photos_and_voice_edit_publish_and_file_visibility(app, world):
    resa = en(app, "resa")
    cat = category_id(world.a)
    html = page(resa, "/c/dorf-a/proposals/new")
    assert 'enctype="multipart/form-data"' in html
    assert re.search(r'<input[^>]*accept="audio/\*"[^>]*capture', html), "the recorder needs accept=audio/* capture"
    start = audit_seq(world.a)

    r = resa.post("/c/dorf-a/proposals/new", form(cat=cat, photos=[upload(png(), "well.png", "image/png"),
                                                                   upload(jpeg_with_gps(), "村口 \"路\".jpg")],
                                                  voice=upload(wav_bytes(), "voice.wav", "audio/x-wav")))
    pid = new_id(r)
    p = proposal(pid)
    assert p.state == "draft" and p.author_id == world["resa"].id and p.published_at is None
    atts = attachments_of(pid)
    assert [(a.kind, a.content_type) for a in atts] == [("image", "image/png"), ("image", "image/jpeg"),
                                                        ("audio", "audio/ogg")]  # the WAV re-encoded
    assert actions_after(world.a, start) == ["proposal.created"] + ["attachment.added"] * 3
    draft_page = follow(resa, r)
    assert "Your draft is saved" in draft_page
    assert 'class="support-box"' not in draft_page  # nobody can support a draft: no "0 neighbours" box
    assert file_ids(draft_page) == [a.id for a in atts]
    assert draft_page.count("<img ") == 2 and draft_page.count("<audio ") == 1 + (app.config["READ_ALOUD"] is True)  # the recording (+ read-aloud)

    # Served with the right type; the photo's location is gone.
    served = {}
    for a in atts:
        resp = resa.get(f"/c/dorf-a/files/{a.id}")
        assert resp.status_code == 200 and resp.mimetype == a.content_type, (a.id, resp.status_code, resp.mimetype)
        assert resp.headers["Content-Disposition"].startswith("inline;")
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        served[a.content_type] = resp.data
    jpeg = served["image/jpeg"]
    assert b"Exif" not in jpeg and b"SecretPhone" not in jpeg
    img = Image.open(io.BytesIO(jpeg))
    assert img.format == "JPEG" and not img.getexif() and not img.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert Image.open(io.BytesIO(served["image/png"])).format == "PNG"
    assert served["audio/ogg"] != wav_bytes() and decodes(served["audio/ogg"])

    # A draft and its files do not exist for anyone but the author (the committee included).
    for role in ("visitor", "meda", "coma", "comb", "root", "penda"):
        other = client_as(app, role)
        assert other.get(f"/c/dorf-a/proposals/{pid}").status_code == 404, role
        for a in atts:
            assert other.get(f"/c/dorf-a/files/{a.id}").status_code == 404, (role, a.id)
        assert f"/proposals/{pid}\"" not in page(other, "/c/dorf-a/proposals/"), role

    # The author changes the draft: new title, another category, one more photo (OGG voice too).
    other_cat = ps.categories(world.a)[1].id
    html = page(resa, f"/c/dorf-a/proposals/{pid}/edit")
    assert 'value="Repair the road to the school"' in html
    seq = audit_seq(world.a)
    r = resa.post(f"/c/dorf-a/proposals/{pid}/edit",
                  form(title="Repair the school road", cat=other_cat, photos=[upload(png("blue"), "b.png")]))
    assert r.status_code == 303
    p = proposal(pid)
    assert (p.title, p.category_id, p.state) == ("Repair the school road", other_cat, "draft")
    assert [a.content_type for a in attachments_of(pid)][3:] == ["image/png"]
    evs = events_after(world.a, seq)
    assert [e.action for e in evs] == ["proposal.edited", "attachment.added"]
    assert '"title":"Repair the school road"' in evs[0].payload and '"category"' in evs[0].payload

    # A fifth photo is one too many, and a second recording too: refused with a message, nothing written.
    before = row_counts()
    r = resa.post(f"/c/dorf-a/proposals/{pid}/edit",
                  form(title="Two voices", cat=other_cat, voice=upload(ogg_bytes(), "note.ogg", "audio/ogg")))
    assert r.status_code == 400 and "already has a voice recording" in r.get_data(as_text=True)
    assert row_counts() == before
    r = resa.post(f"/c/dorf-a/proposals/{pid}/edit",
                  form(title="Five photos", cat=other_cat, photos=[upload(png("white"), "c.png"),
                                                                   upload(png("black"), "d.png")]))
    assert r.status_code == 400 and "At most 4 photos" in r.get_data(as_text=True)
    assert row_counts() == before

    # Publish: now everyone sees it and its files; the text can no longer be changed.
    seq = audit_seq(world.a)
    html = follow(resa, resa.post(f"/c/dorf-a/proposals/{pid}/publish", token_from=f"/c/dorf-a/proposals/{pid}"))
    assert "Your proposal is published" in html
    assert actions_after(world.a, seq) == ["proposal.published"]
    assert proposal(pid).state == "published" and proposal(pid).published_at is not None
    visitor = en(app, "visitor")
    html = page(visitor, f"/c/dorf-a/proposals/{pid}")
    assert "Repair the school road" in html and "Collecting support" in html
    for a in attachments_of(pid):
        resp = visitor.get(f"/c/dorf-a/files/{a.id}")
        assert resp.status_code == 200 and resp.mimetype == a.content_type
    assert resa.get(f"/c/dorf-a/proposals/{pid}/edit").status_code == 403
    before = row_counts()
    assert resa.post(f"/c/dorf-a/proposals/{pid}/edit", form(title="Late", cat=cat)).status_code == 403
    assert row_counts() == before
    chain_ok(world.a)


def photo_jpeg(color, size=(1200, 900)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG", quality=90)
    return out.getvalue()


def test_photos_show_as_thumbnails_with_srcset_and_a_tap_opens_the_photo(app, world):
    """Issue 14: photos were full-column pictures pushing "I support this" far down the page."""
    from portal.uploads import upload_root
    from portal.uploads.thumbnails import thumb_key

    resa = en(app, "resa")
    photos = [upload(photo_jpeg(c), f"{c}.jpg", "image/jpeg") for c in ("red", "green", "blue")]
    pid = new_id(resa.post("/c/dorf-a/proposals/new", form(cat=category_id(world.a), action="publish",
                                                           photos=photos, voice=upload(wav_bytes(), "v.wav"))))
    images = [a for a in attachments_of(pid) if a.kind == "image"]
    (voice,) = [a for a in attachments_of(pid) if a.kind == "audio"]
    assert [(a.width, a.height) for a in images] == [(1200, 900)] * 3
    visitor = en(app, "visitor")
    html = page(visitor, f"/c/dorf-a/proposals/{pid}")
    for n, a in enumerate(images, 1):
        base = f"/c/dorf-a/files/{a.id}"
        assert (f'<a class="photo" href="{base}"><img src="{base}/w/320" srcset="{base}/w/320 320w, {base}/w/640 640w, '
                f'{base} 1200w" sizes="(min-width: 30rem) 12rem, 45vw" width="320" height="240" '
                f'alt="Photo {n} of the proposal" loading="lazy" decoding="async"></a>') in html
        assert f'<img src="{base}"' not in html  # the full photo is one tap away, never on the page
    # The main action comes before the long text and the photos.
    in_order(html, "<h1>", 'class="support-box"', 'class="text"', 'class="photos"')

    # Served as small JPEGs; one that is missing (a photo from before thumbnails) is made on request.
    first = images[0]
    thumb = upload_root() / thumb_key(first.storage_key, first.sha256, first.content_type, 320)
    assert thumb.is_file()
    thumb.unlink()
    for width, height in ((320, 240), (640, 480)):
        r = visitor.get(f"/c/dorf-a/files/{first.id}/w/{width}")
        assert r.status_code == 200 and r.mimetype == "image/jpeg"
        assert Image.open(io.BytesIO(r.data)).size == (width, height)
        assert r.headers["Cache-Control"] == "private, max-age=3600"
    assert thumb.is_file()
    # Only the widths made, only for photos, only where the photo itself may be seen.
    for address in (f"/c/dorf-a/files/{first.id}/w/1200", f"/c/dorf-a/files/{first.id}/w/100",
                    f"/c/dorf-a/files/{voice.id}/w/320", f"/c/dorf-b/files/{first.id}/w/320",
                    "/c/dorf-a/files/999999/w/320"):
        assert visitor.get(address).status_code == 404, address
    draft = new_id(resa.post("/c/dorf-a/proposals/new", form(cat=category_id(world.a), photos=[upload(photo_jpeg("white"), "w.jpg")])))
    (hidden,) = attachments_of(draft)
    assert resa.get(f"/c/dorf-a/files/{hidden.id}/w/320").status_code == 200
    assert visitor.get(f"/c/dorf-a/files/{hidden.id}/w/320").status_code == 404


def test_new_proposal_published_at_once_with_an_ogg_recording(app, world):
    resa = en(app, "resa")
    seq = audit_seq(world.a)
    pid = new_id(resa.post("/c/dorf-a/proposals/new", form(cat=category_id(world.a), action="publish",
                                                           voice=upload(ogg_bytes(), "rec", "application/octet-stream"))))
    assert proposal(pid).state == "published"
    assert actions_after(world.a, seq) == ["proposal.created", "attachment.added", "proposal.published"]
    visitor = en(app, "visitor")
    assert "Repair the road to the school" in page(visitor, "/c/dorf-a/proposals/")
    (voice,) = attachments_of(pid)
    html = page(visitor, f"/c/dorf-a/proposals/{pid}")
    assert f'<audio controls preload="none" src="/c/dorf-a/files/{voice.id}">' in html
    r = visitor.get(f"/c/dorf-a/files/{voice.id}")
    # The type comes from the content (no extension, a generic type from the browser).
    assert r.status_code == 200 and r.mimetype == "audio/ogg" and r.data != ogg_bytes() and decodes(r.data)


def test_support_review_answer_progress_done(app, world):
    set_threshold(world.a, 2, days=15)
    extra_resident(world, "resc")
    pid = make_proposal(world).id
    meda, resc, coma = en(app, "meda"), en(app, "resc"), en(app, "coma")
    url = f"/c/dorf-a/proposals/{pid}"

    # A visitor is asked to sign in; the author cannot back their own proposal.
    html = page(en(app, "visitor"), url)
    assert "Sign in to support" in html and "0 neighbours support this" in html
    html = page(en(app, "resa"), url)
    assert f"{url}/support" not in html

    # The first neighbour supports (twice: counted once), withdraws, supports again.
    seq = audit_seq(world.a)
    html = follow(meda, meda.post(f"{url}/support", token_from=url))
    assert "your support is counted" in html and "1 neighbour supports this" in html
    assert "With 2 supports the committee must answer." in html and "You support this proposal." in html
    html = follow(meda, meda.post(f"{url}/support", token_from=url))
    assert "You already support this proposal." in html and "1 neighbour supports this" in html
    html = follow(meda, meda.post(f"{url}/unsupport", token_from=url))
    assert "Your support has been withdrawn." in html and "0 neighbours support this" in html
    html = follow(meda, meda.post(f"{url}/unsupport", token_from=url))
    assert "You were not supporting this proposal." in html
    follow(meda, meda.post(f"{url}/support", token_from=url))
    assert actions_after(world.a, seq) == ["proposal.supported", "proposal.unsupported", "proposal.supported"]
    assert proposal(pid).state == "published"

    # The second neighbour reaches the threshold: under review, with the deadline on the page.
    seq = audit_seq(world.a)
    html = follow(resc, resc.post(f"{url}/support", token_from=url))
    p = proposal(pid)
    assert p.state == "under_review" and p.support_count == 2
    assert timedelta(days=14, hours=23) < p.answer_due_at - p.review_started_at <= timedelta(days=15)
    due = format_date(p.answer_due_at.astimezone(ZoneInfo(app.config["BABEL_DEFAULT_TIMEZONE"])).date(), "d MMMM y",
                      locale="en")
    assert "Waiting for the committee" in html
    assert f"The committee must answer by {due}." in html
    assert f"{url}/unsupport" not in html  # support cannot be taken back once under review
    evs = events_after(world.a, seq)
    assert [e.action for e in evs] == ["proposal.supported", "proposal.review_started"]
    assert evs[1].actor_id is None and evs[1].actor_role == "system"
    assert db.session.execute(select(func.count()).select_from(ProposalSupport)
                              .where(ProposalSupport.proposal_id == pid)).scalar_one() == 2

    # Residents cannot answer; the committee does.
    before = row_counts()
    assert resc.post(f"{url}/answer", {"decision": "accepted", "body": "Yes"}, token_from=url).status_code == 403
    assert row_counts() == before
    html = page(coma, url)
    assert f"{url}/answer" in html
    assert "Write the official answer" in page(coma, f"{url}/answer")
    seq = audit_seq(world.a)
    r = coma.post(f"{url}/answer", {"decision": "accepted",
                                    "body": "We will repair the road in May.\nThe township pays."},
                  token_from=f"{url}/answer")
    html = follow(coma, r)
    assert "The official answer is published." in html
    ev = events_after(world.a, seq)
    assert [e.action for e in ev] == ["proposal.answered"] and '"decision":"accepted"' in ev[0].payload
    assert '"on_time":true' in ev[0].payload
    p = proposal(pid)
    a = db.session.execute(select(OfficialAnswer).where(OfficialAnswer.proposal_id == pid)).scalar_one()
    assert p.state == "accepted" and a.author_id == world["coma"].id

    # Everyone sees the answer prominently: right after the proposal, with who and when.
    html = page(en(app, "visitor"), url)
    answered_on = format_date(a.created_at.astimezone(ZoneInfo(app.config["BABEL_DEFAULT_TIMEZONE"])).date(),
                              "d MMMM y", locale="en")
    assert '<section class="answer answer-accepted"' in html
    assert "Official answer of the committee" in html and "We will repair the road in May.<br>" in html
    assert f"Answered by Coma on {answered_on}" in html and "on time" in html
    in_order(html, "<h1>", '<section class="answer', 'class="support-box"', 'class="comments"')

    # Progress reports; "finished" makes it Done.
    seq = audit_seq(world.a)
    html = follow(coma, coma.post(f"{url}/progress", {"body": "Gravel delivered."}, token_from=url))
    assert "Gravel delivered." in html and proposal(pid).state == "accepted"
    html = follow(coma, coma.post(f"{url}/progress", {"body": "Road repaired.", "implemented": "y"}, token_from=url))
    assert proposal(pid).state == "implemented" and proposal(pid).implemented_at is not None
    assert "Road repaired." in html and "Done" in html
    assert actions_after(world.a, seq) == ["proposal.progress", "proposal.progress"]
    assert db.session.execute(select(func.count()).select_from(ProgressUpdate)).scalar_one() == 2
    # Done: no more reports, no answer, no support.
    before = row_counts()
    assert coma.post(f"{url}/progress", {"body": "More."}, token_from=url).status_code == 403
    assert coma.post(f"{url}/answer", {"decision": "rejected", "body": "x"}, token_from=url).status_code == 403
    assert resc.post(f"{url}/support", token_from=url).status_code == 403
    assert row_counts() == before
    html = page(en(app, "visitor"), "/c/dorf-a/proposals/?state=implemented")
    assert "Fix the road to the school" in html
    chain_ok(world.a)


def test_withdraw_asks_first(app, world):
    pid = make_proposal(world).id
    url = f"/c/dorf-a/proposals/{pid}"
    resa = en(app, "resa")
    html = page(resa, url)
    assert f'href="{url}/withdraw"' in html  # a link to a confirmation page, not a one-tap button
    before = row_counts()
    html = page(resa, f"{url}/withdraw")
    assert "Withdraw the proposal?" in html and "cannot be undone" in html and "No, keep it" in html
    assert f'action="{url}/withdraw"' in html
    assert row_counts() == before and proposal(pid).state == "published"  # asking changes nothing
    seq = audit_seq(world.a)
    html = follow(resa, resa.post(f"{url}/withdraw", token_from=f"{url}/withdraw"))
    assert "Your proposal has been withdrawn." in html and "Withdrawn" in html
    p = proposal(pid)
    assert p.state == "withdrawn" and p.withdrawn_at is not None
    evs = events_after(world.a, seq)
    assert [e.action for e in evs] == ["proposal.withdrawn"] and '"from":"published"' in evs[0].payload
    # Nothing more can happen to it.
    meda = en(app, "meda")
    before = row_counts()
    assert resa.get(f"{url}/withdraw").status_code == 403
    assert meda.post(f"{url}/support", token_from=url).status_code == 403
    assert meda.post(f"{url}/comments", {"body": "late"}, token_from=url).status_code == 403
    assert row_counts() == before
    chain_ok(world.a)


def test_comments_and_one_level_of_replies(app, world):
    pid = make_proposal(world).id
    url = f"/c/dorf-a/proposals/{pid}"
    meda, coma, resa = en(app, "meda"), en(app, "coma"), en(app, "resa")
    seq = audit_seq(world.a)
    r = meda.post(f"{url}/comments", {"body": "Good idea.\nThe bridge too: https://example.org/bridge"},
                  token_from=url)
    assert r.status_code == 303
    top_id = int(re.search(r"#comment-(\d+)$", r.headers["Location"]).group(1))
    html = follow(meda, r)
    assert "Your comment is published." in html and f'id="comment-{top_id}"' in html
    assert '<a href="https://example.org/bridge" rel="nofollow ugc noopener noreferrer">' in html
    r = coma.post(f"{url}/comments", {"body": "We know the bridge.", "parent_id": str(top_id)}, token_from=url)
    reply_id = int(re.search(r"#comment-(\d+)$", r.headers["Location"]).group(1))
    # A reply to a reply joins the same thread: one level only.
    r = resa.post(f"{url}/comments", {"body": "Thanks!", "parent_id": str(reply_id)}, token_from=url)
    reply2_id = int(re.search(r"#comment-(\d+)$", r.headers["Location"]).group(1))
    assert db.session.get(Comment, reply_id).parent_id == top_id
    assert db.session.get(Comment, reply2_id).parent_id == top_id
    evs = events_after(world.a, seq)
    assert [e.action for e in evs] == ["comment.added"] * 3
    assert f'"parent":{top_id}' in evs[2].payload

    html = page(en(app, "visitor"), url)
    threads = re.findall(r'<div class="comment-thread">(.*?)(?=<div class="comment-thread">|</section>)', html, re.S)
    assert len(threads) == 1
    assert '<div class="replies">' in threads[0] and threads[0].count('class="comment"') == 3
    assert "Sign in to comment" in html and 'name="parent_id"' not in html
    html = page(meda, url)
    # One reply link per thread; the reply form appears under the thread it names, nowhere else.
    assert re.findall(r'reply_to=(\d+)#reply-', html) == [str(top_id)]
    assert 'name="parent_id" value="' not in html.replace('name="parent_id" value=""', "")
    html = page(meda, f"{url}?reply_to={top_id}")
    assert re.findall(r'name="reply-parent_id" value="(\d+)"', html) == [str(top_id)]
    assert html.index(f'id="comment-{reply2_id}"') < html.index(f'id="reply-{top_id}"')
    for other in (str(reply_id), "x", "-1", "99999999999"):  # a reply, or nonsense: no form, no error
        assert 'name="reply-parent_id"' not in page(meda, f"{url}?reply_to={other}")
    assert "reply_to=" not in page(en(app, "visitor"), url)
    counts = page(en(app, "visitor"), "/c/dorf-a/proposals/")
    assert "3 comments" in counts
    chain_ok(world.a)


def test_long_discussions_are_paged_by_thread(app, world):
    from portal.comments import services as cs
    p = make_proposal(world)
    url = f"/c/dorf-a/proposals/{p.id}"
    tops = [cs.add_comment(world.a, p, f"Point number {i}.", actor=world["meda"]) for i in range(120)]
    for top in (tops[0], tops[119]):
        cs.add_comment(world.a, p, f"Answer to {top.id}.", parent=top, actor=world["coma"])
    db.session.commit()
    visitor = en(app, "visitor")
    first = page(visitor, url)
    assert "Comments (122)" in first and "Page 1 of 3" in first
    assert first.count('<div class="comment-thread">') == 50
    assert f"Answer to {tops[0].id}." in first and "Point number 50." not in first
    assert 'href="/c/dorf-a/proposals/%d?cpage=2#comments-h"' % p.id in first
    last = page(visitor, f"{url}?cpage=3")
    assert last.count('<div class="comment-thread">') == 20 and "Page 3 of 3" in last
    assert f"Answer to {tops[119].id}." in last and "Point number 99." not in last
    beyond = page(visitor, f"{url}?cpage=99")  # past the end: the last page
    assert beyond.count('<div class="comment-thread">') == 20 and "Page 3 of 3" in beyond
    assert "Page 1 of 3" in page(visitor, f"{url}?cpage=x")
    # A reply on page 3 comes back to page 3, with the reply form link keeping the page.
    meda = en(app, "meda")
    assert f"cpage=3&amp;reply_to={tops[110].id}#reply-{tops[110].id}" in page(meda, f"{url}?cpage=3")
    r = meda.post(f"{url}/comments", {"body": "Me too.", "parent_id": str(tops[110].id)}, token_from=url)
    assert r.status_code == 303 and f"?cpage=3#comment-" in r.headers["Location"]
    assert "Me too." in follow(meda, r)
    r = meda.post(f"{url}/comments", {"body": "A new point."}, token_from=url)
    assert "?cpage=3#comment-" in r.headers["Location"]
    r = meda.post(f"{url}/comments", {"body": "Still on page one.", "parent_id": str(tops[3].id)}, token_from=url)
    assert "cpage" not in r.headers["Location"]


def test_flag_queue_hide_restore_and_dismiss(app, world):
    p = make_proposal(world)
    pid, url = p.id, f"/c/dorf-a/proposals/{p.id}"
    rude = ps_comment(world, p, "meda", "You are all lazy, call 13800000000")
    resa, coma, visitor = en(app, "resa"), en(app, "coma"), en(app, "visitor")

    # Anyone signed in reports; not their own text.
    html = page(resa, url)
    assert f'href="/c/dorf-a/moderation/flag/comment/{rude.id}"' in html
    assert f'href="/c/dorf-a/moderation/flag/proposal/{pid}"' not in html  # own proposal
    assert "Report" not in page(visitor, url).split('class="comments"')[1]
    html = page(resa, f"/c/dorf-a/moderation/flag/comment/{rude.id}")
    assert "You are all lazy" in html  # the excerpt being reported
    seq = audit_seq(world.a)
    html = follow(resa, resa.post(f"/c/dorf-a/moderation/flag/comment/{rude.id}", {"reason": "Insulting, phone number"},
                                  token_from=url))
    assert "The committee will look at it." in html
    meda = en(app, "meda")
    follow(meda, meda.post(f"/c/dorf-a/moderation/flag/proposal/{pid}", {"reason": "Looks like advertising"},
                           token_from=url))
    evs = events_after(world.a, seq)
    assert [(e.action, e.subject_type) for e in evs] == [("content.flagged", "comment"), ("content.flagged", "proposal")]

    # The committee's queue lists both, with the reasons.
    html = page(coma, "/c/dorf-a/moderation/")
    assert "Insulting, phone number" in html and "Looks like advertising" in html
    assert "You are all lazy" in html and "Fix the road to the school" in html
    assert resa.get("/c/dorf-a/moderation/").status_code == 403

    # Hide the comment with a public reason: shown in its place; the text is kept for the committee.
    seq = audit_seq(world.a)
    html = follow(coma, coma.post(f"/c/dorf-a/moderation/comment/{rude.id}/hide", {"reason": "Insulting words"},
                                  token_from=url))
    assert "It is hidden." in html
    evs = events_after(world.a, seq)
    assert [e.action for e in evs] == ["content.hidden"] and '"reason":"Insulting words"' in evs[0].payload
    db.session.expire_all()
    kept = db.session.get(Comment, rude.id)
    assert kept.body == "You are all lazy, call 13800000000" and kept.is_hidden and kept.hidden_by_id == world["coma"].id
    for who in (visitor, resa, meda):
        html = page(who, url)
        assert "Hidden by the committee: Insulting words" in html
        assert "13800000000" not in html and "You are all lazy" not in html
    html = page(coma, url)
    assert "Hidden by the committee: Insulting words" in html and "You are all lazy, call 13800000000" in html
    assert "13800000000" not in page(visitor, "/c/dorf-a/proposals/")
    html = page(coma, "/c/dorf-a/moderation/")
    assert "Insulting, phone number" not in html and "Looks like advertising" in html  # the comment's reports closed
    # Nobody but the committee can see the hidden text through the report page either.
    assert "13800000000" not in page(resa, f"/c/dorf-a/moderation/flag/comment/{rude.id}")

    # Restore it.
    seq = audit_seq(world.a)
    follow(coma, coma.post(f"/c/dorf-a/moderation/comment/{rude.id}/restore", {"reason": "Number was the office's"},
                           token_from=url))
    assert actions_after(world.a, seq) == ["content.restored"]
    html = page(visitor, url)
    assert "You are all lazy" in html and "Hidden by the committee" not in html

    # Dismiss the report on the proposal: it stays visible, the queue is empty.
    seq = audit_seq(world.a)
    html = follow(coma, coma.post(f"/c/dorf-a/moderation/proposal/{pid}/dismiss", token_from=url))
    assert "The reports are closed; it stays visible." in html
    assert actions_after(world.a, seq) == ["content.flags_dismissed"]
    assert "No reports are waiting." in page(coma, "/c/dorf-a/moderation/")
    assert db.session.execute(select(func.count()).select_from(Flag).where(Flag.resolved_at.is_(None))).scalar_one() == 0
    assert not proposal(pid).is_hidden
    chain_ok(world.a)


def ps_comment(world, p, who, body, parent=None):
    from portal.comments import services as comments

    c = comments.add_comment(world.a, p, body, parent, actor=world[who])
    db.session.commit()
    return c


def test_hidden_proposal_and_its_files(app, world):
    resa = en(app, "resa")
    pid = new_id(resa.post("/c/dorf-a/proposals/new",
                           form(title="Sell the old school", body="Secret plan: my cousin buys it cheap.",
                                cat=category_id(world.a), action="publish",
                                photos=[upload(png(), "school.png", "image/png")])))
    att = attachments_of(pid)[0]
    url, file_url = f"/c/dorf-a/proposals/{pid}", f"/c/dorf-a/files/{att.id}"
    coma, meda, visitor = en(app, "coma"), en(app, "meda"), en(app, "visitor")
    seq = audit_seq(world.a)
    follow(coma, coma.post(f"/c/dorf-a/moderation/proposal/{pid}/hide", {"reason": "Private dispute"}, token_from=url))
    assert actions_after(world.a, seq) == ["content.hidden"]
    assert proposal(pid).body == "Secret plan: my cousin buys it cheap."  # kept
    for who, name in ((visitor, "visitor"), (meda, "meda"), (resa, "author")):
        html = page(who, url)
        assert "Hidden by the committee: Private dispute" in html, name
        assert "my cousin" not in html and "Sell the old school" not in html, name
        assert file_url not in html, name
        assert who.get(file_url).status_code == 404, name
        listing = page(who, "/c/dorf-a/proposals/")
        assert url + '"' not in listing and "Sell the old school" not in listing, name
    html = page(coma, url)
    assert "Hidden by the committee: Private dispute" in html and "my cousin buys it cheap" in html
    assert coma.get(file_url).status_code == 200
    listing = page(coma, "/c/dorf-a/proposals/")
    assert "Sell the old school" in listing and "Hidden" in listing
    # Hidden: no support, no comments.
    before = row_counts()
    assert meda.post(f"{url}/support", token_from=url).status_code == 403
    assert meda.post(f"{url}/comments", {"body": "x"}, token_from=url).status_code == 403
    assert row_counts() == before
    follow(coma, coma.post(f"/c/dorf-a/moderation/proposal/{pid}/restore", {"reason": "Checked"}, token_from=url))
    assert visitor.get(file_url).status_code == 200
    assert "Sell the old school" in page(visitor, "/c/dorf-a/proposals/")
    chain_ok(world.a)


# --- list page: filters, sorts, search, keyset pages ---------------------------------------------

ITEM_RE = re.compile(r'<h2 class="item-title"><a href="/c/dorf-a/proposals/(\d+)">')
NEXT_RE = re.compile(r'<a rel="next" href="([^"]+)">More proposals</a>')


def walk(client, url) -> list[int]:
    """Follow "More proposals" from `url` to the end: every id in page order."""
    seen, pages = [], 0
    while url:
        html = page(client, url)
        seen.extend(int(i) for i in ITEM_RE.findall(html))
        m = NEXT_RE.search(html)
        url = unescape(m.group(1)) if m else None
        pages += 1
        assert pages < 50
    return seen


def _seed_list(world):
    """45 public proposals in A with tied timestamps and tied support counts, plus a draft,
    a hidden one and some of B: the list must page through ties without losing or repeating."""
    set_threshold(world.a, 1000)
    cats = ps.categories(world.a)
    made = []
    for i in range(45):
        body = "村口的路灯坏了 street lamp" if i % 4 == 0 else f"Our well number {i} is dry"
        p = ps.create_proposal(world.a, f"Proposal {i:02d}", body, cats[i % 3].id, publish=True, actor=world["resa"])
        made.append(p)
    db.session.flush()
    base = utcnow().replace(microsecond=123457) - timedelta(days=3)
    for i, p in enumerate(made):
        # groups of 5 share one timestamp; support counts 0..3 repeat
        p.published_at = base + timedelta(seconds=i // 5, microseconds=(i // 5) * 7)
        p.support_count = i % 4
        if i % 9 == 0:
            p.state = "under_review"
        elif i % 9 == 1:
            p.state = "accepted"
        elif i % 9 == 2:
            p.state = "withdrawn"
    draft = ps.create_proposal(world.a, "Secret draft", "draft", cats[0].id, actor=world["resa"])
    hidden = ps.create_proposal(world.a, "Hidden one", "hidden", cats[0].id, publish=True, actor=world["resa"])
    from portal.moderation import services as mod

    mod.hide(world.a, hidden, "rude", actor=world["coma"])
    ps.create_proposal(world.b, "Proposal of B", "well", ps.categories(world.b)[0].id, publish=True, actor=world["resb"])
    db.session.commit()
    return made, draft, hidden


def _expected(made, key, reverse=True, where=lambda p: True):
    rows = [p for p in made if where(p)]
    return [p.id for p in sorted(rows, key=lambda p: (key(p), p.id), reverse=reverse)]


def test_list_sorts_walk_every_page_once(app, world):
    made, draft, hidden = _seed_list(world)
    db.session.expire_all()
    made = [db.session.get(Proposal, p.id) for p in made]
    visitor = en(app, "visitor")
    newest = walk(visitor, "/c/dorf-a/proposals/")
    assert newest == _expected(made, lambda p: p.published_at)
    assert len(newest) == 45 and draft.id not in newest and hidden.id not in newest
    assert walk(visitor, "/c/dorf-a/proposals/?sort=supported") == _expected(made, lambda p: p.support_count)
    oldest = walk(visitor, "/c/dorf-a/proposals/?sort=oldest")
    assert oldest == _expected(made, lambda p: p.published_at, reverse=False,
                               where=lambda p: p.state in ("published", "under_review"))
    # The committee also sees the hidden one, marked.
    coma = en(app, "coma")
    assert walk(coma, "/c/dorf-a/proposals/").count(hidden.id) == 1
    # Filters stay on the following pages.
    open_ = walk(visitor, "/c/dorf-a/proposals/?state=open&sort=supported")
    assert open_ == _expected(made, lambda p: p.support_count, where=lambda p: p.state in ("published", "under_review"))
    assert walk(visitor, "/c/dorf-a/proposals/?state=accepted") == _expected(
        made, lambda p: p.published_at, where=lambda p: p.state == "accepted")
    cat = ps.categories(world.a)[1]
    by_cat = walk(visitor, f"/c/dorf-a/proposals/?category={cat.id}&sort=supported")
    assert by_cat == _expected(made, lambda p: p.support_count, where=lambda p: p.category_id == cat.id)
    html = page(visitor, f"/c/dorf-a/proposals/?category={cat.id}&state=under_review")
    assert re.search(rf'<option (selected value="{cat.id}"|value="{cat.id}" selected)>', html)
    assert '<option value="under_review" selected>' in html


def test_list_search_in_chinese_and_english(app, world):
    made, _draft, hidden = _seed_list(world)
    visitor = en(app, "visitor")
    lamp = {p.id for i, p in enumerate(made) if i % 4 == 0}
    assert set(walk(visitor, "/c/dorf-a/proposals/?q=路灯")) == lamp
    assert set(walk(visitor, "/c/dorf-a/proposals/?q=" + "%E8%B7%AF%E7%81%AF")) == lamp
    wells = {p.id for i, p in enumerate(made) if i % 4}
    assert set(walk(visitor, "/c/dorf-a/proposals/?q=well")) == wells  # B's "well" is not here
    assert set(walk(visitor, "/c/dorf-a/proposals/?q=WELL+number")) == wells  # case does not matter
    assert walk(visitor, "/c/dorf-a/proposals/?q=Proposal+07") == [made[7].id]  # titles too
    assert walk(visitor, "/c/dorf-a/proposals/?q=hidden") == []  # hidden text is not searchable by the public
    html = page(visitor, "/c/dorf-a/proposals/?q=nothing+like+this")
    assert "No proposals match." in html and 'value="nothing like this"' in html
    assert walk(visitor, "/c/dorf-a/proposals/?q=%25") == []  # a literal % matches nothing here


def test_oversight_lists_overdue_by_days_and_shows_figures(app, world):
    set_threshold(world.a, 1, days=15)
    titles = ["Late 3 days", "Late 20 days", "Late 8 days", "Answered late", "Answered in time", "Not due yet"]
    ps_ = {t: make_proposal(world, title=t) for t in titles}
    for p in ps_.values():
        ps.support(world.a, p, actor=world["meda"])
    db.session.commit()
    now = utcnow()
    for t, days in (("Late 3 days", 3), ("Late 20 days", 20), ("Late 8 days", 8)):
        p = ps_[t]
        p.answer_due_at = now - timedelta(days=days, hours=2)
        p.review_started_at = p.answer_due_at - timedelta(days=15)
    late = ps_["Answered late"]
    late.review_started_at, late.answer_due_at = now - timedelta(days=30), now - timedelta(days=15)
    db.session.commit()
    ps.answer(world.a, late, "rejected", "No budget.", actor=world["coma"])
    ps.answer(world.a, ps_["Answered in time"], "planned", "In the plan.", actor=world["coma"])
    db.session.commit()
    html = page(en(app, "visitor"), "/c/dorf-a/proposals/oversight")
    in_order(html, "Late 20 days", "Late 8 days", "Late 3 days")
    assert "20 days overdue" in html and "8 days overdue" in html and "3 days overdue" in html
    for t in ("Answered late", "Answered in time", "Not due yet"):
        assert t not in html
    figures = dict(re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", html))
    assert figures["Proposals answered after review"] == "2"
    assert figures["Answered on time"] == "50%"
    assert figures["Waiting for an answer"] == "4" and figures["Past the deadline"] == "3"
    assert float(figures["Median days to answer"]) == pytest.approx(15.0, abs=0.1)
    # B's figures are B's own.
    html = page(en(app, "visitor"), "/c/dorf-a/proposals/oversight".replace("dorf-a", "dorf-b"))
    assert "No answer is overdue." in html and "Late 20 days" not in html


# --- 2. Objects of community B addressed through community A: 404 for everyone, nothing written ---

ROLES = ("visitor", "nobody", "penda", "reja", "resa", "meda", "coma", "comb", "root")


def _b_objects(world):
    """A published proposal of B with a comment and a photo, a draft and a hidden one of B,
    B's category: each id is also valid in B (so a 404 in A is the scoping, not a missing row)."""
    from werkzeug.datastructures import FileStorage

    from portal.comments import services as comments
    from portal.moderation import services as mod
    from portal.uploads import services as up

    set_threshold(world.b, 1)
    b = world.b
    cat = ps.categories(b)[0]
    pub = ps.create_proposal(b, "B road", "B body", cat.id, publish=True, actor=world["resb"])
    draft = ps.create_proposal(b, "B draft", "B body", cat.id, actor=world["resb"])
    hidden = ps.create_proposal(b, "B hidden", "B body", cat.id, publish=True, actor=world["resb"])
    mod.hide(b, hidden, "rude", actor=world["comb"])
    review = ps.create_proposal(b, "B review", "B body", cat.id, publish=True, actor=world["resb"])
    ps.support(b, review, actor=world["comb"])
    accepted = ps.create_proposal(b, "B accepted", "B body", cat.id, publish=True, actor=world["resb"])
    ps.support(b, accepted, actor=world["comb"])
    ps.answer(b, accepted, "accepted", "yes", actor=world["comb"])
    comment = comments.add_comment(b, pub, "B comment", actor=world["comb"])
    att = up.save_image(b, FileStorage(io.BytesIO(png()), filename="b.png"), "proposal", pub.id, actor=world["resb"])
    db.session.commit()
    return {"proposal": [pub.id, draft.id, hidden.id, review.id, accepted.id], "comment": [comment.id],
            "category": [cat.id], "attachment": [att.id]}


def _scoped_routes(app):
    """Every (method, rule) of proposals, moderation and files that takes an object id."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] not in ("proposals", "moderation", "files") or "<id:" not in rule.rule:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((method, rule.rule))
    return sorted(found)


def _urls_for(rule, ids, slug="dorf-a"):
    url = rule.replace("<slug:slug>", slug)
    if "<id:proposal_id>" in url:
        return [url.replace("<id:proposal_id>", str(i)) for i in ids["proposal"]]
    if "<id:category_id>" in url:
        return [url.replace("<id:category_id>", str(i)) for i in ids["category"]]
    if "<id:attachment_id>" in url:
        return [url.replace("<id:attachment_id>", str(i)) for i in ids["attachment"]]
    assert "<string:subject_type>/<id:subject_id>" in url, rule
    return [url.replace("<string:subject_type>/<id:subject_id>", f"{t}/{i}")
            for t in ("proposal", "comment") for i in ids[t]]


def _valid_data(world, community):
    return {"title": "T", "body": "Text", "category": str(ps.categories(community)[0].id), "action": "publish",
            "decision": "accepted", "implemented": "y", "reason": "Because", "parent_id": ""}


def test_scoped_route_table_is_complete(app):
    routes = _scoped_routes(app)
    assert len(routes) >= 18, routes
    for _method, rule in routes:
        assert _urls_for(rule, {"proposal": [1], "comment": [1], "category": [1], "attachment": [1]})


@pytest.mark.parametrize("role", ROLES)
def test_objects_of_b_through_a_are_404(app, world, role):
    ids = _b_objects(world)
    data = _valid_data(world, world.a)
    client = client_as(app, role)
    before = row_counts()
    wrong = []
    for method, rule in _scoped_routes(app):
        for url in _urls_for(rule, ids):
            r = client.get(url) if method == "GET" else client.post(url, data, token_from="/login")
            if r.status_code != 404:
                wrong.append((method, url, r.status_code))
            else:
                assert error_page_parts(r)[0], url
    assert not wrong, wrong
    # A comment of B as the parent of a reply in A.
    if role in ("resa", "meda", "coma"):
        pa = make_proposal(world, author="meda" if role == "resa" else "resa")
        before = row_counts()
        r = client.post(f"/c/dorf-a/proposals/{pa.id}/comments", {"body": "reply", "parent_id": str(ids["comment"][0])},
                        token_from=f"/c/dorf-a/proposals/{pa.id}")
        assert r.status_code == 404
    assert row_counts() == before


@pytest.mark.parametrize("role", ["comb", "resb"])
def test_objects_of_a_through_b_are_404(app, world, role):
    """The other direction, by B's committee and resident."""
    from portal.comments import services as comments

    set_threshold(world.a, 1)
    a = world.a
    pub = make_proposal(world)
    c = comments.add_comment(a, pub, "A comment", actor=world["meda"])
    from werkzeug.datastructures import FileStorage

    from portal.uploads import services as up

    att = up.save_image(a, FileStorage(io.BytesIO(png()), filename="a.png"), "proposal", pub.id, actor=world["resa"])
    db.session.commit()
    ids = {"proposal": [pub.id], "comment": [c.id], "category": [category_id(a)], "attachment": [att.id]}
    data = _valid_data(world, world.b)
    client = client_as(app, role)
    before = row_counts()
    wrong = []
    for method, rule in _scoped_routes(app):
        for url in _urls_for(rule, ids, "dorf-b"):
            r = client.get(url) if method == "GET" else client.post(url, data, token_from="/login")
            if r.status_code != 404:
                wrong.append((method, url, r.status_code))
    assert not wrong, wrong
    assert row_counts() == before


# --- 3. Hostile text: never markup, wherever it is shown --------------------------------------------

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
JS = "javascript:alert(1)"
PAYLOADS = (SCRIPT, IMG, JS)


class _Inspector(HTMLParser):
    """What the browser would build from the page: tags, attributes and text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: (v or "") for k, v in attrs}))

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        self.text.append(data)


def assert_inert(html: str, where: str, shown=()):
    """No script but the portal's own files, no event handler, no javascript: address, no picture
    but the portal's; external links only http(s) with rel=nofollow; and each of `shown` appears
    as plain text (so the check is not passing on an empty page)."""
    parser = _Inspector()
    parser.feed(html)
    for tag, attrs in parser.tags:
        handlers = [k for k in attrs if k.startswith("on")]
        assert not handlers, (where, tag, attrs)
        if tag == "script":
            assert attrs.get("src", "").startswith("/static/"), (where, attrs)
        if tag in ("img", "audio", "source", "iframe", "embed", "object", "video"):
            assert tag in ("img", "audio"), (where, tag)
            assert re.match(r"^/(c/dorf-a/files/\d+|c/dorf-a/speak/proposal/\d+/(text|answer)\.ogg|static/)", attrs.get("src", "")), (where, tag, attrs)
        for key in ("href", "src", "action", "formaction", "xlink:href"):
            value = re.sub(r"[\s\x00-\x1f]", "", attrs.get(key, "")).lower()
            assert not value.startswith(("javascript:", "data:", "vbscript:")), (where, tag, attrs)
        if tag == "a" and re.match(r"^[a-z]+:", attrs.get("href", "")):
            assert attrs["href"].startswith(("http://", "https://")), (where, attrs)
            assert "nofollow" in attrs.get("rel", ""), (where, attrs)
    text = "".join(parser.text)
    # Attribute values count as shown too (a reason in an input's value, a title in an option).
    values = " ".join(v for _t, a in parser.tags for v in a.values())
    for payload in shown:
        assert payload in text or payload in values, (where, payload)
    low = html.lower()
    assert "<script>alert" not in low and "<img src=x" not in low, where


def _hostile_world(app, world):
    """Every writable field of proposals holds an attack string, written through the pages."""
    coma, resa, meda = en(app, "coma"), en(app, "resa"), en(app, "meda")
    set_threshold(world.a, 1, days=15)
    r = coma.post("/c/dorf-a/proposals/settings/categories", {"key": "evil", "name_zh": SCRIPT, "name_en": IMG + JS},
                  token_from="/c/dorf-a/proposals/settings")
    assert r.status_code == 303, r.get_data(as_text=True)[:3000]
    cat = db.session.execute(select(ProposalCategory).where(ProposalCategory.key == "evil")).scalar_one()
    body = (f"{IMG}\n{JS}\nSee https://example.org/a?x=1&y=2 and http://evil.example/{IMG}\n"
            f"and <a href=\"{JS}\">click</a>")
    r = resa.post("/c/dorf-a/proposals/new",
                  form(title=SCRIPT + IMG, body=body, cat=cat.id, action="publish",
                       photos=[upload(png(), SCRIPT + IMG + ".png", "image/png")]),
                  token_from="/c/dorf-a/proposals/new")
    pid = new_id(r)
    pid2 = new_id(resa.post("/c/dorf-a/proposals/new", form(title=IMG + " overdue", body=SCRIPT, cat=cat.id,
                                                             action="publish"), token_from="/c/dorf-a/proposals/new"))
    draft = new_id(resa.post("/c/dorf-a/proposals/new", form(title=JS + IMG, body=SCRIPT, cat=cat.id),
                             token_from="/c/dorf-a/proposals/new"))
    url = f"/c/dorf-a/proposals/{pid}"
    for p_ in (pid, pid2):
        assert meda.post(f"/c/dorf-a/proposals/{p_}/support", token_from=url).status_code == 303
    r = meda.post(f"{url}/comments", {"body": f"{SCRIPT} {JS} https://example.org/c"}, token_from=url)
    top = int(r.headers["Location"].rsplit("-", 1)[1])
    r = coma.post(f"{url}/comments", {"body": IMG, "parent_id": str(top)}, token_from=url)
    reply = int(r.headers["Location"].rsplit("-", 1)[1])
    assert meda.post(f"/c/dorf-a/moderation/flag/proposal/{pid}", {"reason": SCRIPT + JS}, token_from=url).status_code == 303
    assert resa.post(f"/c/dorf-a/moderation/flag/comment/{top}", {"reason": IMG}, token_from=url).status_code == 303
    assert resa.post(f"/c/dorf-a/moderation/flag/comment/{reply}", {"reason": JS}, token_from=url).status_code == 303
    assert coma.post(f"/c/dorf-a/moderation/comment/{reply}/hide", {"reason": SCRIPT + IMG},
                     token_from=url).status_code == 303
    assert coma.post(f"{url}/answer", {"decision": "accepted", "body": f"{SCRIPT}\n{JS} https://example.org/ans"},
                     token_from=url).status_code == 303
    assert coma.post(f"{url}/progress", {"body": IMG + JS}, token_from=url).status_code == 303
    p2 = db.session.get(Proposal, pid2)
    p2.answer_due_at = utcnow() - timedelta(days=3)
    db.session.commit()
    clients = {"coma": coma, "resa": resa, "meda": meda, "visitor": en(app, "visitor"),
               "visitor-zh": client_as(app, "visitor")}
    return clients, pid, pid2, draft, top, reply


def test_hostile_text_is_inert_on_every_proposal_page(app, world):
    clients, pid, pid2, draft, top, reply = _hostile_world(app, world)
    url, url2 = f"/c/dorf-a/proposals/{pid}", f"/c/dorf-a/proposals/{pid2}"
    pages = [
        ("visitor", "/c/dorf-a/proposals/", [SCRIPT + IMG, SCRIPT]),  # titles, category names (zh)
        ("visitor", "/c/dorf-a/proposals/?lang=en", [IMG + JS]),  # category name (en)
        ("visitor-zh", "/c/dorf-a/proposals/", [SCRIPT]),  # category name (zh)
        ("visitor-zh", url, [SCRIPT + IMG]),
        ("visitor", "/c/dorf-a/proposals/?q=" + "%3Cscript%3E", [SCRIPT + IMG]),  # the search box echo
        ("resa", "/c/dorf-a/proposals/", [JS + IMG]),  # own draft in "My drafts"
        ("visitor", url, [SCRIPT + IMG, IMG, JS, SCRIPT, IMG + JS]),  # title, body, comment, answer, progress
        ("meda", url, [SCRIPT + IMG, "Hidden by the committee: " + SCRIPT + IMG]),
        ("coma", url, [IMG, SCRIPT + IMG]),  # the hidden reply, for the committee
        ("visitor", url2, [IMG + " overdue", SCRIPT]),
        ("resa", f"/c/dorf-a/proposals/{draft}", [JS + IMG]),
        ("resa", f"/c/dorf-a/proposals/{draft}/edit", [JS + IMG, SCRIPT]),  # values back in the inputs
        ("resa", "/c/dorf-a/proposals/new", [IMG + JS]),  # category option (en)
        ("resa", f"{url2}/withdraw", [IMG + " overdue"]),
        ("coma", f"{url2}/answer", [IMG + " overdue", SCRIPT]),
        ("coma", "/c/dorf-a/moderation/", [SCRIPT + IMG, SCRIPT + JS, IMG]),  # excerpts and reasons
        ("meda", f"/c/dorf-a/moderation/flag/comment/{reply}", ["Hidden by the committee: " + SCRIPT + IMG]),
        ("resa", f"/c/dorf-a/moderation/flag/comment/{top}", [SCRIPT]),
        ("visitor", "/c/dorf-a/proposals/oversight", [IMG + " overdue"]),
        ("coma", "/c/dorf-a/proposals/settings", [SCRIPT, IMG + JS]),
        ("resa", "/c/dorf-a/audit/", [SCRIPT]),  # payloads: titles, reasons, category names
        ("coma", "/c/dorf-a/audit/?action=content.hidden", []),
        ("coma", "/c/dorf-a/audit/?action=proposals.category_added", []),
    ]
    for who, address, shown in pages:
        html = page(clients[who], address)
        assert_inert(html, f"{address} as {who}", shown)
        assert SCRIPT + IMG + ".png" not in html  # the uploaded file's name is never echoed raw
    # Only http(s) links became links, each with rel=nofollow.
    html = page(clients["visitor"], url)
    links = re.findall(r'<a href="([^"]+)" rel="nofollow ugc noopener noreferrer">', html)
    # (the answer comes first on an answered proposal's page, then the proposal's text)
    assert links == ["https://example.org/ans", "https://example.org/a?x=1&amp;y=2", "http://evil.example/",
                     "https://example.org/c"], links
    assert str(escape(f'<a href="{JS}">click</a>')) in html
    # The audit trail holds the hostile text as data; the page shows it escaped.
    audit = page(clients["coma"], "/c/dorf-a/audit/")
    assert str(escape(SCRIPT)) in audit or "\\u003cscript" in audit
    chain_ok(world.a)


@pytest.mark.parametrize("name, decoded", [
    ('pic "with" quotes.png', "pic _with_ quotes.png"),
    ("村口\r\nX-Evil: 1.png", "村口X-Evil_ 1.png"),
    ('"; filename="evil.html', None),
    ("..\\..\\etc\\passwd.png", "passwd.png"),
    ("村口的路.jpg", "村口的路.png"),  # the extension of what is really stored
    (SCRIPT + ".png", None),
    ("\u202egnp.exe", None),
])
def test_content_disposition_of_hostile_file_names(app, world, name, decoded):
    """Names as a client may send them (the service gets them verbatim; browsers would
    percent-encode quotes and line breaks in the multipart header, the test client cannot)."""
    from werkzeug.datastructures import FileStorage

    from portal.uploads import services as up

    p = make_proposal(world)
    att = up.save_image(world.a, FileStorage(io.BytesIO(png()), filename=name), "proposal", p.id, actor=world["resa"])
    db.session.commit()
    r = client_as(app, "visitor").get(f"/c/dorf-a/files/{att.id}")
    assert r.status_code == 200 and r.mimetype == "image/png"
    header = r.headers["Content-Disposition"]
    assert "\r" not in header and "\n" not in header
    m = re.fullmatch(r"""inline; filename="([A-Za-z0-9._-]+)"; filename\*=UTF-8''([A-Za-z0-9%._~-]+)""", header)
    assert m, header
    assert m.group(1).endswith(".png") and not m.group(1).startswith(".")
    full = unquote(m.group(2))
    assert full.endswith(".png") and not any(c in full for c in '"\\/\r\n<>:\u202e'), full
    if decoded:
        assert full == decoded, full
    # The name is shown nowhere, escaped or not.
    html = page(client_as(app, "visitor"), f"/c/dorf-a/proposals/{p.id}")
    assert "evil.html" not in html and "passwd" not in html and "X-Evil" not in html and "quotes" not in html


def test_chinese_file_name_through_the_form(app, world):
    resa = client_as(app, "resa")
    pid = new_id(resa.post("/c/dorf-a/proposals/new",
                           form(cat=category_id(world.a), action="publish",
                                photos=[upload(png(), "村口的路 (2).png", "image/png")],
                                voice=upload(wav_bytes(), "录音 1.wav", "audio/wav")),
                           token_from="/c/dorf-a/proposals/new"))
    photo, voice = attachments_of(pid)
    r = client_as(app, "visitor").get(f"/c/dorf-a/files/{photo.id}")
    assert r.headers["Content-Disposition"] == (
        "inline; filename=\"2.png\"; filename*=UTF-8''%E6%9D%91%E5%8F%A3%E7%9A%84%E8%B7%AF%20%282%29.png")
    r = client_as(app, "visitor").get(f"/c/dorf-a/files/{voice.id}")
    assert r.mimetype == "audio/ogg"  # re-encoded: the name keeps its stem, the extension is what is stored
    assert unquote(r.headers["Content-Disposition"].split("UTF-8''")[1]) == "录音 1.ogg"


# --- withdrawing a draft ------------------------------------------------------------------------

def test_withdrawn_draft_stays_private_and_the_list_still_works(app, world):
    """A draft the author withdraws was never published: it must not become public (and its
    missing publication date must not break the list page for everyone)."""
    resa = en(app, "resa")
    pid = new_id(resa.post("/c/dorf-a/proposals/new", form(title="Private idea", cat=category_id(world.a),
                                                           photos=[upload(png(), "p.png", "image/png")])))
    att = attachments_of(pid)[0]
    make_proposal(world, title="A public one")
    r = resa.post(f"/c/dorf-a/proposals/{pid}/withdraw", token_from=f"/c/dorf-a/proposals/{pid}")
    assert r.status_code == 303 and proposal(pid).state == "withdrawn" and proposal(pid).published_at is None
    assert "Private idea" in page(resa, f"/c/dorf-a/proposals/{pid}")  # still the author's
    for role in ("visitor", "meda", "coma"):
        other = en(app, role)
        for sort in ("newest", "supported", "oldest"):
            html = page(other, f"/c/dorf-a/proposals/?sort={sort}&state=")
            assert "Private idea" not in html, (role, sort)
        assert "A public one" in page(other, "/c/dorf-a/proposals/")
        assert "Private idea" not in page(other, "/c/dorf-a/proposals/?state=withdrawn")
        assert other.get(f"/c/dorf-a/proposals/{pid}").status_code == 404, role
        assert other.get(f"/c/dorf-a/files/{att.id}").status_code == 404, role
        assert other.get(f"/c/dorf-a/moderation/flag/proposal/{pid}").status_code == 404, role
    assert "Private idea" not in page(en(app, "resa"), "/c/dorf-a/proposals/?state=withdrawn")


# --- 4. Bad input: refused with a message, never a 500, nothing written -----------------------------

def refused(response, status=400, message=None):
    """A refusal: the status, and words saying what is wrong (form errors or the error page)."""
    html = response.get_data(as_text=True)
    assert response.status_code == status, (response.status_code, html[:1500])
    assert "Traceback" not in html
    title, lead = error_page_parts(response)
    errors = re.findall(r'<p class="error"[^>]*>(.*?)</p>', html, re.S)
    assert (title and lead) or errors, "no message says what is wrong"
    if message:
        assert message in html, (message, errors, lead)
    return html


BAD_CURSORS = [
    "abc", "1", "1.", ".1", "1.2.3", "-1.5", "5.-1", "1e5.3", "0x10.3", " 1.2", "1.2 ", "１.２", "1.0",
    "99999999999999999999.5", "4611686018427387903.5", "253402300800000000.5", "5.99999999999", "5.2147483648",
    "x" * 5000,
]


def test_bad_cursors_are_400(app, world):
    make_proposal(world)
    visitor = en(app, "visitor")
    for sort in ("newest", "supported", "oldest"):
        for after in BAD_CURSORS:
            r = visitor.get("/c/dorf-a/proposals/", query_string={"after": after, "sort": sort})
            assert r.status_code == 400, (sort, after[:40], r.status_code)
            refused(r)
    # A count cursor is out of range for the time sorts' … and the other way round.
    refused(visitor.get("/c/dorf-a/proposals/?sort=supported&after=2147483648.5"))
    refused(visitor.get("/c/dorf-a/proposals/?after=1%00.5"))


def test_good_cursor_edges(app, world):
    make_proposal(world)
    visitor = en(app, "visitor")
    for sort, after in (("newest", "0.1"), ("supported", "2147483647.2147483647"), ("oldest", "253402214399999999.1"),
                        ("newest", "1.7")):
        r = visitor.get("/c/dorf-a/proposals/", query_string={"after": after, "sort": sort})
        assert r.status_code == 200, (sort, after)


def test_bad_list_parameters_are_400(app, world):
    make_proposal(world)
    visitor = en(app, "visitor")
    for query in ("sort=best", "sort=NEWEST", "state=draft", "state=open%00", "state=nonsense", "category=abc",
                  "category=99999", "category=-1", "category=1%20OR%201%3D1", "q=" + "x" * 101,
                  "sort=best&sort=newest", f"category={category_id(world.b)}"):
        r = visitor.get("/c/dorf-a/proposals/?" + query)
        assert r.status_code == 400, (query[:40], r.status_code)
        refused(r)


def _inactive_category(world):
    cat = ps.categories(world.a)[-1]
    ps.set_category_active(world.a, cat, False, actor=world["coma"])
    db.session.commit()
    return cat.id


@pytest.mark.parametrize("where", ["new", "edit"])
def test_unknown_categories_are_refused(app, world, where):
    values = {"missing": "99999", "of-b": str(category_id(world.b)), "inactive": str(_inactive_category(world)),
              "garbage": "roads", "empty": "", "huge": "9" * 30, "negative": "-1"}
    resa = en(app, "resa")
    url = "/c/dorf-a/proposals/new"
    if where == "edit":
        url = f"/c/dorf-a/proposals/{make_proposal(world, publish=False).id}/edit"
    before = row_counts()
    for case, value in values.items():
        d = form(action="publish")
        d["category"] = value
        r = resa.post(url, d, token_from=url)
        assert r.status_code == 400, (case, r.status_code)
        assert 'id="category-error"' in refused(r), case  # the message is at the category field
    assert row_counts() == before


def test_over_long_or_empty_proposal_text(app, world):
    resa = en(app, "resa")
    before = row_counts()
    for field, size in (("title", 121), ("title", 10000), ("body", 5001), ("body", 10000), ("title", 0),
                        ("body", 0)):
        d = form(cat=category_id(world.a), action="publish")
        d[field] = "长" * size
        r = resa.post("/c/dorf-a/proposals/new", d, token_from="/c/dorf-a/proposals/new")
        assert r.status_code == 400, (field, size)
        assert 'class="error-summary"' in refused(r), (field, size)
    assert row_counts() == before


def _proposal_under(world, state):
    set_threshold(world.a, 1)
    p = make_proposal(world)
    if state in ("under_review", "accepted"):
        ps.support(world.a, p, actor=world["meda"])
    if state == "accepted":
        ps.answer(world.a, p, "accepted", "Yes.", actor=world["coma"])
    db.session.commit()
    return p


BAD_POSTS = {
    "comments": ("meda", "published", [{"body": "x" * 2001}, {"body": "长" * 10000}, {"body": "   "}, {}]),
    "answer": ("coma", "under_review", [
        {"decision": "accepted", "body": "x" * 5001}, {"decision": "accepted", "body": "长" * 10000},
        {"decision": "accepted", "body": ""}, {"decision": "implemented", "body": "Done"},
        {"decision": "withdrawn", "body": "Done"}, {"decision": "", "body": "Done"}, {"body": "Done"},
        {"decision": "accepted' OR '1'='1", "body": "Done"}]),
    "progress": ("coma", "accepted", [{"body": "x" * 5001}, {"body": "长" * 10000, "implemented": "y"},
                                      {"body": ""}]),
}


@pytest.mark.parametrize("route", sorted(BAD_POSTS))
def test_bad_answers_comments_and_progress(app, world, route):
    role, state, cases = BAD_POSTS[route]
    p = _proposal_under(world, state)
    client = en(app, role)
    url = f"/c/dorf-a/proposals/{p.id}"
    before = row_counts()
    for data in cases:
        r = client.post(f"{url}/{route}", data, token_from=url)
        assert r.status_code == 400, ({k: v[:20] for k, v in data.items()}, r.status_code)
        refused(r)
    assert row_counts() == before
    assert proposal(p.id).state == state


def test_bad_reply_parents(app, world):
    from portal.comments import services as comments

    p = make_proposal(world)
    top = ps_comment(world, p, "coma", "first")
    assert top.id == 1  # so "１" would have been read as this comment's id
    other = make_proposal(world, title="Other")
    other_comment = ps_comment(world, other, "coma", "on another page")
    pb = ps.create_proposal(world.b, "B", "B", category_id(world.b), publish=True, actor=world["resb"])
    b_comment = comments.add_comment(world.b, pb, "B comment", actor=world["comb"])
    db.session.commit()
    meda = en(app, "meda")
    url = f"/c/dorf-a/proposals/{p.id}"
    before = row_counts()
    for value, status in (("abc", 400), ("-1", 400), ("１", 400), ("1.0", 400), ("0x1", 400), ("1" * 11, 400),
                          (" 1", 400), ("0", 404), ("99999", 404), ("9999999999", 404),
                          (str(other_comment.id), 404), (str(b_comment.id), 404)):
        r = meda.post(f"{url}/comments", {"body": "reply", "parent_id": value}, token_from=url)
        assert r.status_code == status, (value, r.status_code)
        refused(r, status)
    assert row_counts() == before


def test_reply_sent_as_a_browser_sends_it(app, world):
    """The reply form has a prefix: its token is "reply-submit_token", and only that is sent. The
    reply is made once, and the same rendered form sent again lands on it."""
    p = make_proposal(world)
    top = ps_comment(world, p, "coma", "first")
    db.session.commit()
    meda = en(app, "meda")
    url = f"/c/dorf-a/proposals/{p.id}"
    html = meda.get(f"{url}?reply_to={top.id}").get_data(as_text=True)
    token = re.search(r'name="reply-submit_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="reply-submit_token"', html)
    assert token, "the reply form renders its own one-time token"
    data = {"reply-body": "a reply", "reply-parent_id": str(top.id), "reply-submit_token": token.group(1) or token.group(2)}
    for _ in range(2):
        r = meda.post(f"{url}/comments", dict(data), token_from=url, once=False)
        assert r.status_code == 303, r.get_data(as_text=True)[:300]
    replies = db.session.execute(select(Comment).where(Comment.parent_id == top.id)).scalars().all()
    assert [c.body for c in replies] == ["a reply"]


@pytest.mark.parametrize("subject", ["proposal", "comment"])
def test_bad_reasons(app, world, subject):
    from portal.moderation import services as mod

    p = make_proposal(world)
    obj = p if subject == "proposal" else ps_comment(world, p, "meda", "a comment")
    hidden_p = make_proposal(world, title="hidden")
    hidden = hidden_p if subject == "proposal" else ps_comment(world, p, "meda", "hidden comment")
    mod.hide(world.a, hidden, "hidden first", actor=world["coma"])
    db.session.commit()
    client = en(app, "coma")
    before = row_counts()
    for action in ("flag", "hide", "restore"):
        target = hidden if action == "restore" else obj
        url = (f"/c/dorf-a/moderation/flag/{subject}/{target.id}" if action == "flag"
               else f"/c/dorf-a/moderation/{subject}/{target.id}/{action}")
        for reason in ("x" * 301, "长" * 10000, "", "   ", None):
            r = client.post(url, {} if reason is None else {"reason": reason}, token_from="/login")
            assert r.status_code == 400, (action, (reason or "")[:10], r.status_code)
            refused(r)
    assert row_counts() == before


def test_unknown_moderation_subjects_are_404(app, world):
    make_proposal(world)
    client = en(app, "coma")
    before = row_counts()
    for url in ("/c/dorf-a/moderation/flag/user/1", "/c/dorf-a/moderation/flag/proposal_support/1",
                "/c/dorf-a/moderation/flag/PROPOSAL/1", "/c/dorf-a/moderation/flag/__class__/1",
                "/c/dorf-a/moderation/user/1/hide", "/c/dorf-a/moderation/audit_event/1/hide",
                "/c/dorf-a/moderation/proposal/0/hide", "/c/dorf-a/moderation/proposal/abc/hide",
                "/c/dorf-a/moderation/proposal/99999999999/dismiss", "/c/dorf-a/moderation/proposal/2/dismiss"):
        r = client.post(url, {"reason": "x"})
        assert r.status_code == 404, (url, r.status_code)
        refused(r, 404)
    assert row_counts() == before


def test_settings_out_of_range(app, world):
    coma = en(app, "coma")
    before = row_counts()
    for data in (
        {"support_threshold": "0", "answer_days": "15"},
        {"support_threshold": "100001", "answer_days": "15"},
        {"support_threshold": "-5", "answer_days": "15"},
        {"support_threshold": "abc", "answer_days": "15"},
        {"support_threshold": "1e3", "answer_days": "15"},
        {"support_threshold": "9" * 30, "answer_days": "15"},
        {"support_threshold": "", "answer_days": "15"},
        {"support_threshold": "10", "answer_days": "0"},
        {"support_threshold": "10", "answer_days": "366"},
        {"support_threshold": "10", "answer_days": "15", "threshold_percent": "0"},
        {"support_threshold": "10", "answer_days": "15", "threshold_percent": "101"},
        {"support_threshold": "10", "answer_days": "15", "threshold_percent": "50%"},
    ):
        r = coma.post("/c/dorf-a/proposals/settings", data, token_from="/c/dorf-a/proposals/settings")
        assert r.status_code == 400, (data, r.status_code)
        assert 'class="error-summary"' in refused(r), data
    assert row_counts() == before
    assert ps.threshold_for(world.a) == 10


def test_bad_categories(app, world):
    coma = en(app, "coma")
    before = row_counts()
    for data in (
        {"key": "bad key", "name_zh": "坏", "name_en": "Bad"},
        {"key": "路", "name_zh": "路", "name_en": "Road"},
        {"key": "roads", "name_zh": "重复", "name_en": "Duplicate"},
        {"key": "ROADS", "name_zh": "重复", "name_en": "Duplicate"},
        {"key": "k" * 31, "name_zh": "长", "name_en": "Long"},
        {"key": "ok", "name_zh": "长" * 41, "name_en": "Long"},
        {"key": "ok", "name_zh": "长", "name_en": "e" * 61},
        {"key": "ok", "name_zh": "", "name_en": "Empty"},
    ):
        r = coma.post("/c/dorf-a/proposals/settings/categories", data, token_from="/c/dorf-a/proposals/settings")
        assert r.status_code == 400, (data, r.status_code)
        refused(r)
    assert row_counts() == before


def test_photos_and_recordings_that_are_not_what_they_claim(app, world):
    resa = en(app, "resa")
    before = row_counts()
    not_pictures = {
        "text named .jpg": upload(b"hello, this is not a picture", "photo.jpg", "image/jpeg"),
        "html as png": upload(b"<!doctype html><script>alert(1)</script>", "x.png", "image/png"),
        "svg": upload(b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "x.svg", "image/svg+xml"),
        "truncated png": upload(png()[:60], "cut.png", "image/png"),
        "gif": upload(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "a.gif", "image/gif"),
        "empty": upload(b"", "empty.jpg", "image/jpeg"),
    }
    for label, bad in not_pictures.items():
        d = form(cat=category_id(world.a), action="publish", photos=[upload(png(), "good.png", "image/png"), bad])
        html = refused(resa.post("/c/dorf-a/proposals/new", d, token_from="/c/dorf-a/proposals/new"))
        assert re.search(r"Photos must be JPEG, PNG or WebP|could not be read|is empty", html), label
    not_sound = {
        "html": b"<!doctype html><html><script>alert(1)</script></html>", "picture": png(),
        "text": b"just words", "exe": b"MZ\x90\x00" + b"\x00" * 60,
    }
    for label, data in not_sound.items():
        d = form(cat=category_id(world.a), voice=upload(data, "voice.ogg", "audio/ogg"))
        html = refused(resa.post("/c/dorf-a/proposals/new", d, token_from="/c/dorf-a/proposals/new"))
        assert "The recording must be a sound file" in html, label
    # ...and on the edit page of a draft.
    pid = make_proposal(world, publish=False).id
    before = row_counts()
    d = form(cat=category_id(world.a), voice=upload(not_sound["html"], "v.webm", "audio/webm"))
    refused(resa.post(f"/c/dorf-a/proposals/{pid}/edit", d, token_from="/login"),
            message="The recording must be a sound file")
    assert row_counts() == before


def test_too_many_photos(app, world):
    resa = en(app, "resa")
    before = row_counts()
    d = form(cat=category_id(world.a), photos=[upload(png(c), f"{c}.png", "image/png")
                                               for c in ("red", "green", "blue", "white", "black")])
    refused(resa.post("/c/dorf-a/proposals/new", d, token_from="/c/dorf-a/proposals/new"), message="At most 4 photos")
    assert row_counts() == before


def test_oversized_files_and_requests(app, world):
    resa = en(app, "resa")
    app.config["UPLOAD_IMAGE_MAX_BYTES"] = 2000
    app.config["UPLOAD_AUDIO_MAX_BYTES"] = 2000
    before = row_counts()
    noisy = io.BytesIO()
    Image.effect_noise((200, 200), 100).convert("RGB").save(noisy, "PNG")
    d = form(cat=category_id(world.a), photos=[upload(noisy.getvalue(), "big.png", "image/png")])
    refused(resa.post("/c/dorf-a/proposals/new", d, token_from="/c/dorf-a/proposals/new"),
            message="The photo is larger than")
    d = form(cat=category_id(world.a), voice=upload(wav_bytes(2.0), "long.wav", "audio/wav"))
    refused(resa.post("/c/dorf-a/proposals/new", d, token_from="/c/dorf-a/proposals/new"),
            message="The recording is larger than")
    # The whole request over the upload limit: a 413 page.
    app.config["UPLOAD_REQUEST_MAX"] = 50_000
    d = form(cat=category_id(world.a), photos=[upload(png() + b"\x00" * 60_000, "big.png", "image/png")])
    refused(resa.post("/c/dorf-a/proposals/new", d, token_from="/c/dorf-a/proposals/new"), 413)
    assert row_counts() == before


def test_committee_settings_and_categories(app, world):
    coma, resa, visitor = en(app, "coma"), en(app, "resa"), en(app, "visitor")
    assert "A proposal with 10 supports" in page(visitor, "/c/dorf-a/proposals/")
    seq = audit_seq(world.a)
    html = follow(coma, coma.post("/c/dorf-a/proposals/settings", {"support_threshold": "3", "threshold_percent": "",
                                                                     "answer_days": "7"},
                                  token_from="/c/dorf-a/proposals/settings"))
    assert "The settings are saved." in html and "Now a proposal needs 3 supports." in html
    assert "A proposal with 3 supports" in page(visitor, "/c/dorf-a/proposals/")
    # A percentage of the verified residents (3 in A): 50% -> 2.
    follow(coma, coma.post("/c/dorf-a/proposals/settings", {"support_threshold": "3", "threshold_percent": "50",
                                                             "answer_days": "7"},
                           token_from="/c/dorf-a/proposals/settings"))
    assert "A proposal with 2 supports" in page(visitor, "/c/dorf-a/proposals/")
    html = follow(coma, coma.post("/c/dorf-a/proposals/settings/categories",
                                  {"key": "water", "name_zh": "饮水", "name_en": "Drinking water"},
                                  token_from="/c/dorf-a/proposals/settings"))
    assert "The category is added." in html and "Drinking water" in html
    water = db.session.execute(select(ProposalCategory).where(ProposalCategory.key == "water")).scalar_one()
    assert "Drinking water" in page(resa, "/c/dorf-a/proposals/new")
    assert f'value="{water.id}"' in page(visitor, "/c/dorf-a/proposals/")
    # Stop using it: gone from the forms and the filter; proposals in it keep it.
    pid = new_id(resa.post("/c/dorf-a/proposals/new", form(cat=water.id, action="publish")))
    follow(coma, coma.post(f"/c/dorf-a/proposals/settings/categories/{water.id}/toggle",
                           token_from="/c/dorf-a/proposals/settings"))
    assert "Drinking water" not in page(resa, "/c/dorf-a/proposals/new")
    assert "Drinking water" in page(visitor, f"/c/dorf-a/proposals/{pid}")
    evs = events_after(world.a, seq)
    acts = [e.action for e in evs]
    assert acts[:3] == ["proposals.settings_changed", "proposals.settings_changed", "proposals.category_added"]
    assert acts[-1] == "proposals.category_changed" and '"active":false' in evs[-1].payload
    assert '"support_threshold":3' in evs[0].payload and '"answer_days":7' in evs[0].payload
    # The deadline follows the setting: 7 days.
    p = proposal(pid)
    for who in ("meda", "coma"):
        ps.support(world.a, p, actor=world[who])
    db.session.commit()
    p = proposal(pid)
    assert p.state == "under_review" and timedelta(days=6, hours=23) < p.answer_due_at - p.review_started_at
    chain_ok(world.a)


def test_a_list_row_in_both_languages(app, world):
    """The list's rows are prepared in Python (portal/proposals/listing.py): same link as
    url_for, and every part of the row in the reader's language."""
    p = make_proposal(world)
    p2 = make_proposal(world, title="Second one")
    ps.support(world.a, p, actor=world["meda"])
    db.session.commit()
    with app.test_request_context():
        links = {x.id: url_for("proposals.detail", slug="dorf-a", proposal_id=x.id) for x in (p, p2)}
    rows = {}
    for lang, who in (("en", en(app, "visitor")), ("zh", client_as(app, "visitor"))):
        who.http._c.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en" if lang == "en" else "zh-CN"
        html = page(who, "/c/dorf-a/proposals/")
        rows[lang] = {int(m.group(1)): m.group(0) for m in
                      re.finditer(r'<li class="row">\s*<h2 class="item-title"><a href="[^"]*?(\d+)">.*?</li>', html, re.S)}
        for x in (p, p2):
            assert f'<a href="{links[x.id]}">' in rows[lang][x.id]
            assert f'<time datetime="{isotime(x.published_at)}">' in rows[lang][x.id]
            assert world["resa"].display_name in rows[lang][x.id]
    assert "Collecting support" in rows["en"][p.id] and "1 support<" in rows["en"][p.id]
    assert "0 supports" in rows["en"][p2.id] and "0 comments" in rows["en"][p2.id]
    assert "1人附议" in rows["zh"][p.id] and "0条留言" in rows["zh"][p.id] and "Collecting support" not in rows["zh"][p.id]


def test_form_messages_follow_the_page_language(app, world):
    """WTForms' own messages come from one catalog per language kept for the process."""
    for lang, message in (("en", "This field is required."), ("zh-CN", "该字段是必填字段。"),
                          ("en", "This field is required.")):
        c = client_as(app, "visitor")
        c.http._c.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
        r = c.post("/register", {"username": "", "display_name": "", "password": "", "password2": ""},
                   token_from="/register")
        assert r.status_code == 400 and message in r.get_data(as_text=True), lang


def test_summary_link_of_a_radio_group_goes_to_its_first_option(app, world):
    """The decision radios are a fieldset without the field's id: the summary links to the first
    radio, so that following the link focuses it (tests/browser/test_error_summary.py)."""
    p = _proposal_under(world, "under_review")
    url = f"/c/dorf-a/proposals/{p.id}"
    r = en(app, "coma").post(f"{url}/answer", {"body": "Done"}, token_from=url)
    page = refused(r)
    assert '<a href="#decision-0">' in page and 'id="decision-0"' in page and 'href="#decision"' not in page
