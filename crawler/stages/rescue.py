"""The rescue pipeline: scan → resolve → choose snapshot → fetch → store → rewrite → report.

1. *Inventory*: the scan's two passes give every reference, resolved; each
   unique resource (by normalized key) becomes one :class:`Task`, however many
   documents reference it, so it is looked up and fetched once per run.
2. *Known answers*: a resource the store already holds costs no request (a second
   run makes none); a recent definitive negative (not archived, blocked) is
   reused for ``[rescue] recheck_days``, and only against the archive that gave it;
   a transient failure waits out its backoff, and a live link is fetched only once
   its history declares it dead (:mod:`linkrescue.archive.state.history`).
3. *Fetch*: before the first lookup the archive's CDX endpoint is probed once
   (a wrong archive setting is an error, not a verdict on every resource); tasks
   run on ``concurrency`` threads through one archive client, whose rate limits
   and 429 pause are shared; host prefixes shared by many resources are listed
   once with CDX first, so each resource costs one playback. An archive out of
   reach ends the run at once, with nothing recorded.
4. *Rewrite*: documents with something to rewrite are read again and edited
   (:mod:`linkrescue.crawler.stages.rewrite`), atomically, never over a file changed meanwhile.

Memory: the tasks (one per resource) and their reference places; documents are
never held, only streamed through twice.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import threading
import time
from array import array
from collections import deque
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from linkrescue.archive import (
    ALIVE,
    DEAD,
    FETCH,
    LIVE,
    UNKNOWN,
    Archive,
    HistoryPolicy,
    Index,
    IndexedResource,
    Listing,
    LiveStanding,
    Store,
    deferring,
    failures_in_a_row,
    live_standing,
    next_try,
    open_state,
    store_at,
)
from linkrescue.archive.errors import (
    ArchiveStopped,
    ArchiveUnreachable,
    RetryExhausted,
    TransientError,
)
from linkrescue.archive.model import Found, Result, Want
from linkrescue.archive.model import Outcome as Answer
from linkrescue.archive.urls import names_an_image
from linkrescue.atomic import disk_full
from linkrescue.crawler.config import (
    IMAGE_FRONTMATTER_KEYS,
    RescueStageSettings,
    ScanStageSettings,
)
from linkrescue.crawler.outcome import Outcome
from linkrescue.crawler.stages.corpus import Problem
from linkrescue.crawler.stages.docrows import (
    ARCHIVE,
    ATTRIBUTE,
    ELEMENT,
    KEY,
    KIND,
    LINE,
    RESOURCE,
    STATUS,
    STORED,
    URL,
    DocRows,
)
from linkrescue.crawler.stages.incremental import Reading
from linkrescue.crawler.stages.live import LiveChecker, Liveness
from linkrescue.crawler.stages.resolve import Status
from linkrescue.crawler.stages.scan import Corpus, FileResult, Record, index_corpus, scan_items
from linkrescue.crawler.stages.stop import RunStop
from linkrescue.crawler.stages.tasks import Task, TaskTable
from linkrescue.rewriters.model import Reference, RefKind

if TYPE_CHECKING:
    from linkrescue.crawler.stages.crawl import CrawlSummary

log = logging.getLogger("linkrescue.crawler")

#: HTML (element, attribute) pairs that load an image.
IMAGE_HTML = frozenset(
    {
        ("img", "src"),
        ("img", "srcset"),
        ("source", "srcset"),
        ("source", "src"),
        ("video", "poster"),
    }
)
#: Hugo shortcode (name, parameter) pairs that show an image: Hugo's own ``figure``
#: (``src`` or its first positional value) and the ``img``/``image`` shortcodes themes add.
IMAGE_SHORTCODES = frozenset(
    {("figure", "src"), ("figure", "0"), ("img", "src"), ("image", "src"), ("video", "poster")}
)
#: ``[nightly]``'s defaults, for callers that give no policy.
DEFAULT_POLICY = HistoryPolicy()
_INTERNAL, _LOCAL, _REMOTE = Status.INTERNAL.value, Status.LOCAL.value, Status.REMOTE.value
#: Resources failing in a row (after their own retries) that stop a run's fetching.
BREAKER_FAILURES = 5
#: Resources whose rows are asked of the store's index at once (:func:`settle_all`).
SETTLE_BATCH = 4096


@dataclass(slots=True)
class RescueRun:
    """Everything a run found and did: the report's content."""

    documents: int = 0
    references: int = 0
    internal: int = 0
    already_local: int = 0
    skipped_refs: int = 0
    #: One row per resource, with its places and what it settled to.
    tasks: TaskTable = field(default_factory=TaskTable)
    problems: list[Problem] = field(default_factory=list)
    rewritten: list[str] = field(default_factory=list)
    conflicts: list[Problem] = field(default_factory=list)
    bytes: int = 0
    live_requests: int = 0
    started: float = field(default_factory=time.monotonic)
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    internal_docs: dict[str, None] = field(default_factory=dict)
    #: Paths inside the store that documents point to, with their places (crawler.repair).
    stored: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    #: How the documents were read (parsed, or unchanged since the index kept their scan).
    reading: Reading = field(default_factory=Reading)
    #: What the page crawl did (requisites, views), when it ran.
    crawl: CrawlSummary | None = None

    def documents_to_rewrite(self, *, settled_only: bool = False) -> set[str]:
        """Documents with an internal link or a reference to a resource now in the store.

        ``settled_only`` (a run stopped by a budget or a signal): not the documents that
        reference a resource left for the next run, which rewrites them whole then, as
        one uninterrupted run would have, instead of in two halves.
        """
        docs = set(self.internal_docs)
        tasks = self.tasks
        for row in range(len(tasks)):
            if tasks.local_path(row) is not None:
                docs.update(tasks.documents_of(row))
        if settled_only:
            for row in range(len(tasks)):
                if tasks.outcome(row) is None:
                    docs.difference_update(tasks.documents_of(row))
        return docs

    @property
    def left(self) -> int:
        """Resources not looked up: left for the next run (or, in a dry run, to look up)."""
        return self.tasks.count(None)

    def count(self, outcome: Outcome) -> int:
        return self.tasks.count(outcome)

    @property
    def failed(self) -> bool:
        """Some resource failed for a reason that may pass, or a document could not be rewritten."""
        return self.count(Outcome.FAILED) > 0 or bool(self.conflicts)


def wants(
    ref: Reference,
    image_keys: Collection[str] = IMAGE_FRONTMATTER_KEYS,
    url: str | None = None,
) -> Want:
    """An image reference must get an image, not the HTML error page a capture may hold.

    A frontmatter value is an image when its top-level key is one of ``image_keys``
    (``[scan] image_keys``): a key a user adds to ``frontmatter_keys`` is a link unless
    also listed there (``og_picture`` must refuse an HTML error page in its place). A
    link to ``url`` whose path ends ``.jpg``, ``.png``… wants the image too.
    """
    return wants_of(ref.kind, ref.element, ref.attribute, ref.key, image_keys, url)


def wants_of(
    kind: str,
    element: str | None,
    attribute: str | None,
    key: str | None,
    image_keys: Collection[str] = IMAGE_FRONTMATTER_KEYS,
    url: str | None = None,
) -> Want:
    """:func:`wants` from a reference's kind (a :class:`RefKind` value), names and URL."""
    if kind == RefKind.MD_IMAGE:
        return Want.IMAGE
    if kind == RefKind.HTML and (element, attribute) in IMAGE_HTML:
        return Want.IMAGE
    if kind == RefKind.SHORTCODE and (element, attribute) in IMAGE_SHORTCODES:
        return Want.IMAGE
    if kind == RefKind.FRONTMATTER and (key or "").split(".")[0] in image_keys:
        return Want.IMAGE
    if url is not None and names_an_image(url):
        return Want.IMAGE
    return Want.ANY


def selected(record: Record, settings: RescueStageSettings) -> bool:
    """Whether ``--only`` and ``live_links`` let this remote reference be rescued."""
    only = settings.only
    image = wants(record.ref, settings.image_keys, record.res.url) is Want.IMAGE
    if (only == "images" and not image) or (only == "links" and image):
        return False
    return not (record.res.archive is None and settings.live_links == "off")


def _digits(timestamp: str | None) -> str | None:
    """The digits of a timestamp as written (``2021*`` → ``2021``); None if none."""
    if not timestamp:
        return None
    digits = timestamp.rstrip("*")
    return digits if digits.isdigit() else None


class Inventory:
    """Stage 1: stream the scan into tasks (one per resource) and counts."""

    def __init__(self, settings: RescueStageSettings, run: RescueRun) -> None:
        self.settings = settings
        self.run = run

    def add(self, result: FileResult) -> None:
        run = self.run
        run.problems.extend(result.problems)
        if not result.readable:
            return
        run.documents += 1
        for record in result.records:
            run.references += 1
            status = record.res.status
            if status is Status.INTERNAL:
                run.internal += 1
                run.internal_docs[record.file] = None
            elif status is Status.LOCAL:
                run.already_local += 1
                if record.res.stored is not None:
                    places = run.stored.setdefault(record.res.stored, [])
                    places.append((record.file, record.ref.line))
            elif status is Status.REMOTE and record.res.key and selected(record, self.settings):
                self._task(record, result.near)
            else:
                run.skipped_refs += 1

    def add_rows(self, doc: DocRows) -> None:
        """:meth:`add` from a document's rows (:mod:`~linkrescue.crawler.stages.docrows`),
        the identity index applied: the same counts, tasks and places."""
        run = self.run
        run.problems.extend(doc.problems)
        if not doc.readable:
            return
        run.documents += 1
        path = doc.path
        settings = self.settings
        only, live_off, image_keys = (
            settings.only,
            settings.live_links == "off",
            settings.image_keys,
        )
        tasks = run.tasks
        doc_id = -1
        for row in doc.rows:
            run.references += 1
            status = row[STATUS]
            if status == _INTERNAL:
                run.internal += 1
                run.internal_docs[path] = None
            elif status == _LOCAL:
                run.already_local += 1
                stored = row[STORED]
                if stored is not None:
                    run.stored.setdefault(stored, []).append((path, row[LINE]))
            elif status == _REMOTE and row[RESOURCE]:
                want = wants_of(
                    row[KIND], row[ELEMENT], row[ATTRIBUTE], row[KEY], image_keys, row[URL]
                )
                image = want is Want.IMAGE
                archive = row[ARCHIVE]
                if (
                    (only == "images" and not image)
                    or (only == "links" and image)
                    or (archive is None and live_off)
                ):
                    run.skipped_refs += 1
                    continue
                # Interned: an article's links share its timestamp, and each
                # reference's arrives from the scan's workers as a string of its own.
                written = _digits(archive) if archive is not None else None
                if written is not None:
                    written = sys.intern(written)
                if doc_id < 0:
                    doc_id = tasks.document(path, doc.number)
                url = row[URL]
                assert url is not None
                tasks.add(
                    row[RESOURCE],
                    url,
                    want,
                    written,
                    doc.near,
                    live=archive is None,
                    doc=doc_id,
                    line=row[LINE],
                )
            else:
                run.skipped_refs += 1

    def _task(self, record: Record, near: str | None) -> None:
        key = record.res.key
        assert key is not None and record.res.url is not None
        archive = record.res.archive
        written = _digits(archive.timestamp) if archive else None
        tasks = self.run.tasks
        tasks.add(
            key,
            record.res.url,
            wants(record.ref, self.settings.image_keys, record.res.url),
            written,
            near,
            live=archive is None,
            doc=tasks.document(record.file),
            line=record.ref.line,
        )


def settle_known(
    task: Task,
    index: Index,
    store_root: Path,
    *,
    recheck_days: float,
    now: datetime,
    archive: str,
    policy: HistoryPolicy = DEFAULT_POLICY,
    live_dead: bool = False,
    resources: Mapping[str, IndexedResource] | None = None,
) -> bool:
    """Settle ``task`` from the index with no request; False when it must be asked.

    A resource already in the store costs nothing (a second run makes no request),
    whichever archive it came from: the bytes are on disk. A definitive negative
    (not archived, blocked) is trusted for ``recheck_days`` (0: never, as
    ``rescue --recheck``), and only when ``archive`` gave it: a "not archived"
    from a mistyped archive URL, or from another archive, says nothing about this
    one. A transient failure is tried again once its backoff has passed
    (:func:`~linkrescue.archive.state.history.next_try`); until then the task is
    ``failed`` with a reason saying "pending" and when it is due.

    With ``live_dead`` (``live_links = "dead"``) a live link's history is read first
    (:func:`~linkrescue.archive.state.history.live_standing`): declared dead, it is
    fetched without asking the live site again; answered dead too few times, or
    failing, it is left alone (``skipped``) until its next check is due. ``--recheck``
    (``recheck_days = 0``) asks everything again now.

    ``resources``: the index's rows of the run's resources, looked up in batches
    (:meth:`~linkrescue.archive.Index.lookup_many`); a key absent is not indexed.
    """
    indexed = index.lookup(task.key) if resources is None else resources.get(task.key)
    if indexed is not None and indexed.path is not None and (store_root / indexed.path).is_file():
        task.outcome = Outcome.RESCUED
        task.local_path = str(indexed.path)
        task.capture_timestamp = indexed.timestamp
        task.sha256 = indexed.sha256
        task.reason = "already in the store"
        return True
    recheck = recheck_days <= 0
    if task.live and live_dead:
        standing = live_standing(index.attempts(task.key, LIVE), policy)
        if standing.declared_dead:
            task.declared_dead = True
        elif not recheck and not standing.is_due(now):
            last = index.attempts(task.key, LIVE)[-1]
            task.outcome = Outcome.SKIPPED
            task.reason = _waiting(last.reason, standing)
            return True
        else:
            return False  # asked live first (Rescuer), then fetched if declared dead
    if indexed is None or recheck:
        return False
    if indexed.archive == archive:
        fresh = now - indexed.last_attempt_at < timedelta(days=recheck_days)
        if indexed.outcome in (Answer.NOT_ARCHIVED, Answer.BLOCKED) and fresh:
            task.outcome = Outcome.of(indexed.outcome)
            task.reason = f"{indexed.reason} (known since {indexed.last_attempt_at:%Y-%m-%d})"
            return True
    fetches = [a for a in index.attempts(task.key, FETCH) if a.archive == archive]
    due = next_try(fetches, policy)
    if due is not None and now < due:
        failures = failures_in_a_row(fetches)
        task.outcome = Outcome.FAILED
        task.reason = (
            f"pending: {fetches[-1].reason} ({_times(failures)} in a row); "
            f"next try after {due:%Y-%m-%d %H:%M} UTC"
        )
        return True
    return False


def _times(n: int) -> str:
    return "once" if n == 1 else f"{n} times"


def _waiting(last_reason: str, standing: LiveStanding) -> str:
    """Why a live link is left alone until its next check: answered dead too few
    times yet (a suspect), or failing (a 5xx, a timeout) with its backoff running."""
    if standing.suspect:
        return f"{last_reason}: {standing.describe()}"
    when = f"{standing.next_check:%Y-%m-%d %H:%M} UTC" if standing.next_check else "now"
    return f"pending: {last_reason}; next check after {when}"


def settle_all(
    tasks: TaskTable,
    store_dir: Path,
    *,
    archive: str,
    recheck_days: float,
    now: datetime,
    policy: HistoryPolicy = DEFAULT_POLICY,
    live_dead: bool = False,
) -> array[int]:
    """Settle what the store's index already answers (:func:`settle_known`); the rows
    left to ask. Reads an existing index only: a run that ends before its first
    request (offline, a wrong archive URL) creates no store.

    The index is asked ``SETTLE_BATCH`` resources at a time: its answers for a whole
    corpus at once were one object per resource more, held together.
    """
    if store_at(store_dir) is None:
        return array("I", range(len(tasks)))
    root = store_dir.resolve()
    pending = array("I")
    with open_state(store_dir) as index:
        for start in range(0, len(tasks), SETTLE_BATCH):
            batch = list(tasks.tasks(range(start, min(start + SETTLE_BATCH, len(tasks)))))
            resources = index.lookup_many([task.key for task in batch])
            for task in batch:
                settled = settle_known(
                    task,
                    index,
                    root,
                    recheck_days=recheck_days,
                    now=now,
                    archive=archive,
                    policy=policy,
                    live_dead=live_dead,
                    resources=resources,
                )
                if settled or task.declared_dead:
                    tasks.record(task)
                if not settled:
                    pending.append(task.id)
    return pending


def check_archive(client: Archive) -> None:
    """Probe the archive once before the first lookup (:meth:`Archive.probe`).

    A wrong setting (``ArchiveMisconfigured``) or an archive out of reach
    (``ArchiveUnreachable``) ends the run; an archive that is there but failing
    (5xx, timeouts after their retries) is left to the run's breaker.
    """
    try:
        client.probe()
    except (RetryExhausted, TransientError) as exc:
        log.warning("the archive's CDX endpoint is failing (%s); trying the resources", exc)


class Rescuer:
    """Stages 2 and 3: answer each task from the store, or fetch it from the archive."""

    def __init__(
        self,
        settings: RescueStageSettings,
        store: Store,
        client: Archive,
        live: LiveChecker | None,
        *,
        on_done: Callable[[Task], None] = lambda task: None,
        policy: HistoryPolicy = DEFAULT_POLICY,
        stop: RunStop | None = None,
    ) -> None:
        self.settings = settings
        self.policy = policy
        self.stop = stop or RunStop()
        # A second signal: the transport sends nothing more, and wakes retries' waits.
        self.stop.when_halted(lambda: client.stop(ArchiveStopped("the run was interrupted")))
        self.store = store
        self.client = client
        self.live = live
        self.on_done = on_done
        self.bytes = 0
        self._lock = threading.Lock()
        self._failures_in_a_row = 0
        self._tripped: str | None = None
        self.unreachable: ArchiveUnreachable | None = None
        #: Keys that leave their store path to another resource of the run (:meth:`run`).
        self._deferring: frozenset[str] = frozenset()

    def run(self, tasks: TaskTable, rows: Sequence[int]) -> None:
        """Fetch the resources of ``rows`` on the configured number of threads, each
        one's outcome written back to ``tasks`` as it settles.

        CDX listings (:meth:`Archive.plan_listings`) run on a thread of their own while the workers
        fetch the resources no listing covers: the CDX pool (0.4/s) and playback
        (8/s) are separate budgets, so listing time hides behind playback time.
        A covered resource waits for its listing, then costs one playback.
        ``[rescue] listings = false`` makes none: every lookup is a playback.
        Only a few tasks per thread are queued at a time: queueing a whole
        corpus's resources up front held a future per resource (44 MiB for 25,000),
        and a working copy of each (:meth:`TaskTable.task`) is made when it is queued.

        Raises :class:`~linkrescue.archive.errors.ArchiveUnreachable` when the archive turned
        out to be out of reach: nothing was recorded for the tasks it stopped.
        """
        if not rows:  # a night over an unchanged corpus: nothing to plan, order or name
            return
        if self.live is not None:
            self.live.expect(tasks.url(r) for r in rows if tasks.is_live(r))
        # which of the resources sharing a store path keeps it plain: decided among every
        # resource of the corpus (not only those left to fetch: an http copy found not
        # archived by an earlier night still counts, as it does in one full run), not by
        # which thread stores first
        self._deferring = deferring(
            lambda: ((tasks.key(r), tasks.url(r)) for r in range(len(tasks)))
        )
        listings = self.client.plan_listings(tasks.view(rows)) if self.settings.listings else []
        done = [threading.Event() for _ in listings]
        # the rows each listing answers for, in the listings' order, and the rest:
        # arrays of row numbers (lists of them, and a URL -> event map, held 13 MiB
        # through the fetching at 50,000 articles, issue 12)
        covered = [array("I") for _ in listings]
        uncovered = array("I")
        which = {url: i for i, listing in enumerate(listings) for url in listing.urls}
        for r in rows:
            i = which.get(tasks.url(r), -1)
            (uncovered if i < 0 else covered[i]).append(r)
        del which
        by_listing = zip(covered, done, strict=True)
        # Under a budget the listings' resources come first: a run stopped before it
        # reaches them would have paid for listings the next run must make again.
        ordered: list[tuple[array[int], threading.Event | None]] = (
            [*by_listing, (uncovered, None)]
            if self.stop.budgeted
            else [(uncovered, None), *by_listing]
        )
        lister = threading.Thread(
            target=self._list_all, args=(listings, done), name="cdx-listings", daemon=True
        )
        lister.start()
        workers = max(1, self.settings.concurrency)
        window = workers * 4
        # Not a `with` block: on a second signal (Interrupted, raised here in the main
        # thread) the run must not wait for the resources in flight.
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="rescue")
        queued: deque[Future[Task]] = deque()
        try:
            for group, listed in ordered:
                for row in group:
                    queued.append(pool.submit(self._one, tasks.task(row), listed))
                    if len(queued) >= window:
                        self._finished(tasks, queued.popleft().result())
            while queued:
                self._finished(tasks, queued.popleft().result())
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            # what finished before the stop is in the index: the report says so too
            for future in queued:
                if future.done() and not future.cancelled() and future.exception() is None:
                    self._finished(tasks, future.result())
            raise
        pool.shutdown()
        lister.join()
        if self.unreachable is not None:
            raise self.unreachable

    def _finished(self, tasks: TaskTable, task: Task) -> None:
        self.client.done_with(task.url)
        if task.outcome is not None:  # a task left for the next run was not looked up
            tasks.record(task)
            self.on_done(task)

    def _stopped(self) -> bool:
        return self._tripped is not None or self.unreachable is not None

    def _list_all(self, listings: Sequence[Listing], done: Sequence[threading.Event]) -> None:
        """Make the listings in turn; a failed one counts toward the breaker like a
        failed resource, and none is started (nor continued, page by page: the
        transport refuses) once the breaker tripped."""
        for listing, listed in zip(listings, done, strict=True):
            try:
                if not self._stopped() and not self.stop.reached():
                    self.client.run_listing(listing)
                    self._count(None)
            except ArchiveUnreachable as exc:
                self._out_of_reach(exc)
            except ArchiveStopped:
                pass
            except (RetryExhausted, TransientError) as exc:  # the per-URL path remains
                if not self.stop.now.is_set():  # not refused because the run is stopping
                    log.warning("CDX listing of %s failed: %s", listing.prefix, exc)
                    self._count(f"CDX listing of {listing.prefix} failed: {exc}")
            except Exception as exc:  # a failed listing only costs the per-URL path
                if not self.stop.now.is_set():
                    log.warning("CDX listing of %s failed: %s", listing.prefix, exc)
            finally:
                listed.set()

    def _one(self, task: Task, listed: threading.Event | None = None) -> Task:
        if listed is not None:
            listed.wait()
        if self._stopped():
            self._not_tried(task)
            return task
        if self.stop.reached() and not self._free(task):
            return task  # left for the next run: no outcome, nothing recorded
        self.stop.started_one()
        try:
            if self._attempt(task):
                self._count(task.reason if task.outcome is Outcome.FAILED else None)
        finally:
            self.stop.finished_one()
        return task

    def _free(self, task: Task) -> bool:
        """Whether a listing (this run's, or one kept from an earlier run) already proves
        ``task`` not archived: settling it costs no request, so a stopped run still
        settles it (else a budget of a third would leave the next run to list its
        prefix again, and three such runs would not finish what one does). A live link
        checked before it is rescued is never free: the check is a request."""
        if self.stop.now.is_set() or (task.live and self.settings.live_links == "dead"):
            return False
        known = self.client.listed(
            task.url, timestamp=task.timestamp, near=task.near, want=task.want
        )
        return known is not None and known.found is Found.NOT_ARCHIVED

    def _left(self, task: Task) -> bool:
        """Abandoned by a run stopping at once: as if never started (False: not settled)."""
        task.outcome = None
        task.reason = ""
        task.local_path = task.capture_timestamp = task.sha256 = None
        return False

    def _not_tried(self, task: Task) -> None:
        task.outcome = Outcome.FAILED
        why = self.unreachable if self.unreachable is not None else self._tripped
        task.reason = f"not tried: {why}"

    def _out_of_reach(self, exc: ArchiveUnreachable) -> None:
        """The archive's host does not resolve or refuses connections: stop the run
        (the transport already refuses every further request)."""
        with self._lock:
            if self.unreachable is None:
                self.unreachable = exc
                log.warning("stopping: %s", exc)

    def _count(self, failure: str | None) -> None:
        """Stop asking an archive that keeps failing (an outage).

        The Wayback Machine's 503/504 and connection failures come in bursts that
        last hours (docs/wayback-facts.md §5): once ``BREAKER_FAILURES`` resources or CDX
        listings in a row failed after all their retries, the rest of the run would
        only spend minutes each on the same answer. The transport then sends nothing
        more (a listing stops between pages, a worker between retries); the rest is
        reported failed, not tried, and the next run tries it again.
        """
        with self._lock:
            if failure is None:
                self._failures_in_a_row = 0
                return
            self._failures_in_a_row += 1
            if self._failures_in_a_row >= BREAKER_FAILURES and self._tripped is None:
                self._tripped = (
                    f"the archive failed {self._failures_in_a_row} resources in a row "
                    f"(last: {failure})"
                )
                log.warning("stopping: %s; the rest is retried on the next run", self._tripped)
                self.client.stop(ArchiveStopped(self._tripped))

    def _attempt(self, task: Task) -> bool:
        """Settle ``task``; False when the run stopped asking the archive meanwhile
        (then nothing is recorded: the next run asks again)."""
        try:
            live = task.live and self.settings.live_links == "dead"
            if live and self.live is not None and not task.declared_dead:
                verdict = self.live.check(task.url)
                standing = self._record_live(task, verdict)
                if not standing.declared_dead:
                    task.outcome = Outcome.SKIPPED
                    task.reason = (
                        f"{verdict.reason}: {standing.describe()}"
                        if verdict.dead
                        else verdict.reason
                    )
                    return True
                self._fetch(task)
                task.reason = f"{verdict.reason}: {standing.describe()}; {task.reason}"
                return True
            self._fetch(task)
        except ArchiveUnreachable as exc:
            self._out_of_reach(exc)
            self._not_tried(task)
            return False
        except ArchiveStopped:
            if self.stop.now.is_set():
                return self._left(task)
            self._not_tried(task)
            return False
        except Exception as exc:  # a bug or a store failure ends this task, never the run
            if disk_full(exc):  # nothing more can be kept: stop, record nothing of this one
                self.stop.disk_is_full(exc)
                return self._left(task)
            if self.stop.now.is_set():
                # Refused because the run is stopping at once (its client closed
                # under it): not a failure of the resource, nor of the archive.
                return self._left(task)
            log.exception("rescuing %s failed", task.url)
            task.outcome = Outcome.FAILED
            task.reason = f"{type(exc).__name__}: {exc}"
            with contextlib.suppress(Exception):
                self.store.index.record_attempt(
                    task.key, task.url, Answer.FAILED, task.reason, archive=self.client.archive
                )
        return True

    def _record_live(self, task: Task, verdict: Liveness) -> LiveStanding:
        """Record a live answer in the history rescue and check share; what the
        history now says (dead only after ``[nightly] dead_after_failures`` answers)."""
        answer = DEAD if verdict.dead else UNKNOWN if verdict.unknown or verdict.doubtful else ALIVE
        index = self.store.index
        index.record_live(task.key, task.url, answer, verdict.reason)
        return live_standing(index.attempts(task.key, LIVE), self.policy)

    def _fetch(self, task: Task) -> None:
        with self.store.staging() as sink:
            result: Result = self.client.rescue(
                task.url, timestamp=task.timestamp, near=task.near, want=task.want, sink=sink
            )
            if result.outcome is Answer.FAILED and self.stop.now.is_set():
                raise ArchiveStopped("the run stopped at once")  # not the resource's failure
            task.outcome = Outcome.of(result.outcome)
            task.reason = result.reason
            if result.outcome is Answer.RESCUED and result.capture is not None:
                stored = self.store.put(
                    sink,
                    result.capture,
                    key=task.key,
                    url=task.url,
                    archive=self.client.archive,
                    defer=task.key in self._deferring,
                )
                task.local_path = str(stored.path)
                if stored.note:  # a mislabelled capture: the report says what it is
                    task.reason = f"{task.reason}; {stored.note}"
                task.capture_timestamp = result.capture.timestamp
                task.sha256 = stored.sha256
                with self._lock:
                    self.bytes += stored.size
                return
        self.store.index.record_attempt(
            task.key, task.url, result.outcome, result.reason, archive=self.client.archive
        )


def inventory(
    roots: Sequence[Path], config: ScanStageSettings, run: RescueRun
) -> tuple[Corpus, Iterator[FileResult]]:
    """Stage 1 over ``roots``: the corpus, and its scan results as a stream."""
    corpus = index_corpus(roots, config, on_problem=run.problems.append)
    return corpus, scan_items(corpus.items, corpus, config, as_json=False)
