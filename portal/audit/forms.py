"""The audit pages' one form: a head written down earlier, to check against today's trail."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length, ValidationError

from .chain import parse_head


def normalise_head(value: str | None) -> str:
    """What people copy from a notice: spaces and line breaks between the groups of the code, a
    full-width colon (：) from a Chinese keyboard, capital letters."""
    return "".join((value or "").split()).replace("：", ":").lower()


class HeadCheckForm(FlaskForm):
    """GET (read-only, no CSRF): the head travels in the query string, as it is public anyway."""

    class Meta:
        csrf = False

    head = StringField(_l("Number and code, as written down"), filters=[normalise_head],
                       description=_l("Like 128:3f5a… — the record number, a colon, then the 64 letters and "
                                      "digits of its code. Spaces do not matter."),
                       validators=[DataRequired(_l("Write the number and the code.")), Length(max=200)])

    def validate_head(self, field):
        try:
            self.parsed = parse_head(field.data)
        except ValueError:
            raise ValidationError(_l("This does not look like a number, a colon and a code of 64 letters and "
                                     "digits (0–9, a–f). Check what you copied."))
