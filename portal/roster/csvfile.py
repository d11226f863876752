"""Reading a roster CSV as a village office writes it: Excel's UTF-8 (with BOM) or GBK,
a header in Chinese or English or none, columns name, household, mobile (optional)."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from ..auth.services import MOBILE_RE

MAX_BYTES = 200 * 1024
MAX_ROWS = 2000
NAME_MAX = 50
HOUSEHOLD_MAX = 60
HEADERS = {
    "name": {"name", "姓名", "名字"},
    "household": {"household", "户", "户号", "户名", "家庭", "住户"},
    "mobile": {"mobile", "phone", "手机", "手机号", "手机号码", "电话"},
}


@dataclass
class Row:
    line: int
    name: str
    household: str
    mobile: str
    errors: list = field(default_factory=list)


def decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValueError


def _columns(first: list[str]) -> tuple[dict[str, int], bool]:
    """Column positions, and whether the first line was a header."""
    cells = [c.strip().lower() for c in first]
    found = {key: i for i, c in enumerate(cells) for key, names in HEADERS.items() if c in names}
    if "name" in found:
        return found, True
    return {"name": 0, "household": 1, "mobile": 2}, False


def parse(text: str) -> tuple[list[Row], list[str]]:
    """Rows with their own errors, and errors of the whole file."""
    try:
        lines = list(csv.reader(io.StringIO(text)))
    except csv.Error:  # a cell beyond the csv module's limit (128 KB): no roster looks like this
        return [], [_l("The file is not a table of names, households and mobile numbers. Save it as CSV and try again.")]
    lines = [(n, cells) for n, cells in enumerate(lines, start=1) if any(c.strip() for c in cells)]
    if not lines:
        return [], [_l("The file has no rows.")]
    cols, header = _columns(lines[0][1])
    if header:
        lines = lines[1:]
    if len(lines) > MAX_ROWS:
        return [], [_l("At most %(num)d rows at a time.", num=MAX_ROWS)]
    rows, seen = [], {}

    def cell(cells, key):
        i = cols.get(key)
        return cells[i].strip() if i is not None and i < len(cells) else ""

    for n, cells in lines:
        row = Row(n, cell(cells, "name"), cell(cells, "household"), cell(cells, "mobile").replace(" ", "").replace("-", ""))
        if not row.name:
            row.errors.append(_l("The name is missing."))
        elif len(row.name) > NAME_MAX:
            row.errors.append(_l("The name is longer than %(num)d characters.", num=NAME_MAX))
        if len(row.household) > HOUSEHOLD_MAX:
            row.errors.append(_l("The household is longer than %(num)d characters.", num=HOUSEHOLD_MAX))
        if row.mobile and not MOBILE_RE.match(row.mobile):
            row.errors.append(_l("The mobile number is not an 11-digit mainland number."))
        key = (row.name, row.household, row.mobile)
        if key in seen and not row.errors:
            row.errors.append(_l("The same person is already on line %(line)d.", line=seen[key]))
        seen.setdefault(key, n)
        rows.append(row)
    return rows, []
