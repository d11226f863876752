"""Roster forms: shape only."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, PasswordField, SelectField
from wtforms.validators import DataRequired, EqualTo, Length

from ..web.forms import OnceForm
from .csvfile import MAX_BYTES


class UploadForm(FlaskForm):
    roster = FileField(_l("Roster file (CSV: name, household, mobile)"), validators=[FileRequired()],
                       description=_l("Save the table from Excel or WPS as CSV. The first line may name the "
                                      "columns: 姓名, 户, 手机."))


class ConfirmForm(OnceForm):
    roster_text = HiddenField(validators=[DataRequired(), Length(max=MAX_BYTES * 2)])


class RepresentativeForm(FlaskForm):
    membership_id = SelectField(_l("Representative of the household"), coerce=int, validators=[DataRequired()])


class CardSecretForm(FlaskForm):
    secret = PasswordField(_l("Your new PIN (6 digits or more) or password"),
                           validators=[DataRequired(), Length(max=128)])
    confirm = PasswordField(_l("The same again"),
                            validators=[DataRequired(), EqualTo("secret", _l("The two entries differ."))])
