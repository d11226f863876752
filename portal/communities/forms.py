"""Community forms: shape only."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class JoinForm(FlaskForm):
    message = TextAreaField(_l("A word for the committee (optional)"), validators=[Optional(), Length(max=300)],
                            description=_l("For example your household or your group (村民小组)."))


class RejectForm(FlaskForm):
    reason = StringField(_l("Reason (the person asking will see it)"), validators=[DataRequired(), Length(max=300)])


class AddResidentForm(FlaskForm):
    username = StringField(_l("User name or mobile number of the resident"),
                           validators=[DataRequired(), Length(max=32)])


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=[("committee", _l("Committee")), ("mediator", _l("Mediator")),
                                          ("grid_worker", _l("Grid worker"))],
                       validators=[DataRequired()])


class EmptyForm(FlaskForm):
    """Just the CSRF token, for one-button actions."""
