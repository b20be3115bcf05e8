"""The crawl: scan, resolve, choose a snapshot, fetch, store, rewrite, report; the CLI.

The only package that imports :mod:`linkrescue.rewriters` and :mod:`linkrescue.archive`,
and the only one that prints. Rooms: ``stages/`` (the pipeline, returning values),
``commands/`` (one module per command), ``output/`` (formats, progress, problem lines);
``cli.py`` parses, loads config, calls a command and prints its result.
"""

from __future__ import annotations

__all__ = ["main"]


def main() -> None:
    """The ``linkrescue`` command (console script, ``python -m linkrescue``).

    Imported when called: the scan's worker processes import the stages through this
    package and need none of the CLI (Typer, Rich, the commands).
    """
    from linkrescue.crawler.cli import main as run

    run()
