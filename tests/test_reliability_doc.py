"""``docs/RELIABILITY.md`` names the test behind each promise: the names must stay true.

A promise whose test was renamed or deleted would read as proven while nothing proves
it. Each ``tests/….py::test_name`` the page names must be a test function of that file
(pytest collects it, so ``.ci/run``, which runs the whole suite, runs it), and every
promise (a ``##`` section) must name at least one.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PAGE = REPO / "docs" / "RELIABILITY.md"
NAMED = re.compile(r"`(tests/[\w/]+\.py)::(test_\w+)`")


def _tests_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
    }


def test_every_test_the_page_names_exists() -> None:
    named = NAMED.findall(PAGE.read_text(encoding="utf-8"))
    assert len(named) >= 30
    missing = [
        f"{file}::{name}"
        for file, name in named
        if not (REPO / file).is_file() or name not in _tests_of(REPO / file)
    ]
    assert missing == []


def test_every_promise_names_a_test() -> None:
    sections = re.split(r"^## ", PAGE.read_text(encoding="utf-8"), flags=re.MULTILINE)[1:]
    assert len(sections) >= 9
    for section in sections:
        assert NAMED.search(section), section.splitlines()[0]


def test_the_ci_runs_the_whole_suite() -> None:
    """``.ci/run`` runs the README's test command, which runs pytest on everything:
    no marker or path of the suite is left out by default."""
    run = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "tests/run.sh" in run
    script = (REPO / "tests" / "run.sh").read_text(encoding="utf-8")
    pytest_line = next(line for line in script.splitlines() if "-m pytest" in line)
    assert " -m " not in pytest_line.replace("-m pytest", "")
    assert "--ignore" not in pytest_line and "--deselect" not in pytest_line
    config = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    addopts = re.search(r"^addopts\s*=\s*(.*)$", config, flags=re.MULTILINE)
    assert addopts is None or "-m" not in addopts.group(1).split()
