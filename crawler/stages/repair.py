"""Putting back a stored file that went missing or bad: from the store's own copy, or
from the very capture it was rescued from.

Why: a rewritten document points into the store (``../rescued/host/photo.jpg``).
When that file is deleted or damaged, the reference is still the store's: the
index knows which resource owns the path and which capture its bytes came from.
Resolving the now-missing path against the article's address instead asked the
archive for ``https://<site>/rescued/…``, a URL that never existed, and recorded
it not archived. So ``rescue`` checks the store files its documents point to
(present, and of the recorded size) and ``verify --repair`` re-hashes them all;
either puts back what is missing or changed, byte-identical:

1. from ``.objects`` when the content object still holds the recorded bytes (a
   file deleted by hand): no request;
2. else by fetching the recorded capture again (``id_`` at its timestamp), kept
   only if its SHA-256 is the recorded one.

The document is never touched: the file comes back at the path it had.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import PurePosixPath

from linkrescue.archive import Archive, IndexedResource, Store, VerifyProblem
from linkrescue.archive.errors import ArchiveError
from linkrescue.archive.model import Outcome, Want
from linkrescue.crawler.outcome import Outcome as RunOutcome
from linkrescue.crawler.stages.corpus import Problem
from linkrescue.crawler.stages.rescue import RescueRun
from linkrescue.crawler.stages.tasks import Task


@dataclass(frozen=True, slots=True)
class Repaired:
    """What became of one damaged store file: ``rescued`` (put back) or ``failed``."""

    key: str
    path: PurePosixPath
    url: str
    outcome: Outcome
    reason: str
    timestamp: str | None = None
    sha256: str | None = None


def repair_files(
    store: Store, client: Archive, problems: Iterable[VerifyProblem]
) -> list[Repaired]:
    """Put back each missing or changed file of ``problems`` that the index owns.

    A damaged content object (no key) is not repaired by itself: the browsable
    files sharing it are reported with their keys, and repairing them replaces it.
    """
    done = []
    for problem in problems:
        if problem.key is None:
            continue
        record = store.file_at(problem.path)
        if record is None or record.key != problem.key or record.sha256 is None:
            continue
        resource = store.index.lookup(problem.key)
        url = resource.url if resource is not None else problem.key
        if store.relink(record):
            done.append(
                Repaired(
                    record.key,
                    record.path,
                    url,
                    Outcome.RESCUED,
                    "stored file was missing; put back from the store's own copy of its bytes",
                    resource.timestamp if resource is not None else None,
                    record.sha256,
                )
            )
            continue
        if resource is None or resource.timestamp is None:
            reason = "stored file is damaged and the index records no capture to fetch it from"
            done.append(Repaired(record.key, record.path, url, Outcome.FAILED, reason))
            continue
        # the capture's own digest: a page's file holds its view, made again from the
        # capture once it is back (crawler.stages.crawl)
        expected = resource.sha256 or record.sha256
        done.append(_fetch_again(store, client, record.path, expected, resource))
    return done


def _fetch_again(
    store: Store, client: Archive, path: PurePosixPath, sha256: str, resource: IndexedResource
) -> Repaired:
    key = resource.key
    assert resource.timestamp is not None
    source = resource.captured_url or resource.url
    what = f"capture {resource.timestamp} of {source}"
    try:
        with store.staging() as sink:
            capture = client.fetch(
                source, timestamp=resource.timestamp, sink=sink, digest=resource.cdx_digest
            )
            if capture.sha256 != sha256:
                reason = (
                    f"stored file is damaged, and the {what} now holds other bytes "
                    f"(sha256 {capture.sha256}, recorded {sha256}); left as it is"
                )
                return Repaired(key, path, resource.url, Outcome.FAILED, reason)
            capture = replace(
                capture, requested=resource.url, index_mimetype=resource.index_mimetype
            )
            store.put(sink, capture, key=key, url=resource.url, archive=client.archive, repair=True)
    except ArchiveError as exc:
        reason = f"stored file is damaged; fetching the {what} again failed: {exc}"
        return Repaired(key, path, resource.url, Outcome.FAILED, reason)
    reason = f"stored file was missing or damaged; fetched again from its {what}"
    return Repaired(key, path, resource.url, Outcome.RESCUED, reason, capture.timestamp, sha256)


def repair_stored(
    run: RescueRun,
    store: Store,
    client: Archive,
    *,
    on_problem: Callable[[Problem], None],
    seen: Mapping[str, int | None] | None = None,
) -> None:
    """Stage 1½ of a rescue: the store files the documents point to are there and whole.

    Each repair becomes an item of the report (rescued, or failed and retried
    next run). ``seen``: what ``lstat`` said of files the reading already asked about, by
    absolute path (:attr:`CorpusReader.stats`). A reference into the store at a file the index does not know,
    and that is not there, is a problem (``on_problem``) and left alone.
    """
    damaged, unknown = store.damaged_at(run.stored, seen)
    for inside in sorted(unknown):
        if not (store.root / inside).is_file():
            file, line = run.stored[inside][0]
            problem = Problem(
                f"{file}:{line}",
                f"points into the store at {inside}, a file the store does not know "
                "and that is not there; left as it is",
            )
            run.problems.append(problem)
            on_problem(problem)
    tasks = run.tasks
    for item in repair_files(store, client, damaged):
        row = tasks.row(item.key)
        if row is None:
            task = Task(item.key, item.url, Want.ANY, item.timestamp, None, live=False)
            task = tasks.put(task, run.stored.get(item.path.as_posix(), []))
        else:
            task = tasks.task(row)
        task.outcome = RunOutcome.of(item.outcome)
        task.reason = item.reason
        if item.outcome is Outcome.RESCUED:
            task.local_path = item.path.as_posix()
            task.capture_timestamp = item.timestamp
            task.sha256 = item.sha256
        tasks.record(task)
