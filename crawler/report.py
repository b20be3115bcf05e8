"""The rescue report: a frozen typed value, written by the output room as the JSON file
(``--report``, :mod:`linkrescue.crawler.output.jsonfile`) and the closing summary table
(:mod:`linkrescue.crawler.output.table`).

The JSON field names are a contract for scripts and cron jobs:
``documents, references, resources, rescued, internal, already_local,
not_archived, failed, skipped, requests{cdx, playback, live}, bytes, seconds,
items[{url, outcome, local_path, timestamp, sha256, reason, references[{file, line}]}]``.
``resources`` and the outcome counts (``rescued``, ``not_archived``, ``failed``)
count unique resources; ``internal``, ``already_local`` and ``skipped`` count
references (``skipped`` also counts resources left alone on purpose, such as a
live link that is not dead). ``blocked`` counts resources the archive excludes.
``left`` counts resources not looked up (a run stopped by ``--max-requests``,
``--time-budget`` or a signal leaves them for the next run; a dry run looks none
up); ``stopped`` is ``"budget"``, ``"interrupted"`` or null (the run went to its end).
Those two come last: fields are only ever appended.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, fields, is_dataclass
from typing import TYPE_CHECKING, Any

from linkrescue.crawler.outcome import Outcome
from linkrescue.crawler.views import MadeOnRead

if TYPE_CHECKING:
    from linkrescue.archive import RequestCounts
    from linkrescue.crawler.stages.rescue import RescueRun
    from linkrescue.crawler.stages.tasks import TaskTable


@dataclass(frozen=True, slots=True)
class Place:
    """Where a resource is referenced: a document and the line of the reference."""

    file: str
    line: int


@dataclass(frozen=True, slots=True)
class Item:
    """What became of one resource (``outcome`` is None in a dry run: not looked up)."""

    url: str
    outcome: Outcome | None
    local_path: str | None
    timestamp: str | None
    sha256: str | None
    reason: str
    references: tuple[Place, ...]


@dataclass(frozen=True, slots=True)
class Requests:
    """Requests the run sent: to the archive by rate pool, and to the live web."""

    cdx: int
    playback: int
    live: int


@dataclass(frozen=True, slots=True)
class Pages:
    """What the page crawl did (``[crawl]``): views of pages and stylesheets written,
    their requisites looked up by outcome (``left``: not looked up, for the next run),
    and the bytes those requisites added to the store."""

    views: int
    rescued: int
    not_archived: int
    blocked: int
    failed: int
    left: int
    bytes: int


@dataclass(frozen=True, slots=True)
class ReportProblem:
    """A file not read, or a document not rewritten, and why (each also had its own line)."""

    file: str
    reason: str


@dataclass(frozen=True, slots=True)
class RescueReport:
    """One run's report. The fields, in this order, are the JSON file's keys (a contract)."""

    documents: int
    references: int
    resources: int
    rescued: int
    internal: int
    already_local: int
    not_archived: int
    blocked: int
    failed: int
    skipped: int
    rewritten: int
    requests: Requests
    bytes: int
    seconds: float
    problems: tuple[ReportProblem, ...]
    #: Made one at a time when read (:class:`ReportItems`): a first run over 50,000
    #: articles has 113,083.
    items: Sequence[Item]
    left: int = 0
    stopped: str | None = None
    #: None when the crawl did not run (a dry run, ``[crawl]`` turned off).
    pages: Pages | None = None

    @property
    def pending(self) -> int:
        """Resources not looked up (a dry run's): they would be asked of the archive."""
        return sum(1 for item in self.items if item.outcome is None)

    def totals(self) -> dict[str, int]:
        """The counts a run's row in the store's index keeps (``Index.end_run``)."""
        return {name: int(getattr(self, name)) for name in TOTALS}

    def as_json(self) -> dict[str, Any]:
        """The JSON-ready form: the fields in order, nested values as objects and arrays."""
        plain = _plain(self)
        assert isinstance(plain, dict)
        return plain


#: The report's counts kept with each run in the store's index (the ``runs`` table).
TOTALS = (
    "documents",
    "references",
    "resources",
    "rescued",
    "not_archived",
    "blocked",
    "failed",
    "skipped",
    "rewritten",
    "bytes",
)

_NAMES: dict[type, tuple[str, ...]] = {}


def _plain(value: object) -> object:
    """``value`` with its dataclasses as dicts and tuples as lists, sharing the leaves.

    ``dataclasses.asdict`` deep-copies every leaf and looks the fields up again for
    each object: 0.12 s of a 4 s second run over 10,000 articles for a report of
    2,448 items, and a first run's report holds ten times as many (cProfile,
    ``docs/BENCHMARKS.md``). Leaves here are str, int, float, None and ``Outcome``
    (a ``StrEnum``, which ``json`` writes as its string), so nothing needs copying.
    """
    names = _NAMES.get(type(value))
    if names is None and is_dataclass(value) and not isinstance(value, type):
        names = _NAMES[type(value)] = tuple(f.name for f in fields(value))
    if names is not None:
        return {name: _plain(getattr(value, name)) for name in names}
    if isinstance(value, tuple | ReportItems):
        return [_plain(item) for item in value]
    return value


def plain_value(value: object) -> object:
    """A report value (a dataclass, a tuple of them, a leaf) as JSON-ready dicts and lists."""
    return _plain(value)


class ReportItems(MadeOnRead[Item]):
    """The report's items, in the order of their URLs (two runs compare line by line),
    each made from the run's table of resources when it is read and not kept: the
    report of a first run over 50,000 articles held 113,083 of them at once, with a
    tuple of places each (issue 12, item 9)."""

    def __init__(self, tasks: TaskTable) -> None:
        self._tasks = tasks
        self._order = tasks.by_url()

    def __len__(self) -> int:
        return len(self._order)

    def _at(self, index: int) -> Item:
        return self._item(self._order[index])

    def __repr__(self) -> str:
        return f"ReportItems({len(self)} items)"

    def _item(self, row: int) -> Item:
        task = self._tasks.task(row)
        return Item(
            url=task.url,
            outcome=task.outcome,
            local_path=task.local_path,
            timestamp=task.capture_timestamp,
            sha256=task.sha256,
            reason=task.reason,
            references=tuple(Place(f, line) for f, line in self._tasks.places(row)),
        )


def build_report(
    run: RescueRun, counts: RequestCounts, live_requests: int, stopped: str | None = None
) -> RescueReport:
    """The report of ``run``: resources sorted by URL, so two runs compare line by line."""
    return RescueReport(
        documents=run.documents,
        references=run.references,
        resources=len(run.tasks),
        rescued=run.count(Outcome.RESCUED),
        internal=run.internal,
        already_local=run.already_local,
        not_archived=run.count(Outcome.NOT_ARCHIVED),
        blocked=run.count(Outcome.BLOCKED),
        failed=run.count(Outcome.FAILED),
        skipped=run.skipped_refs + run.count(Outcome.SKIPPED),
        rewritten=len(run.rewritten),
        requests=Requests(cdx=counts.cdx, playback=counts.playback, live=live_requests),
        bytes=run.bytes,
        seconds=round(time.monotonic() - run.started, 3),
        problems=tuple(ReportProblem(p.path, p.reason) for p in run.problems + run.conflicts),
        items=ReportItems(run.tasks),
        left=run.left,
        stopped=stopped,
        pages=_pages(run),
    )


def _pages(run: RescueRun) -> Pages | None:
    crawl = run.crawl
    if crawl is None:
        return None
    got = crawl.requisites.get
    return Pages(
        views=crawl.views,
        rescued=got(str(Outcome.RESCUED), 0),
        not_archived=got(str(Outcome.NOT_ARCHIVED), 0),
        blocked=got(str(Outcome.BLOCKED), 0),
        failed=got(str(Outcome.FAILED), 0),
        left=got("left", 0),
        bytes=crawl.bytes,
    )
