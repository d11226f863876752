"""Proposal forms: shape only (lengths, types, choices); services check the rules."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from wtforms import BooleanField, HiddenField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..assisted.forms import ResidentForm
from ..web.forms import OnceForm
from .services import BODY_MAX, TITLE_MAX

MAX_PHOTOS = 4


def category_id(value):
    """A category's id, or None for the "Choose…" prompt (nothing chosen: DataRequired says so)."""
    if value in ("", None):
        return None
    return int(value)


class ProposalForm(OnceForm):
    title = StringField(_l("Title: what is the matter, in a few words"),
                        validators=[DataRequired(), Length(max=TITLE_MAX)])
    body = TextAreaField(_l("What should change, and why?"), validators=[DataRequired(), Length(max=BODY_MAX)],
                         description=_l("Plain text. Line breaks are kept; web links become clickable."))
    # No category is chosen for the person: the list starts with a "Choose…" prompt (blueprint.category_choices).
    category = SelectField(_l("Category"), coerce=category_id,
                           validators=[DataRequired(_l("Choose the kind of matter."))])
    photos = MultipleFileField(_l("Photos (optional, up to 4)"),
                               description=_l("JPEG, PNG or WebP, at most 8 MB each. Location data is removed."))
    voice = FileField(_l("Or say it: a voice recording (optional)"),
                      description=_l("What your phone's recorder saves (M4A, 3GP, AMR, MP3, WebM, FLAC, WAV "
                                      "or Opus), at most 5 minutes and 10 MB. On a phone this opens the recorder."))


class AnswerForm(FlaskForm):
    decision = RadioField(_l("Decision"), choices=[("accepted", _l("Accepted: we will do it")),
                                                   ("planned", _l("Already planned")),
                                                   ("rejected", _l("Rejected"))],
                          validators=[DataRequired()])
    body = TextAreaField(_l("Official answer (public)"), validators=[DataRequired(), Length(max=BODY_MAX)],
                         description=_l("Explain the decision in plain words: what will happen, when, and who is responsible."))


class ProgressForm(OnceForm):
    body = TextAreaField(_l("Progress report (public)"), validators=[DataRequired(), Length(max=BODY_MAX)])
    implemented = BooleanField(_l("The work is finished"))


class CommentForm(OnceForm):
    body = TextAreaField(_l("Your comment"), validators=[DataRequired(), Length(max=2000)])
    parent_id = HiddenField(validators=[Optional(), Length(max=10)])


class SettingsForm(FlaskForm):
    support_threshold = IntegerField(_l("Supports needed for a committee answer"),
                                     validators=[DataRequired(), NumberRange(min=1, max=100000)])
    threshold_percent = IntegerField(_l("Or: percentage of verified residents (leave empty to use the number)"),
                                     validators=[Optional(), NumberRange(min=1, max=100)])
    answer_days = IntegerField(_l("Days the committee has to answer"),
                               validators=[DataRequired(), NumberRange(min=1, max=365)])


class CategoryForm(FlaskForm):
    key = StringField(_l("Key (letters and digits, for the address)"), validators=[DataRequired(), Length(max=30)])
    name_zh = StringField(_l("Name in Chinese"), validators=[DataRequired(), Length(max=40)])
    name_en = StringField(_l("Name in English"), validators=[DataRequired(), Length(max=60)])


class SearchForm(FlaskForm):
    """GET filters of the list page (no CSRF: read-only)."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=100)])
    state = SelectField(_l("State"), validators=[Optional()])
    category = SelectField(_l("Category"), validators=[Optional()])
    sort = SelectField(_l("Order"), validators=[Optional()],
                       choices=[("newest", _l("Newest")), ("supported", _l("Most supported")),
                                ("oldest", _l("Oldest unanswered"))])


class AssistedProposalForm(ResidentForm, ProposalForm):
    """The committee writes the proposal of a resident who is here."""


class AssistedSupportForm(ResidentForm, OnceForm):
    """The committee records the support of a resident who is here."""
