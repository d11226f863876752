"""Forms of the units' matters pages: shape only; services.py checks the rules. Every action is
an OnceForm: the same rendered form sent twice has one effect (portal/web/once.py)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import IntegerField, RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..web.forms import OnceButtonForm, OnceForm

TEXT_MAX = 2000
REASON_MAX = 500


class AcceptForm(OnceButtonForm):
    """签收: the unit takes the matter on."""


class RecallForm(OnceButtonForm):
    """The sender takes the matter back before it is accepted."""


class ReturnForm(OnceForm):
    reason = TextAreaField(_l("Why does it not belong to your unit?"),
                           validators=[DataRequired(), Length(max=REASON_MAX)],
                           description=_l("The unit that sent it reads this and decides again."))


class NoteForm(OnceForm):
    text = TextAreaField(_l("Progress note"), validators=[DataRequired(), Length(max=TEXT_MAX)],
                         description=_l("Public on the matter's path: no names or phone numbers."))


class ExtensionForm(OnceForm):
    hours = IntegerField(_l("How many hours more?"), validators=[InputRequired(), NumberRange(min=1, max=720)],
                         description=_l("Between 1 hour and 30 days (720 hours). You can ask only once."))
    reason = TextAreaField(_l("Why do you need longer?"), validators=[DataRequired(), Length(max=REASON_MAX)])


class DecideExtensionForm(OnceForm):
    decision = RadioField(_l("The longer deadline"), choices=[("grant", _l("Grant it")), ("refuse", _l("Refuse it"))],
                          validators=[InputRequired()])


class ResolveForm(OnceForm):
    outcome = TextAreaField(_l("What was done?"), validators=[DataRequired(), Length(max=1000)],
                            description=_l("Public: the reporter and the ledger read it."))
    photo = FileField(_l("A photo of the result (optional)"),
                      description=_l("JPEG, PNG or WebP, at most 8 MB. Location data is removed."))


class DispatchForm(OnceForm):
    to_unit = SelectField(_l("Send it to"), coerce=int, validators=[InputRequired()])
    deadline_hours = IntegerField(_l("Deadline in hours (optional)"), validators=[Optional(), NumberRange(min=1, max=8760)],
                         description=_l("Empty: the category's usual deadline."))
    dispatch_note = TextAreaField(_l("Note for the receiving unit (optional)"), validators=[Optional(), Length(max=TEXT_MAX)])


class UrgeForm(OnceForm):
    urge_note = TextAreaField(_l("What should the unit holding it do, and by when?"),
                         validators=[DataRequired(), Length(max=TEXT_MAX)])
