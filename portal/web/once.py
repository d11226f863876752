"""One effect per submitted form.

Every rendered form that creates something (a proposal, a comment, an amendment, a mediation
request, a poll, a ballot, paper totals, a roster import) carries a one-time token of its own
(`OnceForm`, portal/web/forms.py). When it is sent, the action wrapper (actions.py) writes the
token into `submitted_form` in the same transaction as what the form makes; the token column is
UNIQUE, so the database itself refuses a second row. The same rendered form sent again — Back and
send, a double tap, a retry after a timeout, or two sends at once — finds the first row (waiting
for the first transaction on PostgreSQL, where the second INSERT blocks on the unique index until
the first commits) and lands on what the first one made, with a sentence saying so.

A form shown again after a mistake keeps its token: nothing was made, so it may be sent again. A
token is someone's own: one sent by another person or to another endpoint is refused as an
expired form, with a fresh token to send again. Pages shared between signed-in readers carry a
mark instead (portal/cache/readers.py), replaced by a fresh token in every copy handed out.
The row holds only the token, who, where and the page of the result: never what was typed, and for
a ballot never the receipt (its target is the poll's page).
"""
from __future__ import annotations

import re
import secrets
from datetime import timedelta

from flask import g, request
from flask_login import current_user
from sqlalchemy import delete, select

from ..cache.readers import ONCE_MARK
from ..db import utcnow
from ..extensions import db
from .models import SubmittedForm

TOKEN_FIELD = "submit_token"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")
KEEP = timedelta(days=2)  # a form left open longer than this is sent as a new one


def new_token() -> str:
    return secrets.token_urlsafe(24)


def valid(token) -> bool:
    return isinstance(token, str) and bool(_TOKEN.match(token))


def token_for(posted) -> str:
    """The value a rendered form's token field shows."""
    if g.get("reader_marks"):
        return ONCE_MARK  # a page shared between readers: each copy gets its own (readers.splice)
    if valid(posted) and not g.get("once_refused"):
        return posted
    return new_token()


def find(token: str) -> SubmittedForm | None:
    return db.session.execute(select(SubmittedForm).where(SubmittedForm.token == token)).scalar_one_or_none()


def claim(token: str, user_id: int, endpoint: str) -> SubmittedForm:
    """Write the token's row (flushed: a concurrent second send waits here, then fails on the
    unique index). Old rows of the same person go in the same stroke."""
    db.session.execute(delete(SubmittedForm).where(SubmittedForm.user_id == user_id,
                                                   SubmittedForm.created_at < utcnow() - KEEP))
    row = SubmittedForm(token=token, user_id=user_id, endpoint=endpoint, target="", created_at=utcnow())
    db.session.add(row)
    db.session.flush()
    return row


def sent_token(form=None) -> str | None:
    """The one-time token this POST carries: the form's own field (a form with a prefix, such as a
    reply form, names it "reply-submit_token"), else any field of that name."""
    if form is not None and TOKEN_FIELD in getattr(form, "_fields", {}):
        return request.form.get(form[TOKEN_FIELD].name)
    for key in request.form:
        if key == TOKEN_FIELD or key.endswith("-" + TOKEN_FIELD):
            return request.form.get(key)
    return None


def sent_before() -> bool:
    """This POST is the second send of a rendered form whose first send made something: the same
    person, the same endpoint, a token already claimed (see web/permissions.py require_or_sent)."""
    if request.method != "POST" or not current_user.is_authenticated:
        return False
    token = sent_token()
    if not valid(token):
        return False
    prior = find(token)
    return prior is not None and prior.user_id == current_user.id and prior.endpoint == request.endpoint \
        and bool(prior.target)
