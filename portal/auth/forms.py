"""Account forms: shape only (lengths, types, choices)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from .services import PASSWORD_MAX, PASSWORD_MIN


class RegisterForm(FlaskForm):
    username = StringField(_l("User name or mobile number"), validators=[DataRequired(), Length(max=32)],
                           description=_l("Letters and digits, or your 11-digit mobile number. You sign in with it."))
    display_name = StringField(_l("Your name as neighbours know it"), validators=[DataRequired(), Length(max=50)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(min=PASSWORD_MIN, max=PASSWORD_MAX)],
                             description=_l("At least 8 characters."))
    confirm = PasswordField(_l("Password again"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))])


class LoginForm(FlaskForm):
    login = StringField(_l("User name or mobile number"), validators=[DataRequired(), Length(max=32)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=PASSWORD_MAX)])
    next = HiddenField(validators=[Optional(), Length(max=500)])


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=PASSWORD_MAX)])
    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=PASSWORD_MIN, max=PASSWORD_MAX)],
                        description=_l("At least 8 characters."))
    confirm = PasswordField(_l("New password again"),
                            validators=[DataRequired(), EqualTo("new", message=_l("The two passwords differ."))])


class ProfileForm(FlaskForm):
    display_name = StringField(_l("Your name as neighbours know it"), validators=[DataRequired(), Length(max=50)])
    locale = SelectField(_l("Language"), choices=[("", _l("Automatic")), ("zh_Hans", "中文"), ("en", "English")],
                         validators=[Optional()])
    large = BooleanField(_l("Large text"))
    contrast = BooleanField(_l("High contrast"))
    easy = BooleanField(_l("Easy reading"), description=_l("Big buttons with pictures, short words, one question at a time."))
