"""The test suite's own shape (docs/architecture.md, "Tests"): shared helpers live in
tests/support/, no test module imports another test module, and the fixtures every suite
needs are defined once, in conftest.py, never copied into a module."""
from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
SHARED_FIXTURES = {"world", "_fast", "fast", "fast_passwords", "app", "app2", "client", "make_client"}


def _modules():
    return sorted(p for p in TESTS.rglob("*.py") if "__pycache__" not in p.parts)


def _imported(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            names = (node.module or "").split(".")
            yield node.lineno, [n for n in names if n] + [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            for a in node.names:
                yield node.lineno, a.name.split(".")


def test_no_test_module_imports_another():
    wrong = [f"{p.relative_to(TESTS)}:{line} imports {'.'.join(parts)}"
             for p in _modules() for line, parts in _imported(p)
             if any(part.startswith("test_") for part in parts)]
    assert not wrong, "a test module imported by another (move what is shared to tests/support/):\n" + "\n".join(wrong)


def test_shared_helpers_live_in_support():
    loose = [p.name for p in TESTS.glob("*.py")
             if not p.name.startswith("test_") and p.name not in ("conftest.py", "__init__.py")]
    assert not loose, f"helpers outside tests/support/: {loose}"
    assert (TESTS / "support" / "helpers.py").is_file()


def test_shared_fixtures_are_defined_once():
    copies = []
    for p in _modules():
        if p.name == "conftest.py":
            continue
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and node.name in SHARED_FIXTURES and any(
                    "fixture" in ast.unparse(d) for d in node.decorator_list):
                copies.append(f"{p.relative_to(TESTS)}:{node.lineno} {node.name}")
    assert not copies, "fixtures copied into test modules (use conftest's):\n" + "\n".join(copies)
