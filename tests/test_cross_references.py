"""Every ``:func:`linkrescue.…``` a docstring or comment cites names something that exists.

Issue 9 moved most modules into rooms; a docstring that still pointed at
``archive.storepaths`` or ``archive.probe`` sent a reader to a module that was gone.
This reads every Python file the repository holds, as a reader would follow them.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ("archive", "crawler", "rewriters", "linkrescue", "tests", "benchmarks")
ROLE = re.compile(r":(?:func|mod|class|meth|data|attr|exc):`~?(linkrescue(?:\.\w+)*)`")


def _exists(dotted: str) -> bool:
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:]:
            if not hasattr(obj, name):
                return False
            obj = getattr(obj, name)
        return True
    return False


def test_every_cross_reference_names_a_module_or_an_attribute_that_exists() -> None:
    cited: dict[str, list[str]] = {}
    for folder in FOLDERS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            for match in ROLE.finditer(path.read_text(encoding="utf-8")):
                cited.setdefault(match.group(1), []).append(str(path.relative_to(ROOT)))
    assert len(cited) > 50  # the rooms' docstrings cite each other: the scan found them
    missing = {name: where for name, where in cited.items() if not _exists(name)}
    assert missing == {}
