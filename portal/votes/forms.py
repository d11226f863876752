"""Poll forms: shape only (lengths, types, choices); services check the rules."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, IntegerField, RadioField, SelectField, SelectMultipleField
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from .services import DESCRIPTION_MAX, QUESTION_MAX

OPTIONS_MAX = 2500  # 20 options of up to 120 characters, one per line

KIND_CHOICES = [("yes_no_abstain", _l("Yes / No / Abstain")), ("single", _l("Choose one option")),
                ("up_to_k", _l("Choose up to k options"))]
PRESET_CHOICES = [("simple_majority", _l("Simple majority: more yes than no")),
                  ("two_thirds", _l("Two thirds of the yes and no votes")),
                  ("villagers_meeting", _l("Villagers' meeting: valid if more than half of the residents, or two "
                                           "thirds of the households where the roster records them, take part; "
                                           "passes with more than half of those taking part"))]
SECRECY_CHOICES = [("secret", _l("Secret: nobody can see who chose what")),
                   ("rollcall", _l("Roll-call: names and choices are published after closing"))]


class PollForm(FlaskForm):
    question = StringField(_l("Question"), validators=[DataRequired(), Length(max=QUESTION_MAX)])
    description = TextAreaField(_l("Explanation (optional)"), validators=[Optional(), Length(max=DESCRIPTION_MAX)],
                                description=_l("What is decided, what it costs, what happens after the vote."))
    kind = RadioField(_l("Kind of poll"), choices=KIND_CHOICES, default="yes_no_abstain", validators=[DataRequired()])
    options = TextAreaField(_l("Options, one per line (not needed for yes / no / abstain)"),
                            validators=[Optional(), Length(max=OPTIONS_MAX)])
    k = IntegerField(_l("k: how many options each person may choose (for “up to k”)"),
                     validators=[Optional(), NumberRange(min=1, max=19)])
    secrecy = RadioField(_l("Secrecy"), choices=SECRECY_CHOICES, default="secret", validators=[DataRequired()])
    preset = RadioField(_l("Rule for a valid vote and for passing"), choices=PRESET_CHOICES,
                        default="simple_majority", validators=[DataRequired()])
    opens_at = DateTimeLocalField(_l("Opening time"), format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
                                  validators=[DataRequired()])
    closes_at = DateTimeLocalField(_l("Closing time"), format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
                                   validators=[DataRequired()])
    proposal = IntegerField(_l("Number of the proposal this vote decides (optional)"),
                            validators=[Optional(), NumberRange(min=1, max=2**31 - 1)])


class ChoiceForm(FlaskForm):
    """The resident's choice (radio buttons, or checkboxes for “up to k”)."""

    choice = SelectMultipleField(_l("Your choice"), coerce=int, validate_choice=False, validators=[DataRequired()])


class AssistedForm(FlaskForm):
    voter = SelectField(_l("Resident who is present"), coerce=int, validators=[DataRequired()])
    choice = SelectMultipleField(_l("Their choice"), coerce=int, validate_choice=False, validators=[DataRequired()])
    present = BooleanField(_l("The resident is here in person and told me this choice themselves"),
                           validators=[DataRequired()])
    agreed = BooleanField(_l("I read it back to them and they agree"), validators=[DataRequired()])


class PaperMarkForm(FlaskForm):
    voters = SelectMultipleField(_l("Residents who voted on paper"), coerce=int, validators=[DataRequired()])


class PaperTotalsForm(FlaskForm):
    """Per-option counts arrive as count-1, count-2, ... (one per option; read by the view)."""

    ballots = IntegerField(_l("Paper ballots in the box"), validators=[InputRequired(), NumberRange(min=0, max=1_000_000)])
    invalid = IntegerField(_l("Of these, invalid or blank"), default=0,
                           validators=[Optional(), NumberRange(min=0, max=1_000_000)])


class LookupForm(FlaskForm):
    class Meta:
        csrf = False

    tracker = StringField(_l("Your receipt code"), validators=[Optional(), Length(max=40)])
