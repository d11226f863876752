"""Mediation forms: shape only (lengths, types, choices); services check the rules. A form that
makes something (a case, an assignment, a session, an outcome, a follow-up, a rating, a request)
is an OnceForm: the same rendered form sent twice has one effect (portal/web/once.py)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from wtforms import BooleanField, DateField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..web.forms import OnceForm
from .labels import CATEGORY_LABELS, KEPT_LABELS, REFERRAL_LABELS

TEXT_MAX = 5000
MAX_PHOTOS = 4


def _choices(labels: dict):
    return list(labels.items())


class IntakeForm(OnceForm):
    category = RadioField(_l("What is the dispute about?"), choices=_choices(CATEGORY_LABELS),
                          validators=[InputRequired()])
    what_happened = TextAreaField(_l("What happened?"), validators=[DataRequired(), Length(max=TEXT_MAX)],
                                  description=_l("In your own words. You can also say it in a voice recording below."))
    what_they_want = TextAreaField(_l("What would you like to happen?"),
                                   validators=[DataRequired(), Length(max=TEXT_MAX)])
    other_party_name = StringField(_l("Who is the other party? (name)"), validators=[DataRequired(), Length(max=80)])
    other_party_contact = StringField(_l("How can the other party be reached? (phone or address, optional)"),
                                      validators=[Optional(), Length(max=80)])
    other_party_username = StringField(_l("The other party's user name on this portal, if they have one (optional)"),
                                       validators=[Optional(), Length(max=32)])
    contact_time = StringField(_l("When can we best reach you? (optional)"), validators=[Optional(), Length(max=80)],
                               description=_l("For example: weekday evenings, after 6 pm."))
    urgency = RadioField(_l("How urgent is it?"), choices=[("normal", _l("Normal")),
                                                          ("urgent", _l("Urgent: it may get worse soon"))],
                         default="normal", validators=[InputRequired()])
    photos = MultipleFileField(_l("Photos (optional, up to 4)"),
                               description=_l("JPEG, PNG or WebP, at most 8 MB each. Location data is removed."))
    voice = FileField(_l("Or say it: a voice recording (optional)"),
                      description=_l("What your phone's recorder saves (M4A, 3GP, AMR, MP3, WebM, FLAC, WAV "
                                      "or Opus), at most 5 minutes and 10 MB. On a phone this opens the recorder."))
    on_behalf_username = StringField(_l("Filed for a resident who came in person: their user name"),
                                     validators=[Optional(), Length(max=32)],
                                     description=_l("Committee only. Leave empty to file for yourself."))
    # With a resident's user name: both confirmations, as for every assisted action (portal/assisted).
    present = BooleanField(_l("The resident is here with me in person"), validators=[Optional()])
    agreed = BooleanField(_l("I read it back to them and they agree"), validators=[Optional()])
    consent = BooleanField(_l("I agree to the use of these details as described above."),
                           validators=[DataRequired()])


class TriageForm(FlaskForm):
    decision = RadioField(_l("Decision"), choices=[("accept", _l("Accept the case for mediation")),
                                                   ("decline", _l("Decline"))], validators=[InputRequired()])
    reason = TextAreaField(_l("Reason (shown to the person who asked; needed when declining)"),
                           validators=[Optional(), Length(max=TEXT_MAX)])
    referral = SelectField(_l("Where they can turn instead (when declining)"),
                           choices=[("", _l("Not needed"))] + _choices(REFERRAL_LABELS), validators=[Optional()])


class OtherPartyForm(FlaskForm):
    agrees = RadioField(_l("Does the other party agree to mediation?"),
                        choices=[("yes", _l("Yes, they agree")), ("no", _l("No, they refuse"))],
                        validators=[InputRequired()])


class AssignForm(OnceForm):
    """The committee assigns; the mediator declares no conflict himself (NoConflictForm)."""

    mediator = SelectField(_l("Mediator"), coerce=int, validators=[InputRequired()])


class NoConflictForm(OnceForm):
    """The assigned mediator's own declaration (回避), on the case page as he sees it."""

    declare = BooleanField(_l("I declare that I am not related to either party, have no interest in the matter "
                              "and nothing else that could make me partial in this case."),
                           validators=[DataRequired(_l("Tick the box to declare it, or step aside."))])


class WithdrawForm(OnceForm):
    """The requester takes the request back (after the check screen)."""


class ChangeMediatorForm(OnceForm):
    assignment = SelectField(_l("Which mediator"), coerce=int, validators=[InputRequired()])
    reason = TextAreaField(_l("Why (optional; only the committee reads it)"),
                           validators=[Optional(), Length(max=2000)])


class SessionForm(OnceForm):
    held_on = DateField(_l("Date"), validators=[InputRequired()])
    place = StringField(_l("Place"), validators=[DataRequired(), Length(max=120)])
    attendees = StringField(_l("Who attended"), validators=[Optional(), Length(max=300)])
    notes = TextAreaField(_l("Private notes (mediators and committee only)"),
                          validators=[Optional(), Length(max=TEXT_MAX)])


class OutcomeForm(OnceForm):
    kind = RadioField(_l("Outcome"), choices=[("written", _l("Written agreement")),
                                              ("oral", _l("Oral agreement")),
                                              ("failed", _l("No agreement"))], validators=[InputRequired()])
    facts = TextAreaField(_l("Facts of the dispute (for an oral agreement: what was agreed)"),
                          validators=[Optional(), Length(max=TEXT_MAX)])
    issues = TextAreaField(_l("Points in dispute"), validators=[Optional(), Length(max=TEXT_MAX)])
    term1 = TextAreaField(_l("Term 1: what was agreed"), validators=[Optional(), Length(max=TEXT_MAX)])
    how1 = StringField(_l("Term 1: how it is carried out"), validators=[Optional(), Length(max=300)])
    due1 = DateField(_l("Term 1: by when"), validators=[Optional()])
    term2 = TextAreaField(_l("Term 2: what was agreed (optional)"), validators=[Optional(), Length(max=TEXT_MAX)])
    how2 = StringField(_l("Term 2: how it is carried out"), validators=[Optional(), Length(max=300)])
    due2 = DateField(_l("Term 2: by when"), validators=[Optional()])
    note = TextAreaField(_l("No agreement: what was explained to the parties about other ways"),
                         validators=[Optional(), Length(max=TEXT_MAX)])
    referral = SelectField(_l("Other way explained (no agreement)"),
                           choices=[("", _l("Not needed"))] + _choices(REFERRAL_LABELS), validators=[Optional()])

    def terms(self):
        return [(self.term1.data, self.how1.data, self.due1.data), (self.term2.data, self.how2.data, self.due2.data)]


class FollowUpForm(OnceForm):
    kept = RadioField(_l("Were the terms kept?"), choices=_choices(KEPT_LABELS), validators=[InputRequired()])
    note = TextAreaField(_l("Notes of the follow-up visit"), validators=[Optional(), Length(max=TEXT_MAX)])


class RatingForm(OnceForm):
    stars = RadioField(_l("How well was your case handled? (1 = badly, 5 = very well)"), coerce=int,
                       choices=[(i, str(i)) for i in range(1, 6)], validators=[InputRequired()])
    comment = TextAreaField(_l("Comment (optional; shown to nobody by name)"),
                            validators=[Optional(), Length(max=1000)])


class CorrectionForm(OnceForm):
    body = TextAreaField(_l("What is wrong, and what is right?"), validators=[DataRequired(), Length(max=TEXT_MAX)])


class CaseFilterForm(FlaskForm):
    class Meta:
        csrf = False

    state = SelectField(_l("Show"), validators=[Optional()])
