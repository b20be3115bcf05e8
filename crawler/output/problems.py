"""Bad input as one line on stderr, as soon as it is found: the run goes on."""

from __future__ import annotations

import sys


def report_problem(path: str, reason: str) -> None:
    """One line per bad input, naming the file and the reason (never wrapped: scripts grep it)."""
    print(f"linkrescue: {path}: {reason}", file=sys.stderr, flush=True)
