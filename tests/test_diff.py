"""portal.diff: word-level for English, character runs for Chinese, clause-aligned documents."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from portal.diff import (
    CHANGED,
    DELETE,
    DELETED,
    EQUAL,
    INSERT,
    INSERTED,
    UNCHANGED,
    ClauseText,
    Op,
    diff_clauses,
    diff_text,
    new_text,
    old_text,
    tokenize,
)


def test_chinese_is_one_token_per_character_latin_words_and_numbers_whole():
    assert tokenize("村民应当爱护 2 号水井") == ["村", "民", "应", "当", "爱", "护", " ", "2", " ", "号", "水", "井"]
    assert tokenize("每户罚款 200元，Keep it clean!") == [
        "每", "户", "罚", "款", " ", "200", "元", "，", "Keep", " ", "it", " ", "clean", "!"]
    assert tokenize("don't stop") == ["don't", " ", "stop"]
    assert tokenize("") == []


def test_english_changes_are_whole_words():
    ops = diff_text("Dogs must be kept on a leash.", "Dogs must be kept on a short leash at night.")
    assert ops == [Op(EQUAL, "Dogs must be kept on a "), Op(INSERT, "short "), Op(EQUAL, "leash"),
                   Op(INSERT, " at night"), Op(EQUAL, ".")]
    ops = diff_text("Burning straw is forbidden.", "Burning rubbish is forbidden.")
    assert Op(DELETE, "straw") in ops and Op(INSERT, "rubbish") in ops  # never "st"/"rubb" fragments


def test_chinese_changes_are_character_runs():
    ops = diff_text("村民应当爱护公共设施。", "村民必须爱护村里的公共设施。")
    assert ops == [Op(EQUAL, "村民"), Op(DELETE, "应当"), Op(INSERT, "必须"), Op(EQUAL, "爱护"),
                   Op(INSERT, "村里的"), Op(EQUAL, "公共设施。")]


def test_deletion_only_and_insertion_only():
    assert diff_text("不得在河道内倾倒垃圾和污水。", "不得在河道内倾倒垃圾。") == [
        Op(EQUAL, "不得在河道内倾倒垃圾"), Op(DELETE, "和污水"), Op(EQUAL, "。")]
    assert diff_text("", "新条款") == [Op(INSERT, "新条款")]
    assert diff_text("旧条款", "") == [Op(DELETE, "旧条款")]
    assert diff_text("same", "same") == [Op(EQUAL, "same")]


def test_mixed_chinese_and_numbers():
    ops = diff_text("每户每年交卫生费 100 元。", "每户每年交卫生费 120 元。")
    assert Op(DELETE, "100") in ops and Op(INSERT, "120") in ops


texts = st.lists(st.sampled_from(list("村民水井公约 ,.。abc12") + ["Dog", "well"]), max_size=30).map("".join)


@settings(max_examples=200, deadline=None)
@given(texts, texts)
def test_ops_rebuild_both_texts(a, b):
    ops = diff_text(a, b)
    assert old_text(ops) == a and new_text(ops) == b
    assert all(o.text for o in ops)
    assert all(x.op != y.op for x, y in zip(ops, ops[1:]))  # adjacent runs are merged


def _doc(*clauses):
    return [ClauseText(key, i + 1, text) for i, (key, text) in enumerate(clauses)]


def test_clause_insertion_renumbers_without_moving():
    old = _doc(("a", "第一条内容"), ("b", "第二条内容"), ("c", "第三条内容"))
    new = _doc(("a", "第一条内容"), ("n", "新加的条款"), ("b", "第二条内容"), ("c", "第三条内容"))
    d = diff_clauses(old, new)
    assert [(c.key, c.status) for c in d.clauses] == [("a", UNCHANGED), ("n", INSERTED), ("b", UNCHANGED),
                                                       ("c", UNCHANGED)]
    b = d.clauses[2]
    assert (b.old_number, b.new_number, b.renumbered, b.moved) == (2, 3, True, False)
    assert d.count(INSERTED) == 1 and d.moved == 0 and d.renumbered == 2
    assert d.clauses[1].ops == [Op(INSERT, "新加的条款")]


def test_clause_deletion_stays_where_it_was():
    old = _doc(("a", "One."), ("b", "Two."), ("c", "Three."), ("d", "Four."))
    new = _doc(("a", "One."), ("d", "Four."))
    d = diff_clauses(old, new)
    assert [(c.key, c.status) for c in d.clauses] == [("a", UNCHANGED), ("b", DELETED), ("c", DELETED),
                                                       ("d", UNCHANGED)]
    assert d.clauses[1].ops == [Op(DELETE, "Two.")] and d.clauses[1].new_number is None
    assert d.count(DELETED) == 2 and not d.moved


def test_deleting_the_first_clause():
    d = diff_clauses(_doc(("a", "甲"), ("b", "乙")), _doc(("b", "乙")))
    assert [(c.key, c.status) for c in d.clauses] == [("a", DELETED), ("b", UNCHANGED)]


def test_moved_and_changed_clause():
    old = _doc(("a", "村民应当爱护公共设施。"), ("b", "禁止焚烧秸秆。"), ("c", "红白喜事从简。"))
    new = _doc(("c", "红白喜事一律从简。"), ("a", "村民应当爱护公共设施。"), ("b", "禁止焚烧秸秆。"))
    d = diff_clauses(old, new)
    by_key = {c.key: c for c in d.clauses}
    assert by_key["c"].moved and by_key["c"].status == CHANGED
    assert by_key["c"].ops == [Op(EQUAL, "红白喜事"), Op(INSERT, "一律"), Op(EQUAL, "从简。")]
    assert not by_key["a"].moved and not by_key["b"].moved  # they only got new numbers
    assert by_key["a"].renumbered and d.moved == 1


def test_identical_documents_have_no_changes():
    doc = _doc(("a", "One."), ("b", "二。"))
    d = diff_clauses(doc, doc)
    assert not d.has_changes and all(c.status == UNCHANGED for c in d.clauses)


def test_everything_at_once_in_new_order():
    old = _doc(("a", "A."), ("b", "B."), ("c", "C."), ("d", "D."))
    new = _doc(("d", "D!"), ("a", "A."), ("x", "X."), ("c", "C."))
    d = diff_clauses(old, new)
    assert [(c.key, c.status) for c in d.clauses] == [
        ("d", CHANGED), ("a", UNCHANGED), ("b", DELETED), ("x", INSERTED), ("c", UNCHANGED)]
    assert d.clauses[0].moved and d.count(CHANGED) == 1 and d.count(INSERTED) == 1 and d.count(DELETED) == 1
