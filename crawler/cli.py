"""The ``linkrescue`` command line: parse options, load config, wire, render, exit.

Exit codes are a contract for cron jobs and CI: 0 when the command completed
(bad files are reported on stderr and do not change it), 2 for a usage or
configuration error, always with a one-line message and no traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console

from archive.model import Outcome
from archive.store import Store
from archive.storepaths import INDEX_FILENAME
from crawler.config import Config, ConfigError, load_config
from crawler.corpus import InputError
from crawler.output import Format, print_summary, report_problem, write_results
from crawler.scan import Summary, scan

app = typer.Typer(
    name="linkrescue",
    help="Rescue the links and images of Markdown articles from web archives.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", help="config.toml to use (default: ./config.toml if present)."),
]


def _fail(message: str) -> NoReturn:
    print(f"linkrescue: {message}", file=sys.stderr)
    raise typer.Exit(2)


def _config(path: Path | None) -> Config:
    try:
        return load_config(path)
    except ConfigError as exc:
        _fail(str(exc))


@app.command("scan")
def scan_command(
    paths: Annotated[
        list[Path],
        typer.Argument(help="Markdown files, or folders searched for *.md / *.markdown."),
    ],
    fmt: Annotated[
        Format | None,
        typer.Option("--format", "-f", help="table (default on a terminal), json, or jsonl."),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """List every link and image of the documents, where it is written and what it points to."""
    cfg = _config(config)
    out = sys.stdout
    if fmt is None:
        fmt = Format.TABLE if out.isatty() else Format.JSONL
    err = Console(stderr=True)
    summary = Summary()
    try:
        results = scan(
            paths,
            cfg,
            as_json=fmt is not Format.TABLE,
            on_problem=lambda p: report_problem(p.path, p.reason),
        )
        write_results(results, fmt, out, Console(), summary)
        out.flush()
    except InputError as exc:
        _fail(str(exc))
    except BrokenPipeError:
        # `linkrescue scan … | head`: the reader has gone; that is not an error.
        sys.stderr.close()
        raise typer.Exit(0) from None
    print_summary(err, summary)


@app.command("verify")
def verify_command(
    store: Annotated[
        Path | None, typer.Option("--store", help="Store folder (default: [store] dir).")
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Re-hash every file of the store; report any that is missing, changed or unknown to the index.

    Exit 0 when the store is intact, 1 when something was found.
    """
    cfg = _config(config)
    root = store if store is not None else cfg.store_dir
    if not (root / INDEX_FILENAME).is_file():
        _fail(f"{root}: no store here (no {INDEX_FILENAME})")
    with Store(root) as opened:
        problems = opened.verify()
        count = sum(1 for _ in opened.index.resources(Outcome.RESCUED))
    for problem in problems:
        detail = (
            f" (expected sha256 {problem.expected}, found {problem.actual})"
            if problem.actual
            else ""
        )
        print(f"{problem.kind}: {root / problem.path}{detail}")
    err = Console(stderr=True)
    err.print(f"{count} rescued resources, {len(problems)} problems in {root}", highlight=False)
    if problems:
        raise typer.Exit(1)


def main() -> None:
    """Console-script entry point."""
    app()


@app.callback()
def _root() -> None:
    """Rescue the links and images of Markdown articles from web archives."""
