"""The community audit page (members) and JSON Lines export (committee)."""
from __future__ import annotations

import json
import re
from pathlib import Path

from flask import Response, abort, g, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _

from ..communities import permissions as perm
from ..proposals import permissions as proposal_perm
from ..rules import permissions as rules_perm
from ..votes import permissions as votes_perm
from ..db import utcnow
from ..extensions import limiter
from ..web.links import public_url
from ..web.qr import qr_svg
from ..web.permissions import require
from . import queries
from .blueprint import bp
from .labels import ACTIONS
from .sentences import Context, people_named, sentence
from .chain import private_by_rule, verify_community
from .forms import HeadCheckForm

PAGE = 15  # rows per page: the 60 KB page budget holds the stylesheet of every capability too
ACTION_MAX = 40
_LINE_BREAKS = {0x85: "\\u0085", 0x2028: "\\u2028", 0x2029: "\\u2029"}


_ID_RE = re.compile(r"^[0-9]{1,10}$")


def _positive_int(name: str) -> int | None:
    """A keyset or id parameter: absent/empty -> None; anything but 1..2**31-1 -> 400."""
    raw = request.args.get(name, "")
    if raw == "":
        return None
    if not _ID_RE.match(raw):
        abort(400)
    value = int(raw)
    if not 0 < value < 2**31:
        abort(400)
    return value


def _filters():
    action = (request.args.get("action") or "").strip()
    if len(action) > ACTION_MAX:
        abort(400)
    return action, _positive_int("actor"), _positive_int("before")


@bp.get("/")
def index():
    require(perm.can_view_audit(g.ctx))
    action, actor, before = _filters()
    sees_private = perm.can_see_private_audit(g.ctx)
    events = queries.events_page(g.community, action, actor, before, PAGE + 1, sees_private=sees_private)
    more = len(events) > PAGE
    events = events[:PAGE]
    # Who is in a mediation case is need-to-know: for everyone but the committee a private event
    # is its number and its hash, nothing else (not when, not what, not who).
    private = set() if sees_private else {e.id for e in events if e.private}
    shown = [e for e in events if e.id not in private]
    ids = {e.actor_id for e in shown if e.actor_id}.union(*(people_named(e) for e in shown))
    ctx = Context(names=queries.display_names(ids), links=_links(shown, sees_private))
    sentences = {e.id: sentence(e, ctx, url_for("audit.index", actor=e.actor_id) if e.actor_id else None)
                 for e in shown}
    # The filter offers every known kind of action (no scan of the whole trail per view); the
    # kinds that are always private only to those who may see them.
    actions = sorted(a for a in ACTIONS if sees_private or not private_by_rule(a, None, "{}"))
    return render_template(
        "audit/index.html", community=g.community, events=events, sentences=sentences, more=more,
        next_before=events[-1].seq if (more and events) else None, action=action, actor=actor,
        actions=actions, can_export=perm.can_export_audit(g.ctx), private=private,
    )


def _links(events, sees_private: bool) -> dict[tuple[str, int], str]:
    """A link for each object the reader may open (a draft stays unlinked for those who may
    not see it; a mediation case only for the committee, who alone sees its events)."""
    keys = {(e.subject_type, e.subject_id) for e in events if e.subject_id is not None}
    objects = queries.subjects(g.community, keys)
    out = {}
    for (kind, oid), o in objects.items():
        if kind == "proposal" and proposal_perm.can_view(g.ctx, o):
            out[kind, oid] = url_for("proposals.detail", proposal_id=oid)
        elif kind == "poll" and votes_perm.can_view(g.ctx, o):
            out[kind, oid] = url_for("votes.detail", poll_id=oid)
        elif kind == "rule_version" and rules_perm.can_view_version(g.ctx, o):
            out[kind, oid] = url_for("rules.version", version_id=oid)
        elif kind == "rule_amendment" and (v := objects.get(("rule_version", o.version_id))) is not None \
                and rules_perm.can_view_version(g.ctx, v):
            out[kind, oid] = url_for("rules.amendment", version_id=o.version_id, amendment_id=oid)
    if sees_private:
        for kind, oid in keys:
            if kind == "mediation_case":
                out[kind, oid] = url_for("mediation.case", case_id=oid)
    return out


@bp.get("/export.jsonl")
def export():
    require(perm.can_export_audit(g.ctx))
    community_id = g.community.id
    slug = g.community.slug

    def rows():
        for seq, prev, digest, payload in queries.export_rows(community_id):
            # The payload travels as a string holding the exact stored bytes, so anyone can
            # recompute sha256(prev_hash || payload) from the export alone.
            line = json.dumps({"seq": seq, "prev_hash": prev, "hash": digest, "payload": payload},
                              ensure_ascii=False)
            # One event per line for every reader: U+0085, U+2028 and U+2029 are line breaks
            # to some readers (str.splitlines, some editors), so they travel escaped. They can only
            # occur inside JSON strings, where the escape decodes to the same character.
            yield line.translate(_LINE_BREAKS) + "\n"

    headers = {"Content-Disposition": f'attachment; filename="audit-{slug}.jsonl"'}
    return Response(stream_with_context(rows()), mimetype="application/x-ndjson", headers=headers)


VERIFIER = Path(__file__).with_name("verify_trail.py")


@bp.get("/verify_trail.py")
def verifier():
    """The stand-alone verifier (one file, Python's standard library only) for the export."""
    require(perm.can_view_audit(g.ctx))
    headers = {"Content-Disposition": 'attachment; filename="verify_trail.py"'}
    return Response(VERIFIER.read_bytes(), mimetype="text/x-python", headers=headers)


def _head_text(seq: int, digest: str) -> str:
    return f"{seq}:{digest}"


@bp.get("/head")
def head_notice():
    """Today's head on an A4 notice for the board (docs/architecture.md, "What the trail tells whom"):
    the committee posts it, residents copy it; its QR code checks it against the trail."""
    require(perm.can_view_audit(g.ctx))
    c = g.community
    head = _head_text(c.audit_seq, c.audit_head)
    link = public_url("audit.check", head=head)
    groups = [c.audit_head[i:i + 8] for i in range(0, len(c.audit_head), 8)]
    return render_template("audit/head_print.html", community=c, groups=groups, link=link, today=utcnow(),
                           qr=qr_svg(link, _("Check this code against the trail")))


@bp.get("/check")
@limiter.limit("10 per minute;60 per hour")  # each check recomputes the whole chain
def check():
    """Is a head written down earlier still in the chain, and is the chain intact up to today?
    With ?trail=1 (the audit page's "check this trail" button): is the whole chain intact?"""
    require(perm.can_view_audit(g.ctx))
    form = HeadCheckForm(request.args)
    result = None
    if request.args.get("trail") == "1":
        r = verify_community(g.community)
        result = {"kind": "intact" if r.ok else "broken", "seq": r.head_seq, "head_seq": r.head_seq,
                  "broken_seq": r.broken_seq, "count": r.count}
    elif "head" in request.args and form.validate():
        seq, digest = form.parsed
        r = verify_community(g.community, expect_head=(seq, digest))
        kind = "ok" if r.ok else r.head_failure or "broken"
        result = {"kind": kind, "seq": seq, "head_seq": g.community.audit_seq, "broken_seq": r.broken_seq}
    return render_template("audit/check.html", community=g.community, form=form, result=result)
