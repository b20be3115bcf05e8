"""The page crawl: a rescued page made readable offline and safe to serve (issue 13).

After the fetching, every rescued HTML page (and stylesheet) of the store whose view is
missing or stale (:class:`~linkrescue.archive.ViewBook`) is read from its capture's own
bytes (:mod:`linkrescue.rewriters.page`), its requisites (images, stylesheets, fonts,
icons; scripts with ``[crawl] scripts``; with ``depth = 1`` the pages it links to on its
own host) are rescued like any resource, by the rescue's own :class:`Rescuer` (the
archive's limits, listings, budget, breaker and history all apply) from the capture
nearest the page's, each once however many pages share it, and the page's view is
written (:mod:`linkrescue.rewriters.render`): references to local copies as relative
paths, the rest to the archive's view of the nearest capture, never the dead site.

Pages go by in batches of :data:`BATCH`; a stylesheet or linked page rescued by a batch
is read in the next round of the same batch, so ``@import`` chains and depth are
followed within the run. A run stopped by its budget still makes the view of every page
(its unsettled requisites point at the archive) and leaves them ``open``: the next run
looks them up again. The same store and settings give the same views whatever order or
interruption led there: a view is a function of the capture, the settings, and what the
store holds.
"""

from __future__ import annotations

import codecs
import contextlib
import hashlib
import logging
import posixpath
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import PurePosixPath
from urllib.parse import urljoin, urlsplit

from linkrescue.archive import (
    Archive,
    HistoryPolicy,
    IndexedResource,
    PageToView,
    Store,
    ViewBook,
)
from linkrescue.archive.model import Want
from linkrescue.archive.urls import encode_relative, root_relative_archive
from linkrescue.atomic import disk_full
from linkrescue.crawler.config import Config, CrawlStageSettings, RescueStageSettings
from linkrescue.crawler.outcome import Outcome
from linkrescue.crawler.stages.corpus import Problem
from linkrescue.crawler.stages.rescue import Rescuer, settle_known
from linkrescue.crawler.stages.resolve import Status, resolve_absolute
from linkrescue.crawler.stages.stop import RunStop, StopReason
from linkrescue.crawler.stages.tasks import TaskTable
from linkrescue.rewriters.css import css_value
from linkrescue.rewriters.destinations import destination_value, encode_target
from linkrescue.rewriters.errors import EditConflictError
from linkrescue.rewriters.model import Syntax
from linkrescue.rewriters.page import Page, PageReference, Role, read_page, read_stylesheet
from linkrescue.rewriters.render import render
from linkrescue.rewriters.safety import sanitized_view

log = logging.getLogger("linkrescue.crawler")

#: Pages read, their requisites fetched and their views written at a time.
BATCH = 200
#: Rounds per batch: stylesheets a page loads, what they @import, and so on.
ROUNDS = 4
#: What each role is fetched as: an image must be an image (not an HTML error page).
_WANTS = {
    Role.IMAGE: Want.IMAGE,
    Role.ICON: Want.IMAGE,
    Role.PAGE: Want.PAGE,
}
_REQUISITES = frozenset({Role.IMAGE, Role.ICON, Role.STYLESHEET, Role.FONT})


@dataclass(frozen=True, slots=True)
class Target:
    """Where one reference of a page leads: the resource's URL and key, its fragment,
    and the timestamp written in an archive URL (a capture that archived another)."""

    url: str
    key: str
    fragment: str
    written: str | None


@dataclass(slots=True)
class CrawlSummary:
    """What the crawl did: views written, requisites by outcome, bytes stored."""

    views: int = 0
    requisites: dict[str, int] = field(default_factory=dict)
    bytes: int = 0
    problems: int = 0

    def count(self, outcome: Outcome | None) -> None:
        name = "left" if outcome is None else str(outcome)
        self.requisites[name] = self.requisites.get(name, 0) + 1


@dataclass(slots=True)
class _Prepared:
    row: PageToView
    page: Page
    charset: str
    targets: list[Target | None]
    wanted: dict[str, tuple[str, Want, str | None, Role]]


class Crawl:
    """The page crawl of one run, over one open store and archive client."""

    def __init__(
        self,
        settings: CrawlStageSettings,
        rescue: RescueStageSettings,
        store: Store,
        client: Archive | None,
        *,
        stop: RunStop,
        policy: HistoryPolicy,
        recheck_days: float,
        now: datetime,
        on_problem: Callable[[Problem], None] = lambda problem: None,
    ) -> None:
        self.settings = settings
        self.crawl = settings.crawl
        self.store = store
        self.client = client
        self.stop = stop
        self.policy = policy
        self.recheck_days = recheck_days
        self.now = now
        self.on_problem = on_problem
        self.views = ViewBook(store.index.database)
        self.digest = settings.digest()
        self.summary = CrawlSummary()
        #: None: no archive (``linkrescue import``): views from what the store holds.
        self.rescuer = (
            None
            if client is None
            else Rescuer(rescue, store, client, None, stop=stop, policy=policy)
        )

    def run(self) -> CrawlSummary:
        """Make the view of every page and stylesheet that needs one."""
        after = ""
        while batch := self.views.needing(self.digest, after=after, limit=BATCH):
            after = batch[-1].key
            self._batch(batch)
            if self.stop.reason is StopReason.DISK_FULL:
                break  # nothing more can be kept: the run ends (crawler.commands.rescue)
        self.summary.bytes = self.rescuer.bytes if self.rescuer is not None else 0
        return self.summary

    def _batch(self, rows: Sequence[PageToView]) -> None:
        done: set[str] = set()
        for _ in range(ROUNDS):
            prepared = [p for p in map(self._prepare, rows) if p is not None]
            done.update(row.key for row in rows)
            outcomes = self._fetch(prepared)
            for item in prepared:
                self._write(item, outcomes)
            if self.stop.reason is StopReason.DISK_FULL:
                return
            rescued = [k for k, outcome in outcomes.items() if outcome is Outcome.RESCUED]
            rows = [row for row in self.views.pages(rescued) if row.key not in done]
            if not rows:
                return

    def _prepare(self, row: PageToView) -> _Prepared | None:
        """Read ``row``'s capture; None (with a problem reported) when it cannot be."""
        try:
            data = self.store.original(row.sha256).read_bytes()
        except OSError as exc:
            self._problem(row, f"its capture cannot be read: {exc.strerror or exc}")
            return None
        page = read_stylesheet(data) if row.is_stylesheet else read_page(data)
        charset = _codec(page.charset)
        base = row.original
        if page.base is not None:
            # a <base href> no URL parser takes ("http://[x") is passed over
            with contextlib.suppress(ValueError):
                base = urljoin(row.original, _decoded(page.base, charset).strip())
        targets = [_target(ref, base, charset) for ref in page.references]
        wanted: dict[str, tuple[str, Want, str | None, Role]] = {}
        host = _host(row.original)
        for ref, target in zip(page.references, targets, strict=True):
            if (
                target is None
                or target.key in wanted
                or not self._fetches(ref.role, row, host, target)
            ):
                continue
            if len(wanted) >= self.crawl.max_resources_per_page:
                break
            wanted[target.key] = (
                target.url,
                _WANTS.get(ref.role, Want.ANY),
                target.written,
                ref.role,
            )
        return _Prepared(row, page, charset, targets, wanted)

    def _fetches(self, role: Role, row: PageToView, host: str, target: Target) -> bool:
        """Whether ``target`` (of role ``role`` in ``row``) is rescued with its page."""
        crawl = self.crawl
        target_host = _host(target.url)
        if role is Role.PAGE:
            if crawl.depth < 1 or row.linked or row.is_stylesheet or target_host != host:
                return False
        elif role is Role.SCRIPT:
            if not crawl.scripts:
                return False
        elif role not in _REQUISITES or not crawl.requisites:
            return False
        if crawl.allow_hosts and not _on_hosts(target_host, crawl.allow_hosts):
            return False
        return not _on_hosts(target_host, crawl.exclude_hosts)

    def _fetch(self, prepared: Sequence[_Prepared]) -> dict[str, Outcome | None]:
        """Rescue what the pages of ``prepared`` want; each key's outcome (None: left)."""
        table = TaskTable()
        for item in prepared:
            doc = table.document(item.row.path.as_posix())
            for key, (url, want, written, _role) in item.wanted.items():
                table.add(
                    key, url, want, written, item.row.timestamp or None, live=False, doc=doc, line=0
                )
        if not len(table):
            return {}
        known = self.store.index.lookup_many([table.key(r) for r in range(len(table))])
        pending: set[int] = set()
        archive = self.client.archive if self.client is not None else ""
        for task in table.tasks():
            if settle_known(
                task,
                self.store.index,
                self.store.root,
                recheck_days=self.recheck_days,
                now=self.now,
                archive=archive,
                policy=self.policy,
                resources=known,
            ):
                table.record(task)
            else:
                pending.add(task.id)
        if self.rescuer is not None:
            self.rescuer.run(table, sorted(pending))
        outcomes: dict[str, Outcome | None] = {}
        for row in range(len(table)):
            outcome = table.outcome(row)
            outcomes[table.key(row)] = outcome
            if row in pending:
                self.summary.count(outcome)
        table.close()
        return outcomes

    def _write(self, item: _Prepared, outcomes: dict[str, Outcome | None]) -> None:
        """Write ``item``'s view: each reference to its local copy or the archive."""
        row = item.row
        keys = [t.key for t in item.targets if t is not None]
        stored = self.store.index.lookup_many(sorted(set(keys))) if keys else {}
        folder = posixpath.dirname(row.path.as_posix())
        written = [self._written(t, stored, folder, row) for t in item.targets]
        recipe = hashlib.sha256(
            "\n".join([self.digest, row.sha256, *(w or "" for w in written)]).encode()
        ).hexdigest()
        open_count = sum(
            1
            for key in item.wanted
            if outcomes.get(key, _settled(stored.get(key))) in (None, Outcome.FAILED)
        )
        if row.fresh and recipe == row.recipe:  # the file holds this very view already
            self.views.still_open(row.key, open_count)
            return
        data = self._render(item, written)
        if data is None:
            return
        try:
            placed = self._place(item, data, recipe, open_count)
        except OSError as exc:  # this page's view; the capture stays as it was
            if disk_full(exc):
                self.stop.disk_is_full(exc)
                return
            self._problem(row, f"its view could not be stored: {exc.strerror or exc}")
            return
        if placed is not None:
            self.summary.views += 1

    def _render(self, item: _Prepared, written: Sequence[str | None]) -> bytes | None:
        """``item``'s view with ``written`` as its targets, sanitized unless turned off."""
        try:
            if not self.crawl.sanitize:
                return render(item.page, written, sanitize=False)
            view = sanitized_view(item.page, written, item.charset)
        except EditConflictError as exc:  # pragma: no cover - the spans come from the page
            self._problem(item.row, f"its view could not be written: {exc}")
            return None
        if view.rebuilt_for:
            found = ", ".join(view.rebuilt_for[:4])
            self._problem(
                item.row,
                f"an HTML5 parser still found {found} in its sanitized view; "
                "rebuilt from the parser's tree without them",
            )
        return view.data

    def _place(
        self, item: _Prepared, data: bytes, recipe: str, open_count: int
    ) -> PurePosixPath | None:
        row = item.row
        return self.store.put_view(
            row.key,
            data,
            source_sha256=row.sha256,
            settings=self.digest,
            recipe=recipe,
            open_requisites=open_count,
            requisites=[(key, str(role)) for key, (_u, _w, _t, role) in item.wanted.items()],
        )

    def _written(
        self,
        target: Target | None,
        stored: dict[str, IndexedResource],
        folder: str,
        row: PageToView,
    ) -> str | None:
        """What ``target`` is written as in the view of ``row`` (in ``folder``)."""
        if target is None:
            return None
        found = stored.get(target.key)
        if found is not None and found.path is not None:  # its bytes are in the store
            relative = posixpath.relpath(found.path.as_posix(), folder or ".")
            return encode_target(relative, fragment=target.fragment)
        # the archive's view of the capture nearest the page's: the URL is already
        # encoded (resolve_absolute), its query must stay a query
        timestamp = target.written or row.timestamp
        fragment = f"#{target.fragment}" if target.fragment else ""
        return f"{self.settings.view_root}/{timestamp}/{target.url}{fragment}"

    def _problem(self, row: PageToView, reason: str) -> None:
        self.summary.problems += 1
        self.on_problem(Problem(row.path.as_posix(), reason))


def offline_views(config: Config, store: Store) -> CrawlSummary:
    """The views of every page and stylesheet needing one, with no archive (``import``,
    ``verify --repair``): their requisites found in the store are pointed at, the others
    at the archive's view, looked up by the next rescue. Nothing when ``[crawl]`` asks
    for neither requisites nor sanitizing."""
    if not (config.crawl.requisites or config.crawl.sanitize):
        return CrawlSummary()
    return Crawl(
        config.for_crawl(),
        config.for_rescue(),
        store,
        None,
        stop=RunStop(),
        policy=config.nightly.policy(),
        recheck_days=config.rescue.recheck_days,
        now=datetime.now(UTC),
    ).run()


def _settled(found: IndexedResource | None) -> Outcome | None:
    """A resource's outcome from the index, for requisites no table settled."""
    return None if found is None else Outcome.of(found.outcome)


def _target(ref: PageReference, base: str, charset: str) -> Target | None:
    """The resource ``ref`` of a page whose references resolve against ``base``."""
    raw = _decoded(ref.ref.raw, charset)
    if ref.ref.attribute == "style":  # CSS inside an HTML attribute: its escapes first
        html_value = destination_value(replace(ref.ref, raw=raw, syntax=Syntax.HTML_QUOTED))
        value = css_value(html_value).strip("\"'")
    else:
        value = destination_value(replace(ref.ref, raw=raw))
    value = value.strip()
    if not value or value.startswith("#"):
        return None
    archived = root_relative_archive(value) if value.startswith("/web/") else None
    try:
        absolute = (
            archived.outer.root + value
            if archived is not None
            else urljoin(base, encode_relative(value))
        )
    except ValueError:  # what a capture holds is not always a URL ("http://[::1")
        return None
    resolution = resolve_absolute(absolute)
    if resolution.status is not Status.REMOTE or resolution.url is None or resolution.key is None:
        return None
    url, _, fragment = resolution.url.partition("#")
    timestamp = resolution.archive.timestamp if resolution.archive is not None else None
    written = timestamp if timestamp and timestamp.isdigit() else None
    return Target(url, resolution.key, fragment, written)


def _decoded(raw: str, charset: str) -> str:
    """A value read as Latin-1 (the page's bytes) in the page's own encoding."""
    if raw.isascii():
        return raw
    return raw.encode("latin-1").decode(charset, "replace")


def _codec(charset: str | None) -> str:
    """The Python codec of a page's declared charset; UTF-8 when none or unknown."""
    if charset:
        try:
            return codecs.lookup(charset.strip().strip("\"'")).name
        except LookupError:
            pass
    return "utf-8"


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def _on_hosts(host: str, hosts: Iterable[str]) -> bool:
    return any(host == h.lower() or host.endswith("." + h.lower()) for h in hosts)
