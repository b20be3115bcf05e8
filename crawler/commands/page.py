"""The HTML report's content, as a frozen value: what ``rescue --report-html`` and
``status --html`` show, gathered here and drawn by :mod:`linkrescue.crawler.output.htmlreport`.

The totals are taken from the very value the JSON is written from
(:meth:`RescueReport.as_json`, :meth:`StoreStatus.as_json`), each under its JSON path
(``requests.cdx``), so the page cannot show another number than the JSON report: the
tests read both back and compare them.

Everything else comes from the store's index: the runs before this one (what changed,
the chart), what the run added (thumbnails of the images it rescued: their stored
bytes, small ones only, so the page stays one file that asks nothing of the network),
and, for ``status``, the resources that are not rescued.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from linkrescue.archive import (
    HistoryPolicy,
    Index,
    IndexedResource,
    RunRecord,
    dead_live_links,
    open_state,
    rescued_between,
    resources_with,
    store_at,
)
from linkrescue.archive.model import Outcome
from linkrescue.crawler.commands.status import StoreStatus, host_of
from linkrescue.crawler.report import RescueReport

#: Thumbnails shown at most, and the largest stored image embedded as a ``data:`` URI;
#: a larger one is shown from its stored file by a relative path (it exists: the index
#: vouches for it), so the page stays small whatever the corpus holds.
THUMBNAILS = 24
THUMBNAIL_BYTES = 48 * 1024
#: Image types a browser shows from bytes without running anything (SVG is left out:
#: an image that is also a document is not what a thumbnail should carry).
THUMBNAIL_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
#: Runs in the chart.
CHART_RUNS = 20
#: Outcomes listed as broken references, and the totals compared with the last run.
BROKEN = (Outcome.FAILED, Outcome.BLOCKED, Outcome.NOT_ARCHIVED)
COMPARED = ("rescued", "not_archived", "blocked", "failed", "rewritten")


@dataclass(frozen=True, slots=True)
class Total:
    """One number of the JSON report, under its JSON path (``rescued``, ``requests.cdx``)."""

    path: str
    value: int | float


@dataclass(frozen=True, slots=True)
class Change:
    """A total of the last run and of this one (``before`` None: the last run lacks it)."""

    name: str
    before: int | None
    now: int


@dataclass(frozen=True, slots=True)
class Broken:
    """A reference (or, from the index, a resource) that was not rescued, and where."""

    url: str
    host: str
    outcome: str
    reason: str
    document: Path | None
    line: int | None


@dataclass(frozen=True, slots=True)
class Thumbnail:
    """An image the run rescued: its stored file, and its bytes when small enough."""

    url: str
    file: Path
    mimetype: str
    data: bytes | None


@dataclass(frozen=True, slots=True)
class Bar:
    """One run in the chart."""

    label: str
    rescued: int
    failed: int
    current: bool


@dataclass(frozen=True, slots=True)
class ReportPage:
    """Everything the HTML page shows."""

    title: str
    generated_at: datetime
    store: str
    totals: tuple[Total, ...]
    #: When the run compared with started (None: no earlier run).
    since: datetime | None
    #: What the ``changes``' first column is: "last run", or the run before a status's.
    then_label: str
    #: What the ``changes``' second column is: "this run", or the last run of a status.
    now_label: str
    changes: tuple[Change, ...]
    newly_rescued: int
    thumbnails: tuple[Thumbnail, ...]
    broken: tuple[Broken, ...]
    chart: tuple[Bar, ...]
    notes: tuple[str, ...]


def totals_of(plain: dict[str, Any], prefix: str = "") -> tuple[Total, ...]:
    """Every number of a JSON object, depth first, as ``Total(path, value)``."""
    found: list[Total] = []
    for name, value in plain.items():
        path = f"{prefix}{name}"
        if isinstance(value, bool):
            continue
        if isinstance(value, int | float):
            found.append(Total(path, value))
        elif isinstance(value, dict):
            found.extend(totals_of(value, f"{path}."))
    return tuple(found)


def rescue_page(
    report: RescueReport,
    store_dir: Path,
    *,
    run_id: int | None = None,
    now: datetime | None = None,
) -> ReportPage:
    """The page of a rescue run: its report, and the store's earlier runs and new files.

    The run's own row in ``runs`` (``run_id``, recorded by this process since the run
    started) is not an earlier run: the page is compared with the one before. It is told
    by its id, not by its times: a window of "started within the run's seconds" slid
    past the run's own start whenever the report took over a second to be written after
    the run (CI under load compared a night with itself).
    """
    now = now or datetime.now(UTC)
    plain = report.as_json()
    totals = totals_of(plain)
    broken = tuple(
        Broken(item.url, host_of(item.url), str(item.outcome), item.reason, Path(p.file), p.line)
        for item in report.items
        if item.outcome is not None and item.outcome.value in {o.value for o in BROKEN}
        for p in (item.references or ())
    )
    this_run = Bar("this run", report.rescued, report.failed, current=True)
    if store_at(store_dir) is None or run_id is None:  # a dry run, or one that stored nothing
        return ReportPage(
            "linkrescue rescue report", now, str(store_dir), totals, None, "last run", "this run", (),
            0, (), broken, (this_run,), (),
        )  # fmt: skip
    with open_state(store_dir) as index:
        runs = index.runs(CHART_RUNS + 5, command="rescue")
        own = next((r for r in runs if r.id == run_id), None)
        earlier = [r for r in runs if r.id < run_id]  # one run at a time: the lock
        # Index times are whole seconds: a file stored in the run's first second counts.
        started = own.started_at if own is not None else now - timedelta(seconds=report.seconds + 1)
        new = rescued_between(index, started, None, limit=10_000)
    last = next((r for r in earlier if r.totals), None)
    changes = tuple(
        Change(name, None if last is None else last.totals.get(name), int(plain[name]))
        for name in COMPARED
    )
    bars = (*_bars(earlier[: CHART_RUNS - 1]), this_run)
    return ReportPage(
        title="linkrescue rescue report",
        generated_at=now,
        store=str(store_dir),
        totals=totals,
        since=None if last is None else last.started_at,
        then_label="last run",
        now_label="this run",
        changes=changes if last is not None else (),
        newly_rescued=len(new),
        thumbnails=thumbnails_of(new, store_dir),
        broken=broken,
        chart=bars,
        notes=(),
    )


def status_page(
    status: StoreStatus, index: Index, store_dir: Path, policy: HistoryPolicy | None = None
) -> ReportPage:
    """The page of ``status``: the store's totals, its last rescue against the one
    before, what that run added, and every resource not rescued (by host; the index
    does not keep where a resource that was never rescued is referenced, so they are
    listed without their documents: ``rescue --report-html`` names them)."""
    plain = status.as_json()
    totals = totals_of({"resources": plain["resources"], "size": plain["size"]})
    rescues = index.runs(CHART_RUNS, command="rescue")
    last = rescues[0] if rescues else None
    before = next((r for r in rescues[1:] if r.totals), None)
    changes: tuple[Change, ...] = ()
    if last is not None and before is not None:
        changes = tuple(
            Change(name, before.totals.get(name), last.totals.get(name, 0)) for name in COMPARED
        )
    if last is not None:
        new = rescued_between(index, last.started_at, last.finished_at, limit=10_000)
    else:
        new = rescued_between(index, datetime(1970, 1, 1, tzinfo=UTC), None, limit=THUMBNAILS)
    broken = [
        Broken(r.url, host_of(r.url), r.outcome.value, r.reason, None, None)
        for r in resources_with(index, BROKEN)
    ]
    broken += [
        Broken(key, host_of(key), "dead", reason, None, None)
        for key, reason, _ in dead_live_links(index, policy)
    ]
    return ReportPage(
        title="linkrescue status",
        generated_at=status.at,
        store=str(store_dir),
        totals=totals,
        since=None if before is None else before.started_at,
        then_label="run before",
        now_label="latest run",
        changes=changes,
        newly_rescued=len(new) if last is not None else 0,
        thumbnails=thumbnails_of(new, store_dir),
        broken=tuple(broken),
        chart=_bars(rescues),
        notes=(
            "References not rescued are listed by host; the documents that hold them are "
            "named by the rescue's own report (rescue --report-html).",
        ),
    )


def _bars(runs: Sequence[RunRecord]) -> tuple[Bar, ...]:
    """Runs oldest first, as the chart draws them."""
    return tuple(
        Bar(
            r.started_at.astimezone(UTC).strftime("%m-%d %H:%M"),
            r.totals.get("rescued", 0),
            r.totals.get("failed", 0),
            current=False,
        )
        for r in reversed(runs)
    )


def thumbnails_of(rescued: Iterable[IndexedResource], store_dir: Path) -> tuple[Thumbnail, ...]:
    """At most :data:`THUMBNAILS` raster images of ``rescued`` whose stored file exists,
    with their bytes when at most :data:`THUMBNAIL_BYTES`."""
    found: list[Thumbnail] = []
    for resource in rescued:
        if len(found) >= THUMBNAILS:
            break
        if resource.path is None or resource.mimetype not in THUMBNAIL_TYPES:
            continue
        file = store_dir / resource.path
        if not file.is_file():  # verify's business; the page shows only what exists
            continue
        data = None
        if resource.size is not None and resource.size <= THUMBNAIL_BYTES:
            data = file.read_bytes()
        found.append(Thumbnail(resource.url, file, resource.mimetype, data))
    return tuple(found)
