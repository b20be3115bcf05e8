"""The ``linkrescue`` command line: parse options, load config, wire, render, exit.

Exit codes are a contract for cron jobs and CI: 0 when the command completed
(bad files are reported on stderr and do not change it), 2 for a usage or
configuration error, always with a one-line message and no traceback.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console

from archive.errors import ArchiveMisconfigured, ArchiveUnreachable
from archive.model import Outcome
from archive.store import Store
from archive.storepaths import INDEX_FILENAME
from crawler import job
from crawler.config import Config, ConfigError, load_config, with_overrides
from crawler.corpus import InputError
from crawler.output import Format, print_summary, report_problem, write_results
from crawler.progress import setup_logging
from crawler.report import print_summary as print_rescue_summary
from crawler.report import write_report
from crawler.scan import Summary, scan

app = typer.Typer(
    name="linkrescue",
    help="Rescue the links and images of Markdown articles from web archives.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class Only(StrEnum):
    """``--only`` choices."""

    IMAGES = "images"
    LINKS = "links"
    ALL = "all"


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


@app.command("rescue")
def rescue_command(
    paths: Annotated[list[Path], typer.Argument(help="Markdown files, or folders of them.")],
    archive_url: Annotated[
        str | None,
        typer.Option("--archive-url", help="Wayback-compatible archive ([archive] url)."),
    ] = None,
    store: Annotated[
        Path | None, typer.Option("--store", help="Store folder ([store] dir).")
    ] = None,
    config: ConfigOption = None,
    only: Annotated[
        Only | None, typer.Option("--only", help="Rescue images, links or all ([rescue] only).")
    ] = None,
    dry_run: Annotated[
        bool | None,
        typer.Option(
            "--dry-run", help="Fetch nothing, write nothing; print the diff.", show_default=False
        ),
    ] = None,
    no_rewrite: Annotated[
        bool | None,
        typer.Option(
            "--no-rewrite",
            help="Rescue into the store; leave documents as they are.",
            show_default=False,
        ),
    ] = None,
    report: Annotated[
        Path | None, typer.Option("--report", help="Write a JSON report to this file.")
    ] = None,
    concurrency: Annotated[
        int | None, typer.Option("--concurrency", min=1, help="Resources fetched at once.")
    ] = None,
    recheck: Annotated[
        bool,
        typer.Option(
            "--recheck",
            help="Ask the archive again about resources remembered as not archived or "
            "blocked, however recent the answer (ignores [rescue] recheck_days).",
            show_default=False,
        ),
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log every resource.")] = False,
) -> None:
    """Rescue every link and image into the local store and point the documents at the copies.

    Exit 0 when every reference ended rescued, internal, local, skipped or not
    archived; 1 when some failed for reasons that may pass (retried next run),
    or the archive cannot be reached (no network); 2 for a usage or configuration
    error, including an archive URL where no archive answers.
    """
    cfg = _config(config)
    try:
        if archive_url is not None:
            cfg = with_overrides(cfg, "archive", url=archive_url)
        if store is not None:
            cfg = with_overrides(cfg, "store", dir=str(store.resolve()))
        rescue_values: dict[str, object] = {}
        if only is not None:
            rescue_values["only"] = only.value
        if dry_run is not None:
            rescue_values["dry_run"] = dry_run
        if no_rewrite:
            rescue_values["rewrite"] = False
        if report is not None:
            rescue_values["report"] = str(report)
        if concurrency is not None:
            rescue_values["concurrency"] = concurrency
        if recheck:
            rescue_values["recheck_days"] = 0.0
        cfg = with_overrides(cfg, "rescue", **rescue_values)
    except ConfigError as exc:
        _fail(str(exc))
    err = Console(stderr=True)
    interactive = err.is_terminal
    setup_logging(err, interactive=interactive, verbose=verbose)
    try:
        result = job.rescue(paths, cfg, console=err, interactive=interactive)
    except InputError as exc:
        _fail(str(exc))
    except ArchiveMisconfigured as exc:
        _fail(str(exc))
    except ArchiveUnreachable as exc:
        print(f"linkrescue: {exc}: nothing was changed; run again when online", file=sys.stderr)
        raise typer.Exit(1) from None
    print_rescue_summary(err, result.report)
    if cfg.rescue.dry_run:
        pending = sum(1 for item in result.report["items"] if item["outcome"] is None)
        err.print(
            f"dry run: {pending} resources would be looked up in the archive; "
            "nothing was fetched or written",
            highlight=False,
        )
    if cfg.rescue.report:
        write_report(_report_path(cfg), result.report)
    if result.failed:
        raise typer.Exit(1)


def _report_path(cfg: Config) -> Path:
    path = Path(cfg.rescue.report).expanduser()
    return path if path.is_absolute() else Path.cwd() / path


@app.command("restore")
def restore_command(
    paths: Annotated[
        list[Path], typer.Argument(help="Rescued Markdown files, or folders of them.")
    ],
    store: Annotated[
        Path | None, typer.Option("--store", help="Store folder ([store] dir).")
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Put every original URL back, byte-identical to the files before the rescue.

    Exit 0 when every document was restored (or had nothing to restore), 1 when
    some could not be (changed since the rescue: named on stderr).
    """
    cfg = _config(config)
    if store is not None:
        cfg = with_overrides(cfg, "store", dir=str(store.resolve()))
    try:
        restored, problems = job.restore(paths, cfg)
    except InputError as exc:
        _fail(str(exc))
    count = sum(r.edits for r in restored)
    Console(stderr=True).print(
        f"{len(restored)} documents restored ({count} references), {len(problems)} problems",
        highlight=False,
    )
    if problems:
        raise typer.Exit(1)


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
