"""The action wrapper: one owner for the transaction of every form POST.

A view loads what it acts on, checks the permission, builds the form and hands the rest to `act`:

    return act(form, lambda: Done(url_for(...), _("Saved."), result=services.x(..., actor=current_user)),
               page=lambda: render_template("x/form.html", form=form))

- GET (or HEAD): the page, 200.
- POST that the form refuses: the same page again, 400, with every value typed kept, each message
  at its field and an error summary at the top of the page that links to each field (base.html,
  `error_summary()`; the GOV.UK pattern).
- POST accepted: `run()` does the work inside the request's transaction. On success the wrapper
  commits once, flashes the Done's message and redirects 303 to its URL; or, when `run()` returns
  a `Shown`, commits, flashes, and answers 200 with the page that the Shown renders (after the
  commit), marked `Cache-Control: no-store`: what must never be in a URL (a voter's receipt code). On a `PortalError` it
  rolls back and shows the same page as for a refused form, the message at the field the error
  names (`PortalError(field=...)`), else in the summary; a 403 or 404 error is the error page.
- `once=True` (a form that creates something, an `OnceForm`): the form's one-time token is written
  in the same transaction (portal/web/once.py), so the same rendered form sent twice has one
  effect; the second send lands on the first one's result (`Done.again`, default its URL; a
  `Shown` says where with its `again`).
- `steps`: a `Steps` (one question per screen in easy mode) decides when the form is complete
  and shows the step of the first error.

Nothing else in a view commits: a GET never commits at all, but for the named exceptions of
portal/web/reads.py.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import abort, flash, g, make_response, redirect, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from wtforms import FileField, MultipleFileField

from ..extensions import db
from . import once as once_tokens
from .errors import PortalError


@dataclass
class Done:
    """What a successful action says and where it goes: `url` (303), the flash `message`, and
    `again`, where a second send of the same form lands (default `url`)."""

    url: str
    message: Any = None
    category: str = "success"
    again: str | None = None
    result: Any = None


@dataclass
class Shown:
    """A successful action answered with a page (200, `Cache-Control: no-store`), not a redirect:
    `page()` renders it after the commit. `again`: where a second send of the same form lands,
    never this page (a once form needs it)."""

    page: Callable[[], Any]
    again: str | None = None
    message: Any = None
    category: str = "success"


ALREADY = _l("This form was already sent: here is what it made. Nothing was done twice.")
EXPIRED = _l("This form has expired. Check what you typed and send it again.")


def _page(page: Callable, status: int):
    rv = page()
    if isinstance(rv, tuple):
        rv = rv[0]
    return rv, status


def _attach(form, exc: PortalError) -> None:
    name = getattr(exc, "field", None)
    field = form[name] if form is not None and name and name in form else None
    if field is not None:
        field.errors = list(field.errors or []) + [exc.message]
    else:
        g.setdefault("form_messages", []).append(exc.message)


def _refused(form, page: Callable, status: int, steps=None):
    """The page of the form again, with the summary of what is wrong."""
    if steps is not None:
        steps.goto_errors()
    g.error_form, g.error_steps = form, steps
    return _page(page, status)


def _token_refused(form, page, steps):
    g.once_refused = True  # the form shows a new token
    g.setdefault("form_messages", []).append(EXPIRED)
    return _refused(form, page, 400, steps)


def act(form, run: Callable[[], Done | Shown], page: Callable, *, once: bool = False, steps=None):
    """See the module's docstring."""
    if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return _page(page, steps.status() if steps is not None else 200)
    if steps is not None:
        if not steps.ready():
            if steps.status() == 200:  # a step forwards or back, nothing wrong: no error summary
                return _page(page, 200)
            return _refused(form, page, steps.status(), steps)
    elif not form.validate_on_submit():
        return _refused(form, page, 400)
    row = None
    if once:
        token = once_tokens.sent_token(form)
        if not once_tokens.valid(token) or not current_user.is_authenticated:
            return _token_refused(form, page, steps)
        landed = _landed(token, form, page, steps)
        if landed is not None:
            return landed
        try:
            row = once_tokens.claim(token, current_user.id, request.endpoint or "")
        except IntegrityError:  # sent twice at once: the other send made it; go where it went
            db.session.rollback()
            landed = _landed(token, form, page, steps)
            if landed is not None:
                return landed
            raise
    try:
        done = run()
        if row is not None:
            target = done.again if isinstance(done, Shown) else (done.again or done.url)
            if not target:
                raise ValueError("a once form's Shown needs `again`: where a second send lands")
            row.target = target[:500]
        db.session.commit()
    except PortalError as exc:
        db.session.rollback()
        if exc.status in (403, 404):
            abort(exc.status)
        _attach(form, exc)
        return _refused(form, page, 400, steps)
    if done.message:
        flash(done.message, done.category)
    if isinstance(done, Shown):
        response = make_response(done.page())
        response.headers["Cache-Control"] = "no-store"
        return response
    return redirect(done.url, code=303)


def _landed(token: str, form, page, steps):
    """A second send of a form already sent: where the first one went, or a refusal when the
    token is someone else's or another form's. None when the token is new."""
    prior = once_tokens.find(token)
    if prior is None:
        return None
    if prior.user_id != current_user.id or prior.endpoint != request.endpoint or not prior.target:
        return _token_refused(form, page, steps)
    db.session.rollback()
    flash(ALREADY, "info")
    return redirect(prior.target, code=303)


def show_problems(form=None, messages=()) -> None:
    """For a page that refuses without act() (a preview that writes nothing): the error summary
    shows `form`'s field errors and `messages` (text, or (target id, text) pairs), as for a form
    refused by the wrapper."""
    if form is not None:
        g.error_form = form
    g.setdefault("form_messages", []).extend(messages)


def error_summary():
    """base.html: the error summary of the form shown again after a mistake, or None:
    {"items": [(field id or None, message), …], "files": a file had been chosen}. A message of
    `g.form_messages` may be a (target id, message) pair: a line of an uploaded file, say."""
    form = g.get("error_form")
    messages = g.get("form_messages") or []
    if form is None and not messages:
        return None
    steps = g.get("error_steps")
    items = [(m[0], str(m[1])) if isinstance(m, tuple) else (None, str(m)) for m in messages]
    files = False
    for field in form or ():
        if isinstance(field, (FileField, MultipleFileField)):
            data = field.data if isinstance(field.data, list) else [field.data]
            files = files or any(getattr(f, "filename", "") for f in data if f)
        for message in field.errors or ():
            shown = field.type not in ("HiddenField", "CSRFTokenField", "OnceTokenField") and \
                (steps is None or steps.shows(field.name))
            if shown:  # the field's question first: two "This field is required." must not look alike
                items.append((_link_target(field), _("%(question)s: %(message)s",
                                                     question=_question(field), message=message)))
            else:
                items.append((None, str(message)))
    if not items:
        items.append((None, _("Please correct the marked fields.")))
    return {"items": items, "files": files}


def _question(field) -> str:
    """A field's label without a trailing colon (labels such as "Title: what is the matter…")."""
    return str(field.label.text).strip().rstrip(":：")


def _link_target(field) -> str:
    """The id a summary link goes to: the field's own, but a radio group's first option (the group
    is a fieldset without the field's id; following the link must focus something, as in GOV.UK)."""
    if field.type == "RadioField" and field.choices:
        first = next(iter(field), None)
        if first is not None:
            return first.id
    return field.id
