from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from ..web.forms import OnceForm


class FlagForm(OnceForm):
    reason = StringField(_l("What is wrong with it?"), validators=[DataRequired(), Length(max=300)],
                         description=_l("For example: insulting, private information, advertising."))


class ModerateForm(FlaskForm):
    reason = StringField(_l("Public reason"), validators=[DataRequired(), Length(max=300)],
                         description=_l("Everyone will see this reason."))
