"""Poll forms: shape only (lengths, types, choices); services check the rules."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, Field, IntegerField, RadioField, SelectField
from wtforms import SelectMultipleField, StringField, TextAreaField
from wtforms.utils import unset_value
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from ..web.forms import OnceForm
from .services import DESCRIPTION_MAX, QUESTION_MAX

OPTIONS_MAX = 2500  # 20 options of up to 120 characters, one per line

KIND_CHOICES = [("yes_no_abstain", _l("Yes / No / Abstain")), ("single", _l("Choose one option")),
                ("up_to_k", _l("Choose several options, up to a number you set"))]
PRESET_CHOICES = [("simple_majority", _l("Simple majority: more yes than no")),
                  ("two_thirds", _l("Two thirds of the yes and no votes")),
                  ("villagers_meeting", _l("Villagers' meeting: valid if more than half of the residents, or two "
                                           "thirds of the households where the roster records them, take part; "
                                           "passes with more than half of those taking part"))]
SECRECY_CHOICES = [("secret", _l("Secret: nobody can see who chose what")),
                   ("rollcall", _l("Roll-call: names and choices are published after closing"))]


class PollForm(OnceForm):
    """A new poll, or the changes to one (the one-time token counts only for a new one)."""

    question = StringField(_l("Question"), validators=[DataRequired(), Length(max=QUESTION_MAX)])
    description = TextAreaField(_l("Explanation (optional)"), validators=[Optional(), Length(max=DESCRIPTION_MAX)],
                                description=_l("What is decided, what it costs, what happens after the vote."))
    kind = RadioField(_l("Kind of poll"), choices=KIND_CHOICES, default="yes_no_abstain", validators=[DataRequired()])
    options = TextAreaField(_l("Options, one per line (not needed for yes / no / abstain)"),
                            validators=[Optional(), Length(max=OPTIONS_MAX)])
    k = IntegerField(_l("At most how many options each person may choose"),
                     description=_l("Only for “choose several options”. For example 3: each person chooses up to 3."),
                     validators=[Optional(), NumberRange(min=1, max=19)])
    secrecy = RadioField(_l("Secrecy"), choices=SECRECY_CHOICES, default="secret", validators=[DataRequired()])
    preset = RadioField(_l("Rule for a valid vote and for passing"), choices=PRESET_CHOICES,
                        default="simple_majority", validators=[DataRequired()])
    opens_at = DateTimeLocalField(_l("Opening time"), format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
                                  validators=[DataRequired()])
    closes_at = DateTimeLocalField(_l("Closing time"), format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
                                   validators=[DataRequired()])
    # Choices: this community's proposals (views set them, links.LinkKind.choices); 0 = none.
    proposal = SelectField(_l("The proposal this vote decides (optional)"), coerce=int, default=0,
                           validators=[Optional()], validate_choice=False)


class ChoiceForm(OnceForm):
    """The resident's choice (radio buttons, or checkboxes for “up to k”). Its one-time token is
    rendered on the poll's page and carried through the confirmation page to the cast."""

    choice = SelectMultipleField(_l("Your choice"), coerce=int, validate_choice=False, validators=[DataRequired()])


class AssistedForm(FlaskForm):
    voter = SelectField(_l("Resident who is present"), coerce=int, validators=[DataRequired()])
    choice = SelectMultipleField(_l("Their choice"), coerce=int, validate_choice=False, validators=[DataRequired()])
    present = BooleanField(_l("The resident is here in person and told me this choice themselves"),
                           validators=[DataRequired()])
    agreed = BooleanField(_l("I read it back to them and they agree"), validators=[DataRequired()])


class PaperMarkForm(FlaskForm):
    voters = SelectMultipleField(_l("Residents who voted on paper"), coerce=int, validators=[DataRequired()])


class CountsField(Field):
    """The paper count of every option, sent as count-1, count-2, … (one input per option; the view
    sets `expected`, the number of options). Its id is the first input's, where the error
    summary's link goes; its message is shown under the inputs (`counts-error`)."""

    widget = None

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("id", "count-1")
        super().__init__(label, validators, **kwargs)
        self.expected = 0
        self.raw: dict[str, str] = {}

    def process(self, formdata, data=unset_value, extra_filters=None):
        self.process_errors = []
        self.object_data = data
        self.data = None
        self.raw = {} if formdata is None else {k: formdata.get(k, "") for k in formdata if k.startswith("count-")}

    def value(self, position: int) -> str:
        """What was typed for the option at this position (kept after a mistake)."""
        return self.raw.get(f"count-{position}", "")

    def pre_validate(self, form):
        counts = []
        for position in range(1, self.expected + 1):
            raw = self.value(position).strip()
            if not (raw.isascii() and raw.isdigit()) or len(raw) > 7:
                raise ValidationError(_l("Please give a count (0 or more) for every option."))
            counts.append(int(raw))
        self.data = counts


class PaperTotalsForm(OnceForm):
    """The counted paper totals. Per-option counts arrive as count-1, count-2, … (`counts`)."""

    ballots = IntegerField(_l("Paper ballots in the box"), validators=[InputRequired(), NumberRange(min=0, max=1_000_000)])
    invalid = IntegerField(_l("Of these, invalid or blank"), default=0,
                           validators=[Optional(), NumberRange(min=0, max=1_000_000)])
    counts = CountsField(_l("Votes for each option"))


class LookupForm(FlaskForm):
    """Find my ballot: sent by POST, so that the code is in no URL (views.find)."""

    tracker = StringField(_l("Your receipt code"), validators=[DataRequired(), Length(max=40)])
