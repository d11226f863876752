"""The resident and the two confirmations every assisted form starts with (shape only)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..web.forms import OnceForm
from .services import REASON_MAX


class ResidentForm(FlaskForm):
    resident = StringField(_l("User name or mobile number of the resident"),
                           validators=[DataRequired(), Length(max=32)],
                           description=_l("Their login card shows it."))
    present = BooleanField(_l("The resident is here with me in person"), validators=[DataRequired()])
    agreed = BooleanField(_l("I read it back to them and they agree"), validators=[DataRequired()])


class DisputeForm(OnceForm):
    reason = TextAreaField(_l("What is wrong?"), validators=[DataRequired(), Length(max=REASON_MAX)])
