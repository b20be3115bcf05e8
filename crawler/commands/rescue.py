"""``linkrescue rescue``: scan, settle what the store knows, fetch the rest, rewrite.

The stages wired in order (:mod:`linkrescue.crawler.stages`); what the user sees comes
from the callbacks the CLI hands in: each problem as it is found, and a watch of the
fetching (the live progress on a terminal, log lines off it). The run's result is a
value: the report, whether something may pass on the next run, and a dry run's diffs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Protocol

import httpx

from linkrescue.archive import (
    Archive,
    ArchiveClient,
    Index,
    RequestCounts,
    StoreUse,
    archive_identity,
    open_store,
)
from linkrescue.crawler.config import Config
from linkrescue.crawler.report import RescueReport, build_report
from linkrescue.crawler.stages.corpus import Problem
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
from linkrescue.crawler.stages.rewrite import Plans, Rewritten, Targets, rewrite_documents
from linkrescue.crawler.stages.scan import Corpus


@dataclass(frozen=True, slots=True)
class RescueResult:
    """What a run leaves for the CLI: the report and whether something may pass next time."""

    report: RescueReport
    failed: bool
    #: The dry run's diffs, one per document it would change (none outside a dry run).
    diffs: tuple[Rewritten, ...] = ()


class Watch(Protocol):
    """Someone watching the fetching: told of each finished resource, while it is open."""

    def __enter__(self) -> object: ...

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    def done(self, task: Task) -> None:
        """One resource finished (called from the run's main thread)."""


class Watcher(Protocol):
    """Opens a :class:`Watch` once the resources to fetch are known."""

    def __call__(
        self,
        client: Archive,
        *,
        total: int,
        documents: int,
        stored_bytes: Callable[[], int],
    ) -> Watch: ...


class Unwatched:
    """No one watching (a run started from code, or a test)."""

    def __init__(
        self, client: Archive, *, total: int, documents: int, stored_bytes: Callable[[], int]
    ) -> None:
        pass

    def __enter__(self) -> Unwatched:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        pass

    def done(self, task: Task) -> None:
        pass


def _ignore(problem: Problem) -> None:
    pass


def rescue(
    roots: Sequence[Path],
    config: Config,
    *,
    on_problem: Callable[[Problem], None] = _ignore,
    watch: Watcher = Unwatched,
    transport: httpx.BaseTransport | None = None,
) -> RescueResult:
    """Scan ``roots``, rescue what they reference into the store, rewrite them.

    ``on_problem`` hears of each file not read and each document not rewritten as it is
    found (the report lists them again at the end).
    """
    run = RescueRun()
    corpus, results = inventory(roots, config.for_scan(), run)
    for problem in run.problems:
        on_problem(problem)
    inv = Inventory(config.for_rescue(), run)
    plans = Plans()  # what the rewrite will replace: the documents are not scanned twice
    for result in results:
        for problem in result.problems:
            on_problem(problem)
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
            policy=config.nightly.policy(),
            live_dead=config.rescue.live_links == "dead",
        )
        for task in pending:
            task.reason = "would be looked up in the archive (dry run)"
        diffs = _rewrite(run, corpus, plans, config, None, on_problem, dry_run=True)
        report = build_report(run, RequestCounts(), 0)
        return RescueResult(report, failed=False, diffs=tuple(diffs))

    live = LiveChecker(config.archive, config.live) if config.rescue.live_links == "dead" else None
    try:
        counts = _fetch_and_rewrite(
            run, corpus, plans, tasks, config, live, now, on_problem, watch, transport
        )
    finally:
        if live is not None:
            live.close()
    live_requests = live.requests if live is not None else 0
    return RescueResult(build_report(run, counts, live_requests), failed=run.failed)


def _fetch_and_rewrite(
    run: RescueRun,
    corpus: Corpus,
    plans: Plans,
    tasks: list[Task],
    config: Config,
    live: LiveChecker | None,
    now: datetime,
    on_problem: Callable[[Problem], None],
    watch: Watcher,
    transport: httpx.BaseTransport | None,
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
            policy=config.nightly.policy(),
            live_dead=config.rescue.live_links == "dead",
        )
        if pending:
            check_archive(client)
        with open_store(config.store_dir, StoreUse.RUN) as store:
            # files the documents point to, put back
            repair_stored(run, store, client, on_problem=on_problem)
            rescuer = Rescuer(
                config.for_rescue(), store, client, live, policy=config.nightly.policy()
            )
            progress = watch(
                client,
                total=len(pending),
                documents=run.documents,
                stored_bytes=lambda: rescuer.bytes,
            )
            rescuer.on_done = progress.done
            with progress:
                rescuer.run(pending)
            run.bytes = rescuer.bytes
            if config.rescue.rewrite:
                rewritten = _rewrite(
                    run, corpus, plans, config, store.index, on_problem, dry_run=False
                )
                run.rewritten.extend(r.path for r in rewritten)
        return client.counts


def _rewrite(
    run: RescueRun,
    corpus: Corpus,
    plans: Plans,
    config: Config,
    index: Index | None,
    on_problem: Callable[[Problem], None],
    *,
    dry_run: bool,
) -> list[Rewritten]:
    local_paths = {t.key: t.local_path for t in run.tasks.values() if t.local_path is not None}
    docs = run.documents_to_rewrite()
    items = [item for item in corpus.items if item[0] in docs]

    def conflict(problem: Problem) -> None:
        run.conflicts.append(problem)
        on_problem(problem)

    return rewrite_documents(
        items,
        corpus,
        config.for_scan(),
        index,
        Targets(config.for_rewrite(), local_paths),
        plans,
        dry_run=dry_run,
        on_problem=conflict,
    )
