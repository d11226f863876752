"""Forms every capability uses: a bare button form, and the one-time token of forms that create
something (portal/web/once.py)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField

from .once import token_for


class ButtonForm(FlaskForm):
    """Just the CSRF token, for one-button actions."""


class OnceTokenField(HiddenField):
    """The hidden one-time token of a rendered form: the one that was sent when the form is shown
    again after a mistake (nothing was made, so it may be sent again), else a new one."""

    def _value(self):
        return token_for(self.data)


class OnceForm(FlaskForm):
    """A form that creates something: the same rendered form sent twice has one effect. Its
    token renders with `form.hidden_tag()` or `{{ form.submit_token }}`."""

    submit_token = OnceTokenField()


class OnceButtonForm(OnceForm):
    """A one-button action that creates something."""


