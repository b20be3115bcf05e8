"""``linkrescue status``: what a store holds and what its runs did, read without writing.

A nightly job's owner asks in the morning: how much is rescued, what is waiting for
another try and when, which runs stopped on their budget, which sites keep failing.
All of it is in the store's index (``resources``, ``attempts``, ``checks``, ``runs``,
``files``); this reads it as it is, never takes the run lock (a status during a run
is fine: SQLite's WAL gives it one consistent snapshot) and never creates a store.

The value is frozen; :meth:`StoreStatus.as_json` is the ``--format json`` contract
(README, "linkrescue status").
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, fields, is_dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from linkrescue.archive import (
    Index,
    NoStoreError,
    RunRecord,
    failure_histories,
    failures_in_a_row,
    live_link_standings,
    next_try,
    open_state,
    outcome_counts,
    resources_with,
    stored_size,
    view_counts,
)
from linkrescue.archive.model import Outcome
from linkrescue.crawler.commands.errors import NoStore
from linkrescue.crawler.config import Config, NightlySettings

#: Runs shown by default (``status``'s table, the HTML chart).
RUNS = 10
#: Failing hosts shown.
HOSTS = 10


@dataclass(frozen=True, slots=True)
class ResourceCounts:
    """Resources by latest outcome. ``pending``: the failed ones, each waiting for its
    next try (``due_now`` of them may be tried by the next run); ``dead``: live links
    declared dead (``[nightly] dead_after_failures`` dead answers ``dead_after_hours``
    apart); ``suspect``: live links answered dead, not yet often enough."""

    total: int
    rescued: int
    not_archived: int
    blocked: int
    failed: int
    pending: int
    due_now: int
    dead: int
    suspect: int = 0


@dataclass(frozen=True, slots=True)
class Pending:
    """A resource that failed for a reason that may pass, and when a run tries it again."""

    url: str
    failures: int
    last_failure_at: datetime
    due_at: datetime
    reason: str


@dataclass(frozen=True, slots=True)
class RunRequests:
    cdx: int
    playback: int
    live: int
    total: int


@dataclass(frozen=True, slots=True)
class RunLine:
    """One run as ``status`` shows it (``seconds`` None: still running, or killed)."""

    id: int
    command: str
    started_at: datetime
    finished_at: datetime | None
    seconds: float | None
    outcome: str
    requests: RunRequests
    resources_left: int
    totals: dict[str, int]


@dataclass(frozen=True, slots=True)
class FailingHost:
    """A host whose resources failed or are blocked, most first."""

    host: str
    failed: int
    blocked: int
    total: int


@dataclass(frozen=True, slots=True)
class StoreSize:
    files: int
    bytes: int


@dataclass(frozen=True, slots=True)
class PageViews:
    """Views of rescued pages and stylesheets: made, ``open`` (some requisites left for
    a later run: a budget stopped it, or a fetch failed for now), and the distinct
    ``requisites`` they need."""

    views: int
    open: int
    requisites: int


@dataclass(frozen=True, slots=True)
class StoreStatus:
    """What ``status`` reports; the fields, in order, are the JSON keys (a contract)."""

    store: str
    at: datetime
    resources: ResourceCounts
    size: StoreSize
    runs: tuple[RunLine, ...]
    failing_hosts: tuple[FailingHost, ...]
    pending: tuple[Pending, ...]
    #: Rescued pages made readable offline (``[crawl]``).
    pages: PageViews

    def as_json(self) -> dict[str, Any]:
        """The JSON form: times as ISO 8601 UTC (``…Z``), outcomes as their strings."""
        plain = _plain(self)
        assert isinstance(plain, dict)
        return plain


def _plain(value: object) -> object:
    if isinstance(value, datetime):
        return _iso(value)
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return dict(value)
    return value


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def host_of(url: str) -> str:
    """The host a URL names, lower case; ``(no host)`` for one without (``mailto:``)."""
    try:
        host = urlsplit(url).hostname
    except ValueError:  # an invalid IPv6 literal in a corpus's URL
        host = None
    return host or "(no host)"


def status(config: Config, *, now: datetime | None = None, runs: int = RUNS) -> StoreStatus:
    """The status of the store ``config`` names. :class:`NoStore` when there is none."""
    root = config.store_dir
    try:
        state = open_state(root)
    except NoStoreError as exc:
        raise NoStore(f"{exc}; nothing to report") from None
    with state as index:
        return read_status(index, root, config.nightly, now=now or datetime.now(UTC), runs=runs)


def read_status(
    index: Index, root: Path, nightly: NightlySettings, *, now: datetime, runs: int = RUNS
) -> StoreStatus:
    """:func:`status` of an open index (the HTML report reads it with the same index)."""
    counts = outcome_counts(index)
    policy = nightly.policy()
    standings = live_link_standings(index, policy)
    pending = sorted(
        (
            Pending(
                history[-1].url,
                failures_in_a_row(history),
                history[-1].at,
                due,
                history[-1].reason,
            )
            for history in failure_histories(index).values()
            if (due := next_try(history, policy)) is not None
        ),
        key=lambda p: (p.due_at, p.url),
    )
    hosts: Counter[tuple[str, str]] = Counter()
    for resource in resources_with(index, (Outcome.FAILED, Outcome.BLOCKED)):
        hosts[(host_of(resource.url), resource.outcome.value)] += 1
    size = stored_size(index)
    return StoreStatus(
        store=str(root),
        at=now,
        resources=ResourceCounts(
            total=sum(counts.values()),
            rescued=counts[Outcome.RESCUED],
            not_archived=counts[Outcome.NOT_ARCHIVED],
            blocked=counts[Outcome.BLOCKED],
            failed=counts[Outcome.FAILED],
            pending=len(pending),
            due_now=sum(1 for p in pending if p.due_at <= now),
            dead=sum(1 for _, s, _, _ in standings if s.declared_dead),
            suspect=sum(1 for _, s, _, _ in standings if s.suspect),
        ),
        size=StoreSize(size.files, size.bytes),
        runs=tuple(run_line(r) for r in index.runs(runs)),
        failing_hosts=_top_hosts(hosts),
        pending=tuple(pending),
        pages=_page_views(index),
    )


def _page_views(index: Index) -> PageViews:
    counts = view_counts(index)
    return PageViews(counts.views, counts.open, counts.requisites)


def run_line(run: RunRecord) -> RunLine:
    return RunLine(
        id=run.id,
        command=run.command,
        started_at=run.started_at,
        finished_at=run.finished_at,
        seconds=run.seconds,
        outcome=run.outcome,
        requests=RunRequests(
            run.cdx_requests, run.playback_requests, run.live_requests, run.requests
        ),
        resources_left=run.resources_left,
        totals=dict(run.totals),
    )


def _top_hosts(hosts: Counter[tuple[str, str]]) -> tuple[FailingHost, ...]:
    by_host: dict[str, FailingHost] = {}
    for (host, outcome), n in hosts.items():
        was = by_host.get(host, FailingHost(host, 0, 0, 0))
        failed = was.failed + (n if outcome == Outcome.FAILED.value else 0)
        blocked = was.blocked + (n if outcome == Outcome.BLOCKED.value else 0)
        by_host[host] = FailingHost(host, failed, blocked, failed + blocked)
    ranked = sorted(by_host.values(), key=lambda h: (-h.total, h.host))
    return tuple(ranked[:HOSTS])
