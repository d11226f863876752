"""Matter forms: shape only (lengths, types, choices); services check the rules. A form that makes
something is an OnceForm: the same rendered form sent twice has one effect (portal/web/once.py)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from wtforms import BooleanField, DateField, FloatField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..web.forms import OnceForm

MAX_PHOTOS = 4
TEXT_MAX = 2000

RATING_CHOICES = [("satisfied", _l("Satisfied")), ("fair", _l("Fairly satisfied")),
                  ("unsatisfied", _l("Not satisfied"))]


class ReportForm(OnceForm):
    category = RadioField(_l("What kind of matter is it?"), coerce=str, validators=[InputRequired()])
    title = StringField(_l("In a few words: what is wrong?"), validators=[DataRequired(), Length(max=120)],
                        description=_l("For example: the street lamp at the bridge is broken."))
    description = TextAreaField(_l("What is wrong (optional)"), validators=[Optional(), Length(max=TEXT_MAX)],
                                description=_l("In your own words. You can also say it in a voice recording."))
    voice = FileField(_l("Or say it: a voice recording (optional)"),
                      description=_l("What your phone's recorder saves (M4A, 3GP, AMR, MP3, WebM, FLAC, WAV "
                                      "or Opus), at most 5 minutes and 10 MB. On a phone this opens the recorder."))
    photos = MultipleFileField(_l("Photos (optional, up to 4)"),
                               description=_l("JPEG, PNG or WebP, at most 8 MB each. Location data is removed."))
    grid = SelectField(_l("Grid (optional)"), coerce=str, validators=[Optional()])
    place = StringField(_l("Where is it? (optional)"), validators=[Optional(), Length(max=200)],
                        description=_l("For example: behind the school, next to the well."))
    latitude = FloatField(_l("Latitude (optional)"), validators=[Optional(), NumberRange(min=-90, max=90)])
    longitude = FloatField(_l("Longitude (optional)"), validators=[Optional(), NumberRange(min=-180, max=180)])
    anonymous = BooleanField(_l("Do not show my name"), validators=[Optional()],
                             description=_l("Only the committee sees who reported it."))
    on_behalf_username = StringField(_l("Reported for a resident who came in person: their user name"),
                                     validators=[Optional(), Length(max=32)],
                                     description=_l("Committee only. Leave empty to report for yourself."))
    present = BooleanField(_l("The resident is here with me in person"), validators=[Optional()])
    agreed = BooleanField(_l("I read it back to them and they agree"), validators=[Optional()])


class NoteForm(OnceForm):
    note = TextAreaField(_l("Note (optional, public)"), validators=[Optional(), Length(max=TEXT_MAX)])


class MergeForm(OnceForm):
    into = IntegerField(_l("Number of the matter it repeats"), validators=[InputRequired()])


class AskForm(OnceForm):
    question = TextAreaField(_l("What do you need to know from the reporter?"),
                             validators=[DataRequired(), Length(max=TEXT_MAX)])


class RefuseForm(OnceForm):
    reason = TextAreaField(_l("Reason (public: shown on the ledger and to the reporter)"),
                           validators=[DataRequired(), Length(max=500)])


class DispatchForm(OnceForm):
    to_unit = SelectField(_l("Send to"), coerce=int, validators=[InputRequired()])
    deadline = DateField(_l("To be done by (optional)"), validators=[Optional()],
                         description=_l("Empty: the category's usual time."))
    note = TextAreaField(_l("Note for the unit (optional, public)"), validators=[Optional(), Length(max=TEXT_MAX)])


class ResolveForm(OnceForm):
    outcome = TextAreaField(_l("What was done (public)"), validators=[DataRequired(), Length(max=1000)])


class AnswerForm(OnceForm):
    answer = TextAreaField(_l("Your answer"), validators=[DataRequired(), Length(max=TEXT_MAX)])


class ConfirmForm(OnceForm):
    fixed = RadioField(_l("Is it fixed?"), choices=[("yes", _l("Yes, it is fixed")), ("no", _l("No, it is not fixed"))],
                       validators=[InputRequired()])
    note = TextAreaField(_l("What is still wrong (needed if it is not fixed)"),
                         validators=[Optional(), Length(max=TEXT_MAX)])


class RateForm(OnceForm):
    rating = RadioField(_l("How satisfied are you?"), choices=RATING_CHOICES, validators=[InputRequired()])


class ReopenForm(OnceForm):
    reason = TextAreaField(_l("Why is it not done?"), validators=[DataRequired(), Length(max=TEXT_MAX)])


class LedgerFilterForm(FlaskForm):
    class Meta:
        csrf = False

    state = SelectField(_l("Show"), validators=[Optional()])
