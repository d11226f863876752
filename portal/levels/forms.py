"""Forms of the tree's pages and the grids: shape only. Choices that depend on the unit are
filled in by the view."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..web.forms import OnceForm

SLUG_LABEL = _l("Short name for the address (letters, digits, dashes)")


class UnitForm(OnceForm):
    """A department under this unit."""

    slug = StringField(SLUG_LABEL, validators=[DataRequired(), Length(min=2, max=40)],
                       description=_l("For example: water-office"))
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])


class CommunityUnderStreetForm(OnceForm):
    slug = StringField(SLUG_LABEL, validators=[DataRequired(), Length(min=2, max=40)],
                       description=_l("For example: dongshan-village"))
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    region = StringField(_l("Region (county, town)"), validators=[Optional(), Length(max=120)])
    kind = SelectField(_l("Kind"), choices=[("village", _l("Village")), ("urban", _l("Urban community"))])
    default_locale = SelectField(_l("Default language"), choices=[("zh_Hans", "中文"), ("en", "English")])
    committee = StringField(_l("User name or mobile number of the first committee member"),
                            validators=[DataRequired(), Length(max=32)])


class StaffForm(OnceForm):
    unit = SelectField(_l("Unit"), choices=[], validators=[DataRequired()])
    username = StringField(_l("User name or mobile number of the staff member"),
                           validators=[DataRequired(), Length(max=32)])


class CategoryForm(OnceForm):
    key = StringField(_l("Key (lower-case letters, digits, underscores)"), validators=[DataRequired(), Length(max=30)],
                      description=_l("For example: noise"))
    name = StringField(_l("Name (Chinese)"), validators=[DataRequired(), Length(max=60)])
    name_en = StringField(_l("Name (English)"), validators=[Optional(), Length(max=60)])
    deadline_hours = IntegerField(_l("Default deadline (hours)"), validators=[DataRequired(), NumberRange(1, 2160)])


class CategoryEditForm(OnceForm):
    name = StringField(_l("Name (Chinese)"), validators=[DataRequired(), Length(max=60)])
    name_en = StringField(_l("Name (English)"), validators=[Optional(), Length(max=60)])
    deadline_hours = IntegerField(_l("Default deadline (hours)"), validators=[DataRequired(), NumberRange(1, 2160)])


class GridForm(OnceForm):
    name = StringField(_l("Name of the grid"), validators=[DataRequired(), Length(max=60)])


class GridWorkerForm(OnceForm):
    grid = SelectField(_l("Grid"), choices=[], validators=[DataRequired()])
    member = SelectField(_l("Grid worker"), choices=[], validators=[DataRequired()])


class HouseholdGridForm(OnceForm):
    household = StringField(_l("Household (as in the roster)"), validators=[DataRequired(), Length(max=60)])
    grid = SelectField(_l("Grid"), choices=[], validators=[Optional()])
