"""Running ``linkrescue`` as a user types it: a real process, the real entry point."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def linkrescue(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python -m crawler ARGS`` in ``cwd``, run to the end; a wide terminal for tables."""
    return subprocess.run(
        [sys.executable, "-m", "crawler", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
        env={**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "200"},
    )
