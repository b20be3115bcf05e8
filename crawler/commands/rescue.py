"""``linkrescue rescue``: scan, settle what the store knows, fetch the rest, rewrite.

The stages wired in order (:mod:`linkrescue.crawler.stages`); what the user sees comes
from the callbacks the CLI hands in: each problem as it is found, and a watch of the
fetching (the live progress on a terminal, log lines off it). The run's result is a
value: the report, whether something may pass on the next run, and a dry run's diffs.

A run holds the store's run lock from start to end (:func:`linkrescue.archive.lock_store`:
one run per store; a dry run writes nothing and takes none), and records itself in
the store's ``runs`` table: how it ended (complete, budget, interrupted, failed), the
requests it made, what it left and the report's counts. A :class:`RunStop` (budgets,
signals) makes it stop starting resources; a second signal (:class:`Interrupted`)
abandons those in flight, and the report is still made.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Protocol

import httpx

from linkrescue.archive import (
    Archive,
    ArchiveClient,
    DocumentCache,
    Index,
    RequestCounts,
    Store,
    StoreUse,
    archive_identity,
    lock_store,
    open_state,
    open_store,
    store_at,
)
from linkrescue.atomic import disk_full
from linkrescue.crawler.commands.errors import DiskFull
from linkrescue.crawler.config import Config
from linkrescue.crawler.report import RescueReport, build_report
from linkrescue.crawler.stages.corpus import Problem
from linkrescue.crawler.stages.crawl import Crawl
from linkrescue.crawler.stages.incremental import CorpusReader, Reading, settings_digest
from linkrescue.crawler.stages.listingbook import (
    keep_listings,
    keep_listings_as_made,
    remember_listings,
)
from linkrescue.crawler.stages.live import LiveChecker
from linkrescue.crawler.stages.repair import repair_stored
from linkrescue.crawler.stages.rescue import (
    Inventory,
    Rescuer,
    RescueRun,
    check_archive,
    settle_all,
)
from linkrescue.crawler.stages.rewrite import Rewritten, SpilledPlans, Targets, rewrite_documents
from linkrescue.crawler.stages.scan import Corpus
from linkrescue.crawler.stages.stop import Interrupted, RunStop, StopReason
from linkrescue.crawler.stages.tasks import Task
from linkrescue.rewriters.files import sweep_folder

log = logging.getLogger("linkrescue.crawler")


@dataclass(frozen=True, slots=True)
class RescueResult:
    """What a run leaves for the CLI: the report and whether something may pass next time."""

    report: RescueReport
    failed: bool
    #: The dry run's diffs, one per document it would change (none outside a dry run).
    diffs: tuple[Rewritten, ...] = ()
    #: Stopped at once by a second signal: resources in flight were abandoned (their
    #: threads may still be running: the CLI leaves without waiting for them).
    abandoned: bool = False
    #: How the documents were read: parsed, or their kept scan reused (unchanged).
    reading: Reading = field(default_factory=Reading)
    #: The run's row in the store's ``runs`` (None: a dry run, or one that never opened
    #: the store): how the HTML report tells this run from the ones before it.
    run_id: int | None = None


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
    stop: RunStop | None = None,
) -> RescueResult:
    """Scan ``roots``, rescue what they reference into the store, rewrite them.

    ``on_problem`` hears of each file not read and each document not rewritten as it is
    found (the report lists them again at the end). ``stop`` (default: the budgets of
    ``[nightly]``) says when to stop starting resources. Raises
    :class:`~linkrescue.archive.StoreLocked` at once when another run holds the store.
    """
    if stop is None:
        nightly = config.nightly
        stop = RunStop(max_requests=nightly.max_requests, seconds=nightly.time_budget_seconds)
    if config.rescue.dry_run:
        return _rescue(roots, config, on_problem, watch, transport, stop)
    with lock_store(config.store_dir):
        return _rescue(roots, config, on_problem, watch, transport, stop)


def _rescue(
    roots: Sequence[Path],
    config: Config,
    on_problem: Callable[[Problem], None],
    watch: Watcher,
    transport: httpx.BaseTransport | None,
    stop: RunStop,
) -> RescueResult:
    run = RescueRun()
    try:
        reader, plans = _read(roots, config, run, on_problem)
        try:
            return _stages(run, reader, plans, config, on_problem, watch, transport, stop)
        finally:
            plans.close()
            reader.kept.close()
    except Interrupted:  # before the fetching (or after it): what the run knows so far
        report = build_report(run, RequestCounts(), 0, stopped=str(stop.reason))
        return RescueResult(report, failed=False, abandoned=True, reading=run.reading)


def _read(
    roots: Sequence[Path],
    config: Config,
    run: RescueRun,
    on_problem: Callable[[Problem], None],
) -> tuple[CorpusReader, SpilledPlans]:
    """Stage 1: the inventory and the rewrite's plans (what it will replace: the
    documents are not scanned twice), reading only the documents that changed since
    the index kept their scan (:mod:`~linkrescue.crawler.stages.incremental`)."""
    scan_config = config.for_scan()
    state = open_state(config.store_dir) if store_at(config.store_dir) is not None else None
    cache = DocumentCache(state.database) if state is not None else None
    reader = CorpusReader(scan_config, cache, on_problem=run.problems.append)
    try:
        reader.corpus = reader.index(roots)
        run.tasks.corpus_paths = reader.corpus.items.paths
        for problem in run.problems:
            on_problem(problem)
        inv = Inventory(config.for_rescue(), run)
        plans = SpilledPlans()
        for doc in reader.rows(reader.corpus):
            for problem in doc.problems:
                on_problem(problem)
            inv.add_rows(doc)
            plans.add_rows(doc)
    finally:
        reader.workers.close()
        if state is not None:
            state.close()
    run.reading = reader.reading
    log.debug(
        "documents: %d read, %d unchanged since the last run (%d of them re-hashed)",
        reader.reading.parsed,
        reader.reading.reused,
        reader.reading.rehashed,
    )
    return reader, plans


def _stages(
    run: RescueRun,
    reader: CorpusReader,
    plans: SpilledPlans,
    config: Config,
    on_problem: Callable[[Problem], None],
    watch: Watcher,
    transport: httpx.BaseTransport | None,
    stop: RunStop,
) -> RescueResult:
    corpus = reader.corpus
    now = datetime.now(UTC)

    if config.rescue.dry_run:
        pending = settle_all(
            run.tasks,
            config.store_dir,
            archive=archive_identity(config.archive),
            recheck_days=config.rescue.recheck_days,
            now=now,
            policy=config.nightly.policy(),
            live_dead=config.rescue.live_links == "dead",
        )
        for task in run.tasks.tasks(pending):
            task.reason = "would be looked up in the archive (dry run)"
            run.tasks.record(task)
        state = open_state(config.store_dir) if store_at(config.store_dir) is not None else None
        try:
            if state is not None:
                plans.reload = reader.reloader(DocumentCache(state.database))
            diffs = _rewrite(run, corpus, plans, config, None, on_problem, dry_run=True)
        finally:
            if state is not None:
                state.close()
        report = build_report(run, RequestCounts(), 0)
        return RescueResult(report, failed=False, diffs=tuple(diffs), reading=run.reading)

    live = (
        LiveChecker(config.archive, config.live, network=config.network)
        if config.rescue.live_links == "dead"
        else None
    )
    try:
        return _fetch_and_rewrite(
            run, reader, plans, config, live, now, on_problem, watch, transport, stop
        )
    finally:
        if live is not None:
            live.close()


def _fetch_and_rewrite(
    run: RescueRun,
    reader: CorpusReader,
    plans: SpilledPlans,
    config: Config,
    live: LiveChecker | None,
    now: datetime,
    on_problem: Callable[[Problem], None],
    watch: Watcher,
    transport: httpx.BaseTransport | None,
    stop: RunStop,
) -> RescueResult:
    """Stages 2-4 with the store and the archive client open; the result.

    The archive is probed before the store is opened: a wrong archive setting or
    no network ends the run with nothing created or recorded.
    """
    with ArchiveClient(config.archive, transport=transport) as client:
        stop.requests = lambda: client.counts.total + (live.requests if live else 0)
        pending = settle_all(
            run.tasks,
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
            run_id = store.index.begin_run("rescue", run.started_at)
            # what this run read, for the next one: kept before the fetching, so a run
            # stopped early still spares the next one the reading (a document the
            # rewrite changes later has another size or time: it is read again)
            cache = DocumentCache(store.index.database)
            if settings_digest(config.for_scan()) == reader.settings:
                reader.kept.write(cache, reader.settings)
            plans.reload = reader.reloader(cache)
            corpus = reader.corpus
            rescuer = Rescuer(
                config.for_rescue(),
                store,
                client,
                live,
                stop=stop,
                policy=config.nightly.policy(),
            )
            outcome = "failed"  # unless it ends otherwise
            abandoned = False
            max_age = config.rescue.recheck_days
            wanted = [run.tasks.url(row) for row in pending]
            remember_listings(client, store.index, wanted, max_age_days=max_age, now=now)
            keep_listings_as_made(client, store.index)
            try:
                # files the documents point to, put back
                repair_stored(run, store, client, on_problem=on_problem, seen=reader.stats)
                progress = watch(
                    client,
                    total=len(pending),
                    documents=run.documents,
                    stored_bytes=lambda: rescuer.bytes,
                )
                rescuer.on_done = progress.done
                with progress:
                    rescuer.run(run.tasks, pending)
                run.bytes = rescuer.bytes
                _stop_if_full(stop, store)
                if config.crawl.requisites or config.crawl.sanitize:
                    run.crawl = Crawl(
                        config.for_crawl(),
                        config.for_rescue(),
                        store,
                        client,
                        stop=stop,
                        policy=config.nightly.policy(),
                        recheck_days=config.rescue.recheck_days,
                        now=now,
                        on_problem=on_problem,
                    ).run()
                    run.bytes += run.crawl.bytes
                    _stop_if_full(stop, store)
                if config.rescue.rewrite:
                    rewritten = _rewrite(
                        run,
                        corpus,
                        plans,
                        config,
                        store.index,
                        on_problem,
                        dry_run=False,
                        settled_only=stop.reason is not None,
                    )
                    run.rewritten.extend(r.path for r in rewritten)
                outcome = str(stop.reason or "complete")
            except Interrupted:
                run.bytes = rescuer.bytes
                outcome = "interrupted"
                abandoned = True
            except Exception as exc:
                if not disk_full(exc):
                    raise
                stop.disk_is_full(exc)  # a repair or a view could not be kept either
                raise DiskFull(store.root, stop.full) from None
            finally:
                live_requests = live.requests if live is not None else 0
                stopped = None if outcome in ("complete", "failed") else outcome
                report = build_report(run, client.counts, live_requests, stopped=stopped)
                counts = report.requests
                # on a full disk the index may take nothing more: what it holds is whole
                with _unless_full():
                    keep_listings(client, store.index, max_age_days=max_age, now=now)
                    store.index.end_run(
                        run_id,
                        outcome,
                        cdx_requests=counts.cdx,
                        playback_requests=counts.playback,
                        live_requests=counts.live,
                        resources_left=report.left,
                        totals=report.totals(),
                    )
        return RescueResult(
            report, failed=run.failed, abandoned=abandoned, reading=run.reading, run_id=run_id
        )


def _stop_if_full(stop: RunStop, store: Store) -> None:
    """End the run if a fetch found the disk full: nothing more can be kept, and the
    documents are not rewritten (their rewrite ledger lives in the full disk's index)."""
    if stop.reason is StopReason.DISK_FULL:
        raise DiskFull(store.root, stop.full)


@contextlib.contextmanager
def _unless_full() -> Iterator[None]:
    """Run the block; a full disk stops it without an error of its own (the run is
    already ending with :class:`DiskFull`, and SQLite rolled the write back)."""
    try:
        yield
    except Exception as exc:
        if not disk_full(exc):
            raise


def _rewrite(
    run: RescueRun,
    corpus: Corpus,
    plans: SpilledPlans,
    config: Config,
    index: Index | None,
    on_problem: Callable[[Problem], None],
    *,
    dry_run: bool,
    settled_only: bool = False,
) -> list[Rewritten]:
    local_paths = run.tasks.local_paths()
    if not dry_run:  # what a killed run left, beside any document of the corpus
        for folder in sorted({Path(path).parent for path in corpus.items.paths}):
            sweep_folder(folder)
    docs = run.documents_to_rewrite(settled_only=settled_only)
    # by number: only these documents' addresses are read back (CorpusItems)
    numbers = [n for n, path in enumerate(corpus.items.paths) if path in docs]

    def conflict(problem: Problem) -> None:
        run.conflicts.append(problem)
        on_problem(problem)

    return rewrite_documents(
        [corpus.items[n] for n in numbers],
        corpus,
        config.for_scan(),
        index,
        Targets(config.for_rewrite(), local_paths),
        plans,
        dry_run=dry_run,
        on_problem=conflict,
        numbers=numbers,
    )
