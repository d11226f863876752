"""The portal's one text diff: pure functions, no Flask, no database.

Chinese has no spaces between words, so text is cut into tokens that make sense
in both languages: every CJK character is a token of its own, a Latin word or a
number is one token, and whitespace and punctuation are kept as tokens too (so
joining the tokens gives the text back exactly). difflib.SequenceMatcher then
aligns the tokens, and `diff_text` returns runs of equal / insert / delete.

`diff_clauses` aligns two versions of a document clause by clause through each
clause's stable `key` (kept when clauses are renumbered or moved) and reports
inserted, deleted, changed and moved clauses, each with its text diff.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher

_CJK = ("\u2e80-\u2fdf\u3005-\u3007\u3021-\u3029\u3038-\u303b\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff"
        "\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f")
_WORD = "0-9A-Za-z\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff"
_TOKEN_RE = re.compile(rf"[{_CJK}]|[{_WORD}]+(?:['\u2019][{_WORD}]+)*|\s+|.", re.S)

EQUAL, INSERT, DELETE = "equal", "insert", "delete"


def tokenize(text: str) -> list[str]:
    """Tokens whose concatenation is `text`: one per CJK character, one per Latin word
    or number, one per run of whitespace, one per other character (punctuation)."""
    return _TOKEN_RE.findall(text or "")


@dataclass(frozen=True)
class Op:
    op: str  # equal | insert | delete
    text: str


def diff_text(old: str, new: str) -> list[Op]:
    """Runs of equal / delete / insert text that turn `old` into `new`.

    A replaced run comes out as its deletion followed by its insertion. Adjacent runs of
    the same kind are merged, so the result is as short as the alignment allows.
    """
    a, b = tokenize(old), tokenize(new)
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    ops: list[Op] = []

    def add(kind: str, tokens: list[str]) -> None:
        text = "".join(tokens)
        if not text:
            return
        if ops and ops[-1].op == kind:
            ops[-1] = Op(kind, ops[-1].text + text)
        else:
            ops.append(Op(kind, text))

    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            add(EQUAL, a[i1:i2])
        else:
            add(DELETE, a[i1:i2])
            add(INSERT, b[j1:j2])
    return ops


def changed(ops: list[Op]) -> bool:
    return any(o.op != EQUAL for o in ops)


def old_text(ops: list[Op]) -> str:
    return "".join(o.text for o in ops if o.op != INSERT)


def new_text(ops: list[Op]) -> str:
    return "".join(o.text for o in ops if o.op != DELETE)


# --- clause-aligned document diff ------------------------------------------------------------

@dataclass(frozen=True)
class ClauseText:
    """One clause as the diff sees it: a stable key, its number in its version, its text."""

    key: str
    number: int
    text: str
    chapter: str = ""


INSERTED, DELETED, CHANGED, UNCHANGED = "inserted", "deleted", "changed", "unchanged"


@dataclass
class ClauseChange:
    key: str
    status: str  # inserted | deleted | changed | unchanged
    old_number: int | None
    new_number: int | None
    ops: list[Op] = field(default_factory=list)
    reordered: bool = False  # its place among the other clauses changed

    @property
    def renumbered(self) -> bool:
        return self.old_number is not None and self.new_number is not None and self.old_number != self.new_number

    @property
    def moved(self) -> bool:
        return self.reordered

    @property
    def is_change(self) -> bool:
        return self.status != UNCHANGED or self.reordered


@dataclass
class DocumentDiff:
    clauses: list[ClauseChange]

    def count(self, status: str) -> int:
        return sum(1 for c in self.clauses if c.status == status)

    @property
    def moved(self) -> int:
        return sum(1 for c in self.clauses if c.reordered)

    @property
    def renumbered(self) -> int:
        return sum(1 for c in self.clauses if c.renumbered)

    @property
    def has_changes(self) -> bool:
        return any(c.is_change for c in self.clauses)


def diff_clauses(old: list[ClauseText], new: list[ClauseText]) -> DocumentDiff:
    """Align two versions by clause key, in the order of the new version; a deleted clause
    is shown after the clause that preceded it in the old version.

    A clause is `reordered` when its key is outside the longest common subsequence of the
    two key orders (it was moved relative to the others); a clause whose number changed only
    because others were inserted or deleted before it is renumbered, not moved.
    """
    old_by_key = {c.key: c for c in old}
    new_by_key = {c.key: c for c in new}
    common_old = [c.key for c in old if c.key in new_by_key]
    common_new = [c.key for c in new if c.key in old_by_key]
    matcher = SequenceMatcher(None, common_old, common_new, autojunk=False)
    in_place: set[str] = set()
    for block in matcher.get_matching_blocks():
        in_place.update(common_old[block.a:block.a + block.size])

    result: list[ClauseChange] = []
    for c in new:
        before = old_by_key.get(c.key)
        if before is None:
            result.append(ClauseChange(c.key, INSERTED, None, c.number, [Op(INSERT, c.text)] if c.text else []))
            continue
        ops = diff_text(before.text, c.text)
        result.append(ClauseChange(c.key, CHANGED if changed(ops) else UNCHANGED, before.number, c.number, ops,
                                   reordered=c.key not in in_place))

    # Deleted clauses go after the nearest earlier old clause that is still there.
    position = {change.key: i for i, change in enumerate(result)}
    inserts: list[tuple[int, int, ClauseChange]] = []
    previous_kept = -1
    for order, c in enumerate(old):
        if c.key in new_by_key:
            previous_kept = position[c.key]
            continue
        inserts.append((previous_kept, order, ClauseChange(c.key, DELETED, c.number, None,
                                                            [Op(DELETE, c.text)] if c.text else [])))
    # From the back, so that earlier positions stay valid; among deletions after the same
    # clause the later one goes in first, which leaves them in their old order.
    for after, _order, change in sorted(inserts, key=lambda t: (t[0], t[1]), reverse=True):
        result.insert(after + 1, change)
    return DocumentDiff(result)

