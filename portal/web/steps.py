"""One question per screen in easy reading mode, for any Flask-WTF form.

A view that would write `if form.validate_on_submit():` writes instead

    steps = Steps(form, [["title"], ["body"], ["category"], ["photos", "voice"]])
    if steps.ready():

and its template shows a field only where `steps.shows(name)`, puts `{{ steps.carried() }}` in the
form and the navigation macro `step_nav(steps)` (templates/_macros/steps.html) at the end. In the
other display modes nothing changes: every field shows and ready() is validate_on_submit().

In easy mode the answers of the other steps travel with the form as hidden fields, so nothing is
stored and no JavaScript is needed until the last step is sent; "Next" checks only the fields of
the current step, "Back" checks nothing. File fields can only be asked on the last step (a browser
cannot carry a chosen file from one page to the next). When the last step is sent, the whole form
is validated as usual; if an earlier answer is wrong, the first step with an error is shown again.
"""
from __future__ import annotations

from flask import request
from flask_babel import gettext
from markupsafe import Markup, escape
from wtforms import BooleanField, FileField, MultipleFileField

from .display import current_modes

STEP_FIELD = "_step"
MOVE_FIELD = "_move"


class Steps:
    def __init__(self, form, steps: list[list[str]]):
        self.form = form
        self.steps = [list(s) for s in steps if s]
        for name in (n for s in self.steps[:-1] for n in s):
            if isinstance(form[name], (FileField, MultipleFileField)):
                raise ValueError(f"file field {name!r} must be on the last step")
        self.active = bool(current_modes().get("easy"))
        self.index = 0
        if self.active and request.method == "POST":
            try:
                self.index = max(0, min(int(request.form.get(STEP_FIELD, "0")), len(self.steps) - 1))
            except ValueError:
                self.index = 0

    # -- the view's side ------------------------------------------------------------

    def ready(self) -> bool:
        """True when the whole form was sent and is valid (the view may now act on it)."""
        if not self.active:
            return self.form.validate_on_submit()
        if request.method != "POST":
            return False
        move = request.form.get(MOVE_FIELD)
        if move == "back":
            self.index = max(0, self.index - 1)
            return False
        if move == "next":
            fields = [self.form[n] for n in self.steps[self.index]]
            csrf = getattr(self.form, "csrf_token", None)
            ok = all([f.validate(self.form) for f in fields]) and (csrf is None or csrf.validate(self.form))
            if ok and self.index < len(self.steps) - 1:
                self.index += 1
            return False
        if self.form.validate_on_submit():
            return True
        self.goto_errors()
        return False

    def goto_errors(self) -> None:
        """Show the first step with an error (also after the view added one of its own)."""
        if not self.active:
            return
        for i, names in enumerate(self.steps):
            if any(self.form[n].errors for n in names):
                self.index = i
                return

    def status(self) -> int:
        """The HTTP status of a page showing the form: 400 when what was sent has a mistake;
        a step forwards or back is a plain 200."""
        if request.method != "POST":
            return 200
        return 400 if (not self.moving or self.has_errors) else 200

    @property
    def moving(self) -> bool:
        """A "Next" or "Back" post: not an error, answer 200."""
        return self.active and request.method == "POST" and request.form.get(MOVE_FIELD) in ("next", "back")

    @property
    def has_errors(self) -> bool:
        return any(f.errors for f in self.form)

    # -- the template's side ----------------------------------------------------------

    @property
    def number(self) -> int:
        return self.index + 1

    @property
    def count(self) -> int:
        return len(self.steps)

    @property
    def is_first(self) -> bool:
        return not self.active or self.index == 0

    @property
    def is_last(self) -> bool:
        return not self.active or self.index == len(self.steps) - 1

    def shows(self, name: str) -> bool:
        return not self.active or name in self.steps[self.index]

    def carried(self) -> Markup:
        """Hidden inputs: the current step's number and the answers of the other steps."""
        if not self.active:
            return Markup("")
        out = [f'<input type="hidden" name="{STEP_FIELD}" value="{self.index}">']
        for i, names in enumerate(self.steps):
            if i == self.index:
                continue
            for name in names:
                field = self.form[name]
                for value in _values(field):
                    out.append(f'<input type="hidden" name="{escape(field.name)}" value="{escape(value)}">')
        return Markup("\n".join(out))

    def answers(self) -> list[tuple[str, str]]:
        """(question, answer in words) of every step before the last: the confirmation screen."""
        return [(question, answer) for _name, question, answer in self.named_answers()]

    def named_answers(self) -> list[tuple[str, str, str]]:
        """(field name, question, answer in words) of every step before the last, so that the
        confirmation screen can ask each question in the words its step used."""
        rows = []
        for names in self.steps[:-1]:
            for name in names:
                field = self.form[name]
                rows.append((name, str(field.label.text), _in_words(field)))
        return rows


def _values(field) -> list[str]:
    if isinstance(field, (FileField, MultipleFileField)):
        return []
    if isinstance(field, BooleanField):
        return ["y"] if field.data else []
    if field.raw_data:
        return [str(v) for v in field.raw_data]
    if field.data is None or field.data == "":
        return []
    return [str(field.data)]


def _in_words(field) -> str:
    if isinstance(field, BooleanField):
        return gettext("Yes") if field.data else gettext("No")
    if getattr(field, "choices", None):  # the chosen option's label, not its value
        return next((str(label) for _value, label, selected, *_rest in field.iter_choices() if selected), "")
    return str(field.data or "")
