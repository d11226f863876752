"""The shape of the code, read from its imports (docs/architecture.md, "Layers"):

- no import cycle between the modules of a capability (nor between any two modules of portal/);
- portal/web and portal/cache import no capability, and portal/cache does not import portal/web;
- no import at the bottom of a module, below its code (such imports hid the old cycles);
- no module imports another module's `_private` name;
- no view module commits or runs SQL (the action wrapper owns the transaction; reads live in queries.py).

Imports inside a function body count as edges too: they are how cycles used to be hidden.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PORTAL = ROOT / "portal"
LOWER = ("portal.web", "portal.cache")
BASE = {"portal", "portal.db", "portal.extensions", "portal.models", "portal.text", "portal.diff"}


def _name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_name(p): p for p in sorted(PORTAL.rglob("*.py"))}


def _resolve(module: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    pkg = module.split(".")
    if not MODULES[module].name == "__init__.py":
        pkg = pkg[:-1]
    base = pkg[: len(pkg) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _imports(module: str):
    """(target module, imported name or None, line, at top level) for every import of `module`."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    top = set(id(n) for n in tree.body)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                yield a.name, None, node.lineno, id(node) in top
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, node)
            for a in node.names:
                sub = f"{target}.{a.name}"
                if sub in MODULES:
                    yield sub, None, node.lineno, id(node) in top
                else:
                    yield target, a.name, node.lineno, id(node) in top


def _edges():
    graph = {m: set() for m in MODULES}
    for m in MODULES:
        for target, _n, _l, _t in _imports(m):
            if target in MODULES and target != m:
                graph[m].add(target)
    return graph


def _cycles(graph) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def _is_package_init(module: str) -> bool:
    return MODULES[module].name == "__init__.py"


def test_no_import_cycles():
    graph = _edges()
    # A package's __init__ importing its own modules (init_app) is how a package is assembled,
    # not a cycle of use: leave out the edges from an __init__ to the modules below it.
    for m in list(graph):
        if _is_package_init(m):
            graph[m] = {t for t in graph[m] if not t.startswith(m + ".")}
    cycles = _cycles(graph)
    assert not cycles, "import cycles:\n" + "\n".join(" ↔ ".join(c) for c in cycles)


def _capability(target: str) -> bool:
    return target.startswith("portal.") and target not in BASE and not target.startswith(LOWER) \
        and not target.startswith("portal.audit.chain")


@pytest.mark.parametrize("layer", LOWER)
def test_lower_layers_import_no_capability(layer):
    wrong = []
    for m in MODULES:
        if m != layer and not m.startswith(layer + "."):
            continue
        for target, _n, line, _t in _imports(m):
            if _capability(target) or (layer == "portal.cache" and target.startswith("portal.web")):
                wrong.append(f"{m}:{line} imports {target}")
    assert not wrong, "\n".join(wrong)


def _late_imports(module: str):
    """Module-level imports below the first statement that is not an import (nor the docstring,
    `from __future__`, or an `if TYPE_CHECKING:` block): an import at the bottom of a file."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    seen_code = False
    for i, node in enumerate(tree.body):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            if seen_code:
                yield node.lineno
        elif i == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # the docstring
        elif isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        else:
            seen_code = True


def test_no_imports_at_the_bottom():
    late = [f"{m}:{line}" for m in MODULES for line in _late_imports(m)]
    assert not late, "imports below a module's code:\n" + "\n".join(late)


def test_no_private_names_imported():
    wrong = [f"{m}:{line} imports {target}.{name}" for m in MODULES
             for target, name, line, _t in _imports(m)
             if name and name.startswith("_") and not name.startswith("__") and target.startswith("portal")]
    assert not wrong, "\n".join(wrong)


VIEW_MODULES = [m for m in MODULES if m.rsplit(".", 1)[-1].endswith("views") or m == "portal.main"]


@pytest.mark.parametrize("module", VIEW_MODULES)
def test_views_neither_commit_nor_query(module):
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    wrong = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ("commit", "rollback", "execute", "scalar", "scalars"):
            base = ast.unparse(node.value)
            if base.endswith("session"):
                wrong.append(f"{module}:{node.lineno} {base}.{node.attr}")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("select", "text"):
            wrong.append(f"{module}:{node.lineno} {node.func.id}(...)")
    assert not wrong, "\n".join(wrong)


def test_nothing_registers_itself_at_import():
    """Registration is explicit (each package's init_app): a module's top level defines things,
    it calls nothing (docs/architecture.md, "Layers")."""
    calls = []
    for m, path in MODULES.items():
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
                calls.append(f"{m}:{node.lineno} {ast.unparse(node)[:80]}")
            elif isinstance(node, ast.If) and "TYPE_CHECKING" not in ast.unparse(node.test) \
                    and ast.unparse(node.test) != "__name__ == '__main__'":  # a script's entry (verify_trail.py)
                calls.append(f"{m}:{node.lineno} if {ast.unparse(node.test)[:80]}")
    assert not calls, "\n".join(calls)
