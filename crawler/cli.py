"""The ``linkrescue`` command line: parse options, load config, wire, render, exit.

Exit codes are a contract for cron jobs and CI (:mod:`linkrescue.crawler.exits`): 0 when the
command completed (bad files are reported on stderr and do not change it), 1 for
a failure that may pass on the next run, 2 for a usage or configuration error,
3 when another run holds the store, 70 for an internal error, 74 when the system
refused a file; always with a one-line message and no traceback.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable
from enum import StrEnum
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from linkrescue.crawler import exits
from linkrescue.crawler.commands import scan as scan_cmd
from linkrescue.crawler.config import Config, ConfigError, find_and_load, with_overrides
from linkrescue.crawler.configfile import ConfigFile
from linkrescue.crawler.console import (
    HelpCommand,
    QuietOption,
    Terminal,
    VerboseOption,
    Verbosity,
    plural,
)
from linkrescue.crawler.console import fail as _fail
from linkrescue.crawler.malloc import fix_mmap_threshold
from linkrescue.crawler.output.formats import Destination, Format
from linkrescue.crawler.output.problems import report_problem
from linkrescue.crawler.output.progress import setup_logging
from linkrescue.crawler.output.registry import report_formatter, results_formatter
from linkrescue.crawler.output.table import print_scan_summary
from linkrescue.crawler.stages.corpus import InputError, Problem

if TYPE_CHECKING:
    # The archive client (httpx and all) is imported by the commands that talk to an
    # archive, when they run: `scan` and `--help` start without it (a CI or pre-commit
    # run of `scan` on one file spent half its time importing it).
    from linkrescue.archive import Archive
    from linkrescue.crawler.commands import rescue as rescue_cmd
    from linkrescue.crawler.output.progress import RescueProgress
    from linkrescue.crawler.stages.repair import Repaired
    from linkrescue.crawler.stages.stop import RunStop

app = typer.Typer(
    name="linkrescue",
    help="Rescue the links and images of Markdown articles from web archives.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    # Help text names config keys as `[archive] url`: Rich markup would eat the brackets.
    rich_markup_mode=None,
)


class ScanFormat(StrEnum):
    """``scan --format`` choices: the :class:`Format` members that write scan results
    (the enum also names check's formats, which a scan cannot write)."""

    TABLE = Format.TABLE.value
    JSON = Format.JSON.value
    JSONL = Format.JSONL.value


class Only(StrEnum):
    """``--only`` choices."""

    IMAGES = "images"
    LINKS = "links"
    ALL = "all"


ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        metavar="FILE",
        help="Config file (default: $LINKRESCUE_CONFIG, else linkrescue.toml,"
        " [tool.linkrescue] in pyproject.toml or linkrescue's own config.toml, here or above).",
    ),
]
StoreOption = Annotated[
    Path | None, typer.Option("--store", metavar="DIR", help="Store folder ([store] dir).")
]


def _config(path: Path | None) -> Config:
    return _found_config(path)[0]


def _found_config(path: Path | None) -> tuple[Config, ConfigFile]:
    """The config and its file; a file passed over (a Hugo site's ``config.toml``) is
    one line on stderr, so a user knows why their settings were not read."""
    try:
        config, found = find_and_load(path)
    except ConfigError as exc:
        _fail(str(exc))
    if found.note:
        print(f"linkrescue: note: {found.note}", file=sys.stderr, flush=True)
    return config, found


def _override(cfg: Config, section: str, option: str, **values: object) -> Config:
    """A command-line option checked as its config key is: a bad value is exit 2."""
    try:
        return with_overrides(cfg, section, source=option, **values)
    except ConfigError as exc:
        _fail(str(exc))


def _check_paths(paths: list[Path]) -> None:
    """Every path given exists, checked before anything is written (JSON whole or absent)."""
    for path in paths:
        if not path.exists() and not path.is_symlink():
            _fail(f"{path}: no such file or folder")


def _no_documents(term: Terminal, paths: list[Path], cfg: Config) -> None:
    folders = [str(p) for p in paths if p.is_dir()]
    if folders:
        term.summary(
            f"linkrescue: no Markdown files ({', '.join(cfg.corpus.extensions)}) "
            f"found in {', '.join(folders)}"
        )


@app.command("scan", cls=HelpCommand)
def scan_command(
    paths: Annotated[
        list[Path],
        typer.Argument(
            metavar="PATH", help="Markdown files, or folders searched for *.md / *.markdown."
        ),
    ],
    scan_format: Annotated[
        ScanFormat | None,
        typer.Option(
            "--format",
            "-f",
            metavar="FORMAT",
            help="table (default on a terminal), json, or jsonl.",
        ),
    ] = None,
    config: ConfigOption = None,
    quiet: QuietOption = False,
    verbose: VerboseOption = False,
) -> None:
    """List every link and image of the documents, where it is written and what it points to."""
    term = Terminal.open(quiet=quiet, verbose=verbose)
    cfg = _config(config)
    _check_paths(paths)
    setup_logging(term.err, interactive=term.interactive, verbosity=term.verbosity)
    out = sys.stdout
    if scan_format is None:
        fmt = Format.TABLE if out.isatty() else Format.JSONL
    else:
        fmt = Format(scan_format.value)
    try:
        found = scan_cmd.scan(
            paths, cfg, as_json=fmt is not Format.TABLE, on_problem=_print_problem
        )
        results_formatter(fmt, Destination(out, term.out)).write(found.results)
        out.flush()
    except InputError as exc:
        _fail(str(exc))
    except BrokenPipeError:
        # `linkrescue scan … | head`: the reader has gone; that is not an error.
        sys.stderr.close()
        raise typer.Exit(0) from None
    summary = found.summary
    print_scan_summary(term.err, summary, table=term.verbosity > Verbosity.QUIET)
    if summary.documents == 0 and summary.problems == 0:
        _no_documents(term, paths, cfg)


def _print_problem(problem: Problem) -> None:
    report_problem(problem.path, problem.reason)


@app.command("rescue", cls=HelpCommand)
def rescue_command(
    paths: Annotated[
        list[Path], typer.Argument(metavar="PATH", help="Markdown files, or folders of them.")
    ],
    archive_url: Annotated[
        str | None,
        typer.Option(
            "--archive-url", metavar="URL", help="Wayback-compatible archive ([archive] url)."
        ),
    ] = None,
    store: StoreOption = None,
    config: ConfigOption = None,
    only: Annotated[
        Only | None,
        typer.Option("--only", metavar="images|links|all", help="What to rescue ([rescue] only)."),
    ] = None,
    dry_run: Annotated[
        bool | None,
        typer.Option(
            "--dry-run/--no-dry-run",
            help="Fetch nothing, write nothing; print the diff ([rescue] dry_run).",
            show_default=False,
        ),
    ] = None,
    rewrite: Annotated[
        bool | None,
        typer.Option(
            "--rewrite/--no-rewrite",
            help="--no-rewrite: rescue into the store, leave documents as they are "
            "([rescue] rewrite).",
            show_default=False,
        ),
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option(
            "--report",
            metavar="FILE",
            help="Write a JSON report to FILE, '-' for standard output ([rescue] report).",
        ),
    ] = None,
    concurrency: Annotated[
        int | None,
        typer.Option(
            "--concurrency", metavar="N", help="Resources fetched at once ([rescue] concurrency)."
        ),
    ] = None,
    report_html: Annotated[
        Path | None,
        typer.Option(
            "--report-html",
            metavar="FILE",
            help="Also write the report as one self-contained HTML page (no request leaves it).",
        ),
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
    max_requests: Annotated[
        int | None,
        typer.Option(
            "--max-requests",
            metavar="N",
            help="Start no new resource after N requests (archive and live); the rest is "
            "left for the next run ([nightly] max_requests; 0: no limit).",
        ),
    ] = None,
    time_budget: Annotated[
        str | None,
        typer.Option(
            "--time-budget",
            metavar="DURATION",
            help="Start no new resource after this long, as 2h, 90m, 1h30m, 45s "
            "([nightly] time_budget).",
        ),
    ] = None,
    log_file: Annotated[
        Path | None,
        typer.Option(
            "--log-file",
            metavar="FILE",
            help="Also write timestamped log lines to FILE, rotated by size ([log] file).",
        ),
    ] = None,
    quiet: QuietOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Rescue every link and image into the local store and point the documents at the copies.

    Exit 0 when every reference ended rescued, internal, local, skipped or not
    archived, and when a budget or SIGTERM/SIGINT stopped the run (the rest is left
    for the next run); 1 when some failed for reasons that may pass (retried next
    run), or the archive cannot be reached (no network); 2 for a usage or
    configuration error, including an archive URL where no archive answers; 3 when
    another run holds the store; 70 for an internal error.
    """
    term = Terminal.open(quiet=quiet, verbose=verbose)
    cfg = _config(config)
    if archive_url is not None:
        cfg = _override(cfg, "archive", "--archive-url", url=archive_url)
    if store is not None:
        cfg = _override(cfg, "store", "--store", dir=str(store.resolve()))
    if only is not None:
        cfg = _override(cfg, "rescue", "--only", only=only.value)
    if dry_run is not None:
        cfg = _override(cfg, "rescue", "--dry-run", dry_run=dry_run)
    if rewrite is not None:
        cfg = _override(cfg, "rescue", "--rewrite", rewrite=rewrite)
    if report is not None:
        value = str(report) if str(report) == "-" else str(report.resolve())
        cfg = _override(cfg, "rescue", "--report", report=value)
    if concurrency is not None:
        cfg = _override(cfg, "rescue", "--concurrency", concurrency=concurrency)
    if recheck:
        cfg = _override(cfg, "rescue", "--recheck", recheck_days=0.0)
    if max_requests is not None:
        cfg = _override(cfg, "nightly", "--max-requests", max_requests=max_requests)
    if time_budget is not None:
        cfg = _override(cfg, "nightly", "--time-budget", time_budget=time_budget)
    if log_file is not None:
        cfg = _override(cfg, "log", "--log-file", file=str(log_file.resolve()))
    report_path = cfg.report_path
    to_stdout = report_path is not None and str(report_path) == "-"
    if to_stdout and cfg.rescue.dry_run:
        _fail("--report - and --dry-run both write to standard output: give --report FILE")
    _check_paths(paths)
    setup_logging(term.err, interactive=term.interactive, verbosity=term.verbosity)
    from linkrescue.crawler.commands.signals import stop_on_signals
    from linkrescue.crawler.stages.stop import RunStop

    nightly = cfg.nightly
    stop = RunStop(max_requests=nightly.max_requests, seconds=nightly.time_budget_seconds)
    _open_log(cfg, paths, verbose=term.verbosity is Verbosity.VERBOSE)
    with stop_on_signals(stop, _say):
        _rescue_and_report(term, cfg, paths, stop, report_html)


def _say(line: str) -> None:
    """A line the user must see now (a signal's answer): stderr and the log file."""
    from linkrescue.crawler.output.logfile import journal

    print(line, file=sys.stderr, flush=True)
    journal.warning(line.removeprefix("linkrescue: "))


def _open_log(cfg: Config, paths: list[Path], *, verbose: bool) -> None:
    """``[log] file`` (``--log-file``), and the run's first line in it."""
    from linkrescue.crawler.output.logfile import journal, no_log_file, open_log_file

    if not cfg.log.file:
        no_log_file()
        return
    open_log_file(
        cfg.resolve(cfg.log.file),
        max_bytes=cfg.log.max_bytes,
        backups=cfg.log.backups,
        debug=verbose,
    )
    budget = f"max_requests={cfg.nightly.max_requests or 'none'}"
    budget += f", time_budget={cfg.nightly.time_budget or 'none'}"
    journal.info(
        "linkrescue rescue started (pid %d): %s into %s (%s)",
        os.getpid(),
        " ".join(str(p) for p in paths),
        cfg.store_dir,
        budget,
    )


def _rescue_and_report(
    term: Terminal, cfg: Config, paths: list[Path], stop: RunStop, report_html: Path | None
) -> None:
    """The run, then what it says: the table (not with ``-q``), the summary line, the
    JSON report and the HTML page; a run stopped at once leaves without waiting for its
    threads."""
    from linkrescue.archive import StoreLocked
    from linkrescue.archive.errors import ArchiveMisconfigured, ArchiveUnreachable
    from linkrescue.crawler.commands import rescue as rescue_cmd
    from linkrescue.crawler.commands.errors import DiskFull
    from linkrescue.crawler.output.logfile import journal
    from linkrescue.crawler.output.summary import summary_line

    report_path = cfg.report_path
    to_stdout = report_path is not None and str(report_path) == "-"
    try:
        result = rescue_cmd.rescue(
            paths, cfg, on_problem=_print_and_log_problem, watch=_progress(term), stop=stop
        )
    except StoreLocked as exc:
        journal.error("%s; exit %d", exc, exits.LOCKED)
        _fail(f"{exc}; exit {exits.LOCKED}", exits.LOCKED)
    except (InputError, ArchiveMisconfigured) as exc:
        journal.error("%s", exc)
        _fail(str(exc))
    except ArchiveUnreachable as exc:
        journal.error("%s: nothing was changed", exc)
        _fail(f"{exc}: nothing was changed; run again when online", exits.RETRY)
    except DiskFull as exc:
        journal.error("%s", exc)
        _fail(str(exc), exits.IO_ERROR)
    for rewritten in result.diffs:  # a dry run's: the diff first, then the summary
        sys.stdout.write(rewritten.diff)
    if term.verbosity > Verbosity.QUIET:
        report_formatter(Format.TABLE, Destination(sys.stdout, term.err)).write(result.report)
    if result.report.documents == 0 and not result.report.problems:
        _no_documents(term, paths, cfg)
    if report_path is not None:
        to = Destination(sys.stdout, term.out, path=None if to_stdout else report_path)
        report_formatter(Format.JSON, to).write(result.report)
    if report_html is not None:
        _write_rescue_html(report_html, result, cfg)
    if cfg.rescue.dry_run:
        _dry_run_note(term, result)
    else:
        line = summary_line(result.report, stop.signal)
        term.summary(line)
        journal.info("%s", line)
    code = exits.BROKEN if result.failed else exits.OK
    if result.abandoned:  # threads still in flight: do not wait for them
        exits.leave_now(code)
    if code:
        raise typer.Exit(code)


def _print_and_log_problem(problem: Problem) -> None:
    from linkrescue.crawler.output.logfile import journal

    report_problem(problem.path, problem.reason)
    journal.warning("%s: %s", problem.path, problem.reason)


def _write_rescue_html(path: Path, result: rescue_cmd.RescueResult, cfg: Config) -> None:
    """``--report-html``: the run's report and the store's earlier runs as one page."""
    from linkrescue.crawler.commands.page import rescue_page
    from linkrescue.crawler.output.htmlreport import write_html

    try:
        write_html(path, rescue_page(result.report, cfg.store_dir, run_id=result.run_id))
    except OSError as exc:
        _fail(f"{path}: cannot write the HTML report: {exc.strerror or exc}", exits.IO_ERROR)


def _progress(term: Terminal) -> rescue_cmd.Watcher:
    """The rescue's live display on a terminal, or its log lines (stderr)."""

    def watch(
        client: Archive, *, total: int, documents: int, stored_bytes: Callable[[], int]
    ) -> RescueProgress:
        from linkrescue.crawler.output.progress import RescueProgress

        return RescueProgress(
            term.err,
            client,
            total=total,
            documents=documents,
            interactive=term.interactive,
            stored_bytes=stored_bytes,
            verbosity=term.verbosity,
        )

    return watch


def _dry_run_note(term: Terminal, result: rescue_cmd.RescueResult) -> None:
    """What the dry run's diff covers: only what the store can already answer."""
    pending = result.report.pending
    shown = (
        f"the diff above rewrites {plural(len(result.diffs), 'document')} to what the store "
        "already holds"
        if result.diffs
        else "no diff: nothing referenced is in the store yet"
    )
    term.summary(
        f"dry run: {shown}; {plural(pending, 'resource')} would be looked up in the archive "
        "and rewritten if rescued; nothing was fetched or written"
    )


@app.command("restore", cls=HelpCommand)
def restore_command(
    paths: Annotated[
        list[Path],
        typer.Argument(metavar="PATH", help="Rescued Markdown files, or folders of them."),
    ],
    store: StoreOption = None,
    config: ConfigOption = None,
    quiet: QuietOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Put every original URL back, byte-identical to the files before the rescue.

    Exit 0 when every document was restored (or had nothing to restore); 1 when a
    rewritten link was edited by hand (named as file:line on stderr, the rest of
    the document restored); 2 when the store folder holds no store.
    """
    term = Terminal.open(quiet=quiet, verbose=verbose)
    cfg = _config(config)
    if store is not None:
        cfg = _override(cfg, "store", "--store", dir=str(store.resolve()))
    _check_paths(paths)
    setup_logging(term.err, interactive=term.interactive, verbosity=term.verbosity)
    from linkrescue.crawler.commands import restore as restore_cmd
    from linkrescue.crawler.commands.errors import NoStore

    try:
        done = restore_cmd.restore(paths, cfg, on_problem=_print_problem)
    except (InputError, NoStore) as exc:
        _fail(str(exc))
    term.summary(
        f"{plural(len(done.restored), 'document')} restored "
        f"({plural(done.references, 'reference')}), {plural(len(done.problems), 'problem')}"
    )
    if done.problems:
        raise typer.Exit(exits.BROKEN)


@app.command("verify", cls=HelpCommand)
def verify_command(
    store: Annotated[
        Path | None,
        typer.Option("--store", metavar="DIR", help="Store folder (default: [store] dir)."),
    ] = None,
    config: ConfigOption = None,
    repair: Annotated[
        bool,
        typer.Option(
            "--repair",
            help="Put back missing or changed files (from the store's own copy, else "
            "from their recorded capture in the archive).",
        ),
    ] = False,
    quiet: QuietOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Re-hash every file of the store; report any that is missing, changed or unknown to the index.

    Also lists each file stored under another media type than its capture was
    labelled with ("relabelled", not a problem). Exit 0 when the store is intact
    (after ``--repair``, when everything could be put back), 1 when something was
    found, 2 when the folder holds no store.
    """
    term = Terminal.open(quiet=quiet, verbose=verbose)
    cfg = _config(config)
    if store is not None:
        cfg = _override(cfg, "store", "--store", dir=str(store.resolve()))
    root = cfg.store_dir
    setup_logging(term.err, interactive=term.interactive, verbosity=term.verbosity)
    from linkrescue.archive.errors import ArchiveUnreachable
    from linkrescue.crawler.commands import verify as verify_cmd
    from linkrescue.crawler.commands.errors import NoStore

    try:
        checked = verify_cmd.verify(
            root, cfg.archive, repair=repair, on_repaired=_repaired(root), config=cfg
        )
    except NoStore as exc:
        _fail(str(exc))
    except ArchiveUnreachable as exc:
        _fail(
            f"{exc}: what was not put back is still missing; run again when online",
            exits.RETRY,
        )
    for path, note in checked.relabelled:
        # Not a problem: a capture labelled as something else than its bytes.
        print(f"relabelled: {root / path} ({note})")
    for problem in checked.problems:
        detail = (
            f" (expected sha256 {problem.expected}, found {problem.actual})"
            if problem.actual
            else ""
        )
        print(f"{problem.kind}: {root / problem.path}{detail}")
    term.summary(
        f"{plural(len(checked.rescued), 'rescued resource')}, "
        f"{plural(len(checked.problems), 'problem')} in {root}"
    )
    if checked.problems:
        raise typer.Exit(exits.BROKEN)


class StatusFormat(StrEnum):
    """``status --format`` choices."""

    TEXT = "text"
    JSON = "json"


@app.command("status", cls=HelpCommand)
def status_command(
    store: Annotated[
        Path | None,
        typer.Option("--store", metavar="DIR", help="Store folder (default: [store] dir)."),
    ] = None,
    config: ConfigOption = None,
    fmt: Annotated[
        StatusFormat,
        typer.Option("--format", "-f", metavar="FORMAT", help="text or json."),
    ] = StatusFormat.TEXT,
    html: Annotated[
        Path | None,
        typer.Option(
            "--html",
            metavar="FILE",
            help="Also write the status as one self-contained HTML page.",
        ),
    ] = None,
) -> None:
    """Show what the store holds: resources by outcome (pending ones with their next
    try), the last runs, the hosts that fail most, the store's size.

    Reads the store's index only: takes no lock (runs while a rescue runs) and creates
    nothing. Exit 0; 2 when the folder holds no store.
    """
    cfg = _config(config)
    if store is not None:
        cfg = _override(cfg, "store", "--store", dir=str(store.resolve()))
    from datetime import UTC, datetime

    from linkrescue.archive import open_state
    from linkrescue.crawler.commands import status as status_cmd
    from linkrescue.crawler.commands.errors import NoStore
    from linkrescue.crawler.output.statustext import write_status_json, write_status_text

    try:
        found = status_cmd.status(cfg, now=datetime.now(UTC))
    except NoStore as exc:
        _fail(str(exc))
    if fmt is StatusFormat.JSON:
        write_status_json(found, sys.stdout)
    else:
        write_status_text(found, sys.stdout)
    if html is not None:
        from linkrescue.crawler.commands.page import status_page
        from linkrescue.crawler.output.htmlreport import write_html

        with open_state(cfg.store_dir) as index:
            page = status_page(found, index, cfg.store_dir, cfg.nightly.policy())
        try:
            write_html(html, page)
        except OSError as exc:
            _fail(f"{html}: cannot write the HTML page: {exc.strerror or exc}", exits.IO_ERROR)


@app.command("export", cls=HelpCommand)
def export_command(
    warc: Annotated[
        Path,
        typer.Option(
            "--warc",
            metavar="FILE",
            help="The WARC file to write (gzipped record by record when it ends .gz).",
        ),
    ],
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="PATH",
            help="Only what these documents (or folders of them) were rewritten to.",
            show_default=False,
        ),
    ] = None,
    store: StoreOption = None,
    config: ConfigOption = None,
    quiet: QuietOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Write the store's rescued captures to a WARC file, for pywb or ReplayWeb.page.

    One response record per capture, holding the original captured bytes. Reads the
    store only (no lock). Exit 0 when every capture was written; 1 when some were left
    out (a damaged content object, named on its own line); 2 when the folder holds no store.
    """
    term = Terminal.open(quiet=quiet, verbose=verbose)
    cfg = _config(config)
    if store is not None:
        cfg = _override(cfg, "store", "--store", dir=str(store.resolve()))
    roots = paths or []
    _check_paths(roots)
    import linkrescue
    from linkrescue.crawler.commands import export as export_cmd
    from linkrescue.crawler.commands.errors import NoStore
    from linkrescue.crawler.output.warclines import export_line, skipped_line

    try:
        done = export_cmd.export(
            warc,
            roots,
            cfg,
            software=f"linkrescue/{linkrescue.__version__}",
            on_problem=_print_problem,
        )
    except (InputError, NoStore) as exc:
        _fail(str(exc))
    for left in done.summary.skipped:
        print(skipped_line(left.url, left.reason))
    term.summary(export_line(done.summary))
    if done.summary.skipped:
        raise typer.Exit(exits.BROKEN)


@app.command("import", cls=HelpCommand)
def import_command(
    warc: Annotated[
        Path,
        typer.Option("--warc", metavar="FILE", help="The WARC file (.warc or .warc.gz) to read."),
    ],
    replace: Annotated[
        bool,
        typer.Option(
            "--replace", help="A capture of a resource the store holds replaces the stored one."
        ),
    ] = False,
    store: StoreOption = None,
    config: ConfigOption = None,
    quiet: QuietOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Put the captures of a WARC file into the store (created when absent), so that a
    rescue finds them there and asks the archive nothing about them.

    Imports responses with a 2xx status, resource records, and revisits of a payload read
    earlier in the file. Exit 0 when the file was read whole; 1 when it is no WARC at all,
    or some records were damaged (each named with its offset); 3 when a run holds the store.
    """
    term = Terminal.open(quiet=quiet, verbose=verbose)
    cfg = _config(config)
    if store is not None:
        cfg = _override(cfg, "store", "--store", dir=str(store.resolve()))
    if not warc.is_file():
        _fail(f"{warc}: no such file")
    from linkrescue.archive import NotAWarc, StoreLocked
    from linkrescue.crawler.commands import importing as import_cmd
    from linkrescue.crawler.output.warclines import import_line

    try:
        done = import_cmd.import_(warc, cfg.store_dir, replace=replace, config=cfg)
    except NotAWarc as exc:
        _fail(str(exc), exits.RETRY)
    except StoreLocked as exc:
        _fail(f"{exc}; exit {exits.LOCKED}", exits.LOCKED)
    for problem in done.summary.problems:
        report_problem(str(warc), str(problem))
    term.summary(import_line(done.summary, done.views))
    if done.damaged:
        raise typer.Exit(exits.BROKEN)


def _repaired(root: Path) -> Callable[[Repaired], None]:
    """One line per file a repair put back, or could not (stdout, as it happens)."""

    from linkrescue.archive.model import Outcome

    def line(item: Repaired) -> None:
        done = "repaired" if item.outcome is Outcome.RESCUED else "not repaired"
        print(f"{done}: {root / item.path} ({item.reason})")

    return line


def main() -> None:
    """Console-script entry point: an unexpected exception is exit 70 with one line."""
    fix_mmap_threshold()
    exits.run_guarded(app)


def _version(value: bool) -> None:
    if value:
        try:
            print(f"linkrescue {version('linkrescue')}")
        except PackageNotFoundError:  # run from a source tree that was never installed
            print("linkrescue (version unknown: not installed)")
        raise typer.Exit(0)


@app.callback()
def _root(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Rescue the links and images of Markdown articles from web archives."""


class CheckFormat(StrEnum):
    """``check --format`` choices (members of :class:`Format` of the same value)."""

    TEXT = "text"
    JSON = "json"
    GITHUB = "github"
    JUNIT = "junit"
    SARIF = "sarif"


class FailOn(StrEnum):
    """``check --fail-on`` choices: what besides dead references makes exit 1."""

    DEAD = "dead"
    UNKNOWN = "unknown"


@app.command("check", cls=HelpCommand)
def check_command(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="[PATH]...",
            help="Markdown files or folders to report on (default: [corpus] content_root, else .).",
            show_default=False,
        ),
    ] = None,
    offline: Annotated[
        bool,
        typer.Option(
            "--offline", help="No network: files, internal links, fragments, the store, labels."
        ),
    ] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="A reference a rescue could make local is an error.")
    ] = False,
    fail_on: Annotated[
        FailOn,
        typer.Option(
            "--fail-on",
            metavar="WHAT",
            help="dead (default): exit 1 only for dead references; unknown: also for unknown.",
        ),
    ] = FailOn.DEAD,
    fmt: Annotated[
        CheckFormat,
        typer.Option("--format", "-f", metavar="FORMAT", help="text, json, github, junit, sarif."),
    ] = CheckFormat.TEXT,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", metavar="FILE", help="Write the findings here (whole, atomically)."
        ),
    ] = None,
    corpus: Annotated[
        list[Path] | None,
        typer.Option(
            "--corpus",
            metavar="DIR",
            help="Folder read for identities (internal links, fragments); repeatable.",
        ),
    ] = None,
    changed_since: Annotated[
        str | None,
        typer.Option(
            "--changed-since",
            metavar="REF",
            help="Report only the files git says were added, modified or renamed since REF.",
        ),
    ] = None,
    config: ConfigOption = None,
    store: StoreOption = None,
    quiet: QuietOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Report broken references at file:line:column; exit 1 when something is dead.

    Dead means definitively broken (a missing file, document, heading or stored file, a
    label with no definition; online also 404/410, a name that does not resolve, not
    archived). Unknown (5xx, timeouts, 429, bot walls) is shown and never fails the run
    unless --fail-on unknown. Exit 0: nothing dead; 1: dead references; 2: usage.
    """
    from linkrescue.crawler.commands import check as check_cmd
    from linkrescue.crawler.output.registry import check_formatter

    term = Terminal.open(quiet=quiet, verbose=verbose)
    cfg = _config(config)
    if store is not None:
        cfg = _override(cfg, "store", "--store", dir=str(store))
    if not paths:
        root = cfg.corpus.content_root
        paths = [cfg.resolve(root) if root else Path(".")]
    _check_paths(paths)
    setup_logging(term.err, interactive=term.interactive, verbosity=term.verbosity)
    options = check_cmd.CheckOptions(
        offline=offline,
        strict=strict,
        fail_on_unknown=fail_on is FailOn.UNKNOWN,
        corpus=tuple(corpus or ()),
        changed_since=changed_since,
    )
    try:
        with _check_lock(cfg, offline=offline):
            run = check_cmd.check(paths, cfg, options, on_problem=_print_problem)
        to = Destination(sys.stdout, term.out, path=output)
        check_formatter(Format(fmt.value), to).write(run)
        sys.stdout.flush()
    except InputError as exc:
        _fail(str(exc))
    except BrokenPipeError:
        sys.stderr.close()
        raise typer.Exit(0) from None
    summary = run.summary()
    if summary.failed(strict=strict, fail_on_unknown=fail_on is FailOn.UNKNOWN):
        raise typer.Exit(exits.BROKEN)


def _check_lock(cfg: Config, *, offline: bool) -> contextlib.AbstractContextManager[object]:
    """An online ``check`` keeps its answers in the store's index when there is a store:
    it takes the store's run lock (exit 3 if a rescue holds it). Offline it only reads."""
    from linkrescue.archive import StoreLocked, lock_store, store_at

    if offline or store_at(cfg.store_dir) is None:
        return contextlib.nullcontext()
    try:
        return lock_store(cfg.store_dir)
    except StoreLocked as exc:
        _fail(f"{exc}; exit {exits.LOCKED}", exits.LOCKED)


class ConfigFormat(StrEnum):
    """``config --format`` choices."""

    TEXT = "text"
    JSON = "json"


@app.command("config", cls=HelpCommand)
def config_command(
    fmt: Annotated[
        ConfigFormat,
        typer.Option("--format", "-f", metavar="FORMAT", help="text (TOML-like) or json."),
    ] = ConfigFormat.TEXT,
    config: ConfigOption = None,
) -> None:
    """Print the settings the commands would use here, and the file each came from."""
    from linkrescue.crawler.output.settings import print_settings

    cfg, found = _found_config(config)
    print_settings(cfg, found, as_json=fmt is ConfigFormat.JSON, out=sys.stdout)
