"""Rules forms: shape only (lengths, types, choices); services check the rules. A form that
creates something (a document, a chapter, a clause, a version, an amendment, a comment, an
assisted support, the adoption poll) is an OnceForm: the same rendered form sent twice has one
effect (portal/web/once.py)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, Optional

from ..assisted.forms import ResidentForm
from ..web.forms import OnceButtonForm, OnceForm

from .models import CHAPTER_MAX, CLAUSE_MAX, FILING_REF_MAX, RATIONALE_MAX, REASON_MAX, TITLE_MAX

KIND_LABELS = {
    "village_rules": _l("Village rules and conventions"),
    "residents_convention": _l("Residents' convention"),
    "sanitation_agreement": _l("Sanitation agreement"),
    "other": _l("Other agreement"),
}


class DocumentForm(OnceForm):
    title = StringField(_l("Title of the document"), validators=[DataRequired(), Length(max=TITLE_MAX)])
    kind = SelectField(_l("Kind"), choices=list(KIND_LABELS.items()), validators=[DataRequired()])


class ChapterForm(FlaskForm):
    """A chapter's title (renaming; NewChapterForm adds one)."""

    title = StringField(_l("Chapter title"), validators=[DataRequired(), Length(max=CHAPTER_MAX)])


class NewChapterForm(ChapterForm, OnceForm):
    """A new chapter at the end of the draft."""


class ClauseForm(FlaskForm):
    """A clause's text (editing; NewClauseForm adds one, to a chapter)."""

    text = TextAreaField(_l("Text of the clause"), validators=[DataRequired(), Length(max=CLAUSE_MAX)])
    chapter = SelectField(_l("Chapter"), coerce=int, validators=[Optional()])


class NewClauseForm(ClauseForm, OnceForm):
    """A new clause at the end of the chosen chapter."""


class ConsultationForm(FlaskForm):
    # InputRequired, not DataRequired: a day that is no date is told so, not "required".
    start = DateField(_l("First day of the consultation"), validators=[InputRequired()])
    end = DateField(_l("Last day of the consultation"), validators=[InputRequired()])


class ReasonForm(OnceForm):
    """Why a new version is made: a new draft of adopted rules, or the next version after the
    revision (both create a version)."""

    reason = StringField(_l("Reason (public)"), validators=[DataRequired(), Length(max=REASON_MAX)])


class AmendmentForm(OnceForm):
    kind = RadioField(_l("What do you propose?"), choices=[("change", _l("Change this clause")),
                                                           ("delete", _l("Delete this clause")),
                                                           ("new", _l("Add a new clause after it"))],
                      default="change", validators=[DataRequired()])
    text = TextAreaField(_l("Your text for the clause"), validators=[Optional(), Length(max=CLAUSE_MAX)],
                         description=_l("It starts as the clause reads now: change what should be different. "
                                        "For a deletion it is not used."))
    rationale = TextAreaField(_l("Why?"), validators=[DataRequired(), Length(max=RATIONALE_MAX)])


class DecisionForm(FlaskForm):
    decision = RadioField(_l("Decision"), choices=[("accepted", _l("Accept as proposed")),
                                                   ("merged", _l("Merge with edits")),
                                                   ("rejected", _l("Reject"))],
                          validators=[DataRequired()])
    merged_text = TextAreaField(_l("Edited text (only when merging)"),
                                validators=[Optional(), Length(max=CLAUSE_MAX)])
    reason = StringField(_l("Public reason for the decision"), validators=[DataRequired(), Length(max=REASON_MAX)])


class FilingForm(FlaskForm):
    filed_on = DateField(_l("Date of filing"), validators=[InputRequired()])
    reference = StringField(_l("Filing reference number"), validators=[DataRequired(), Length(max=FILING_REF_MAX)])


class ClauseCommentForm(OnceForm):
    """A comment on a clause or an amendment."""

    body = TextAreaField(_l("Your comment"), validators=[DataRequired(), Length(max=2000)])
    parent_id = HiddenField(validators=[Optional(), Length(max=10)])


class MoveForm(FlaskForm):
    direction = HiddenField(validators=[DataRequired(_l("A clause moves up or down.")), Length(max=4),
                                        AnyOf(("up", "down"), message=_l("A clause moves up or down."))])


class AdoptionVoteForm(OnceButtonForm):
    """The committee's button that opens the adoption poll (it creates the poll)."""


class AssistedSupportForm(ResidentForm, OnceForm):
    """The support of a resident who came in person (portal/assisted), for an amendment."""
