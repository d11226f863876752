"""The documentation stays true to the repository (issue 14, "README"): README's two commands
(make run on any port, with the system packages the code calls named next to it), every link and
picture of README.md and docs/ resolves, and every citation of a documentation section in code,
tests and docs names a heading that exists."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
# The Debian package of each program the portal runs (shutil.which in portal/).
PACKAGE_OF = {"espeak-ng": "espeak-ng", "opusenc": "opus-tools", "opusdec": "opus-tools"}


def _code_blocks(text: str) -> list[str]:
    return re.findall(r"^```[a-z]*\n(.*?)^```", text, re.S | re.M)


@pytest.mark.skipif(not shutil.which("make"), reason="make is not installed")
def test_make_run_serves_on_the_port_it_is_given():
    env = {k: v for k, v in os.environ.items() if k not in ("PORT", "MAKEFLAGS")}

    def dry_run(*args):
        return subprocess.run(["make", "-n", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                              check=True).stdout

    def serving(*args):
        return [line.split("/")[-1] for line in dry_run("run", *args).splitlines() if "flask run" in line]

    assert serving("PORT=5100") == ["flask run --host 127.0.0.1 --port 5100"]
    assert serving() == ["flask run --host 127.0.0.1 --port 5000"]
    # make run still does everything itself: the schema and the demo before serving.
    plan = dry_run("run")
    assert plan.index("flask init-db") < plan.index("flask seed-demo") < plan.index("flask run")
    # The gallery is a command of its own, never part of make test.
    assert "gallery" not in dry_run("test")


def test_the_run_command_names_the_packages_the_code_calls():
    called = set()
    for path in (ROOT / "portal").rglob("*.py"):
        called |= set(re.findall(r'shutil\.which\("([^"]+)"\)', path.read_text(encoding="utf-8")))
    assert {"espeak-ng", "opusenc", "opusdec"} <= called
    assert called <= set(PACKAGE_OF), f"a program without its package here: {called - set(PACKAGE_OF)}"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = next(b for b in _code_blocks(readme) if "make run" in b)
    install = next(line for line in block.splitlines() if "apt-get install" in line)
    assert {PACKAGE_OF[p] for p in called} <= set(install.split())
    assert "PORT=5100 make run" in block and "make test" in block
    # The browser tests' packages stay named where the tests are.
    assert any({"chromium", "fonts-noto-cjk"} <= set(b.split()) for b in _code_blocks(readme) if "make run" not in b)


def _links(text: str) -> list[str]:
    return re.findall(r"\]\(([^)\s]+)\)", text) + re.findall(r'(?:src|href)="([^"]+)"', text)


def test_every_link_and_picture_of_the_docs_resolves():
    broken = []
    for doc in DOCS:
        for link in _links(doc.read_text(encoding="utf-8")):
            if re.match(r"[a-z]+:", link) or link.startswith("#"):
                continue
            target = (doc.parent / link.split("#")[0]).resolve()
            if not target.exists():
                broken.append(f"{doc.relative_to(ROOT)}: {link}")
    assert not broken, "links to nothing:\n" + "\n".join(broken)


def test_readme_shows_each_role_with_pictures_from_the_gallery():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for role in ("### A resident", "### The committee", "### A mediator"):
        section = readme.split(role, 1)[1].split("\n## ", 1)[0].split("\n### ", 1)[0]
        pictures = re.findall(r'<img src="(docs/gallery/img/[^"]+-390\.png)"', section)
        assert 1 <= len(pictures) <= 2, (role, pictures)
    assert len(readme.encode()) < 12_000  # the front page; the details are in docs/


def _headings(path: Path) -> set[str]:
    return {m.strip() for m in re.findall(r"^#+ (.+)$", path.read_text(encoding="utf-8"), re.M)}


def test_every_cited_section_exists():
    """`(docs/architecture.md, "Caches")`, `docs/features.md ("Accounts")`, `README, "Two commands"`:
    the section must be a heading of that file, also when the citation is wrapped over two comment lines."""
    files = [p for ext in ("py", "html", "md") for p in ROOT.glob(f"**/*.{ext}")
             if not {".venv", ".git", "node_modules", "artifacts"} & set(p.relative_to(ROOT).parts)]
    files += [ROOT / "Makefile", ROOT / ".ci" / "run"]
    cite = re.compile(r'(docs/[a-z_/]+\.md|README)(?:,| \(|, and) ?"([^"]+)"((?:\s*(?:and|,)\s*"[^"]+")*)')
    missing = []
    for path in files:
        text = re.sub(r"\s*\n\s*(?:#|\*|//)?\s*", " ", path.read_text(encoding="utf-8"))
        for doc, first, more in cite.findall(text):
            target = ROOT / ("README.md" if doc == "README" else doc)
            for section in [first, *re.findall(r'"([^"]+)"', more)]:
                if not target.exists() or section not in _headings(target):
                    missing.append(f"{path.relative_to(ROOT)}: {doc}, \"{section}\"")
    assert not missing, "citations of sections that do not exist:\n" + "\n".join(sorted(set(missing)))
