from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from ..web.forms import OnceForm


class CommunityForm(OnceForm):
    slug = StringField(_l("Short name for the address (letters, digits, dashes)"),
                       validators=[DataRequired(), Length(min=2, max=40)], description=_l("For example: dongshan-village"))
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    region = StringField(_l("Region (county, town)"), validators=[Optional(), Length(max=120)])
    kind = SelectField(_l("Kind"), choices=[("village", _l("Village")), ("urban", _l("Urban community"))])
    default_locale = SelectField(_l("Default language"), choices=[("zh_Hans", "中文"), ("en", "English")])
    # The streets are filled in by the view; none: the unnamed street (an installation without levels).
    street = SelectField(_l("Street or township"), choices=[], validators=[Optional()])


class UnitForm(OnceForm):
    """A district, or a street under a district."""

    level = SelectField(_l("Kind of unit"), choices=[("district", _l("District or county")),
                                                     ("street", _l("Street or township"))])
    parent = SelectField(_l("District (for a street)"), choices=[], validators=[Optional()])
    slug = StringField(_l("Short name for the address (letters, digits, dashes)"),
                       validators=[DataRequired(), Length(min=2, max=40)], description=_l("For example: dongcheng"))
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])


class StaffForm(FlaskForm):
    username = StringField(_l("User name or mobile number of the staff member"),
                           validators=[DataRequired(), Length(max=32)])


class AppointForm(FlaskForm):
    username = StringField(_l("User name or mobile number of the committee member"),
                           validators=[DataRequired(), Length(max=32)])
