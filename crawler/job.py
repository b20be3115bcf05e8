"""One ``linkrescue rescue`` or ``restore`` run, wired from its parts (the CLI stays thin)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import httpx
from rich.console import Console

from linkrescue.archive.remote.probe import archive_identity
from linkrescue.archive.remote.transport import RequestCounts
from linkrescue.archive.remote.wayback import ArchiveClient
from linkrescue.archive.state.index import Index
from linkrescue.archive.store.paths import INDEX_FILENAME
from linkrescue.archive.store.store import Store
from linkrescue.crawler.config import Config
from linkrescue.crawler.console import Verbosity
from linkrescue.crawler.output import report_problem
from linkrescue.crawler.progress import RescueProgress
from linkrescue.crawler.report import report_dict
from linkrescue.crawler.stages.corpus import Problem, iter_documents
from linkrescue.crawler.stages.live import LiveChecker
from linkrescue.crawler.stages.repair import repair_stored
from linkrescue.crawler.stages.rescue import (
    Inventory,
    Rescuer,
    RescueRun,
    Task,
    check_archive,
    inventory,
    settle_all,
)
from linkrescue.crawler.stages.rewrite import (
    Plans,
    Rewritten,
    Targets,
    restore_documents,
    rewrite_documents,
)
from linkrescue.crawler.stages.scan import Corpus


@dataclass(frozen=True, slots=True)
class JobResult:
    """What the CLI needs after a run: the report and whether something may pass next time."""

    report: dict[str, Any]
    failed: bool
    #: Documents the dry run's diff changes (0 outside a dry run).
    diffs: int = 0


def rescue(
    roots: Sequence[Path],
    config: Config,
    *,
    console: Console,
    interactive: bool,
    diff_out: TextIO = sys.stdout,
    transport: httpx.BaseTransport | None = None,
    verbosity: Verbosity = Verbosity.NORMAL,
) -> JobResult:
    """Scan ``roots``, rescue what they reference into the store, rewrite them."""
    run = RescueRun()
    corpus, results = inventory(roots, config, run)
    for problem in run.problems:
        report_problem(problem.path, problem.reason)
    inv = Inventory(config, run)
    plans = Plans()  # what the rewrite will replace: the documents are not scanned twice
    for result in results:
        for problem in result.problems:
            report_problem(problem.path, problem.reason)
        inv.add(result)
        plans.add(result)
    tasks = list(run.tasks.values())
    now = datetime.now(UTC)

    if config.rescue.dry_run:
        pending = settle_all(
            tasks,
            config.store_dir,
            archive=archive_identity(config.archive),
            recheck_days=config.rescue.recheck_days,
            now=now,
        )
        for task in pending:
            task.reason = "would be looked up in the archive (dry run)"
        diffs = _rewrite(run, corpus, plans, config, None, dry_run=True)
        for diff in diffs:
            diff_out.write(diff.diff)
        return JobResult(report_dict(run, RequestCounts(), 0), failed=False, diffs=len(diffs))

    live = LiveChecker(config.archive) if config.rescue.live_links == "dead" else None
    try:
        counts = _fetch_and_rewrite(
            run, corpus, plans, tasks, config, live, now, console, interactive, transport, verbosity
        )
    finally:
        if live is not None:
            live.close()
    live_requests = live.requests if live is not None else 0
    return JobResult(report_dict(run, counts, live_requests), failed=run.failed)


def _fetch_and_rewrite(
    run: RescueRun,
    corpus: Corpus,
    plans: Plans,
    tasks: list[Task],
    config: Config,
    live: LiveChecker | None,
    now: datetime,
    console: Console,
    interactive: bool,
    transport: httpx.BaseTransport | None,
    verbosity: Verbosity,
) -> RequestCounts:
    """Stages 2-4 with the store and the archive client open; the requests they made.

    The archive is probed before the store is opened: a wrong archive setting or
    no network ends the run with nothing created or recorded.
    """
    with ArchiveClient(config.archive, transport=transport) as client:
        pending = settle_all(
            tasks,
            config.store_dir,
            archive=client.archive,
            recheck_days=config.rescue.recheck_days,
            now=now,
        )
        if pending:
            check_archive(client)
        with Store(config.store_dir) as store:
            repair_stored(run, store, client)  # files the documents point to, put back
            rescuer = Rescuer(config, store, client, live)
            progress = RescueProgress(
                console,
                client,
                total=len(pending),
                documents=run.documents,
                interactive=interactive,
                stored_bytes=lambda: rescuer.bytes,
                verbosity=verbosity,
            )
            rescuer.on_done = progress.done
            with progress:
                rescuer.run(pending)
            run.bytes = rescuer.bytes
            if config.rescue.rewrite:
                rewritten = _rewrite(run, corpus, plans, config, store.index, dry_run=False)
                run.rewritten.extend(r.path for r in rewritten)
        return client.counts


def _rewrite(
    run: RescueRun,
    corpus: Corpus,
    plans: Plans,
    config: Config,
    index: Index | None,
    *,
    dry_run: bool,
) -> list[Rewritten]:
    local_paths = {t.key: t.local_path for t in run.tasks.values() if t.local_path is not None}
    docs = run.documents_to_rewrite()
    items = [item for item in corpus.items if item[0] in docs]

    def conflict(problem: Problem) -> None:
        run.conflicts.append(problem)
        report_problem(problem.path, problem.reason)

    return rewrite_documents(
        items,
        corpus,
        config,
        index,
        Targets(config, local_paths),
        plans,
        dry_run=dry_run,
        on_problem=conflict,
    )


class NoStore(Exception):
    """The store folder holds no store: ``restore`` has nothing to read (exit 2)."""


def restore(roots: Sequence[Path], config: Config) -> tuple[list[Rewritten], list[Problem]]:
    """Put back the original URLs in the documents under ``roots``."""
    problems: list[Problem] = []

    def on_problem(problem: Problem) -> None:
        problems.append(problem)
        report_problem(problem.path, problem.reason)

    paths = []
    for item in iter_documents(roots, config.corpus):
        if isinstance(item, Problem):
            on_problem(item)
        else:
            paths.append(item)
    index_path = config.store_dir / INDEX_FILENAME
    if not index_path.is_file():
        raise NoStore(
            f"{config.store_dir}: no store here (no {INDEX_FILENAME}); nothing to restore"
        )
    with Index(index_path) as index:
        return restore_documents(paths, index, on_problem=on_problem), problems
