"""Online verdicts: what the live web and the archive say of ``check``'s remote references.

Each unique resource is asked once per run, however many references name it.
Archive references are looked up in the archive's index through the same polite
client as ``rescue`` (its rate limits, its listings: one CDX prefix listing answers
many references; no playback request, no body). Live links are asked with HEAD
(GET when refused) under ``[live]``: at most ``per_host_concurrency`` requests at once
to one host, ``per_host_spacing`` seconds apart, other hosts meanwhile.

A capture the index picked but cannot vouch for is played back (``[check] confirm``):
an image URL whose rows are all HTML (an error page served 200, or an image the site
mislabelled: only the bytes tell) and a captured redirect whose target the index does
not give (pywb's rows never do; a dead site's redirect of every article to its front
page is a soft 404). The playback is ``rescue``'s own choice of capture, into no file,
so ``check`` says what ``rescue`` would do; in the peers benchmark these were the 24
links every checker got wrong from the index alone.

Only a definitive answer is ``dead``: the archive says not archived (or only captured
as errors), a live page answers 404/410, a name does not resolve while others do.
Everything else a network can do (5xx, timeouts, 429, resets, bot walls) is
``unknown``: asked once more at the end of the run (a server's bad minute often passes),
then shown, never failing a run by itself (linkinator and markdown-link-check make CI
red for an unreachable archive).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from linkrescue.archive import LIVE, HistoryPolicy, live_standing
from linkrescue.archive.errors import ArchiveError
from linkrescue.archive.model import Found, Outcome, Snapshot, Want
from linkrescue.archive.settings import ArchiveSettings
from linkrescue.crawler.config import LiveSettings, NetworkSettings
from linkrescue.crawler.findings import Kind, Status
from linkrescue.crawler.stages.live import LiveChecker

if TYPE_CHECKING:
    from linkrescue.archive import ArchiveClient, Index


@dataclass(frozen=True, slots=True)
class Remote:
    """One remote reference of a checked document, where it is and what it asks for.

    ``timestamp``: the one written in an archive URL (None for a live link).
    """

    key: str
    url: str
    archived: bool
    timestamp: str | None
    image: bool
    line: int
    column: int
    end_line: int
    end: int


@dataclass(frozen=True, slots=True)
class Answer:
    """The online verdict on one resource: None ``kind`` when it is fine."""

    kind: Kind | None
    status: Status | None
    reason: str


FINE = Answer(None, None, "")
#: Failures in a row (timeouts, refused or reset connections) after which a host is
#: asked nothing more in a run.
GIVE_UP = 5


@dataclass(frozen=True, slots=True)
class _Wanted:
    url: str
    timestamp: str | None


class OnlineChecks:
    """Answers for the unique remote resources of a run (thread-safe inside; one run)."""

    def __init__(
        self,
        archive: ArchiveSettings,
        live: LiveSettings,
        *,
        network: NetworkSettings | None = None,
        kept: Index | None = None,
        max_age_hours: float = 24.0,
        policy: HistoryPolicy | None = None,
        confirm: bool = True,
    ) -> None:
        self._archive_settings = archive
        self._live_settings = live
        self._network = network
        self._kept = kept
        self._max_age = timedelta(hours=max_age_hours)
        self._policy = policy or HistoryPolicy()
        self._confirm = confirm
        self.requests = {"cdx": 0, "playback": 0, "live": 0}
        #: Answers taken from the store's index instead of asked again.
        self.reused = 0

    def answer(self, remotes: Iterable[Remote]) -> dict[str, Answer]:
        """An answer for each resource key of ``remotes``.

        With a store (``kept``), a definitive answer younger than ``[check]
        max_age_hours`` is reused, and every new definitive answer is kept: a CI run
        an hour after the last asks nothing again. Unknown answers are never kept.
        """
        from linkrescue.archive import archive_identity

        archived: dict[str, Remote] = {}
        live: dict[str, Remote] = {}
        for remote in remotes:
            (archived if remote.archived else live).setdefault(remote.key, remote)
        answers: dict[str, Answer] = {}
        source = archive_identity(self._archive_settings)
        live_keys = list(live)  # reuse takes kept answers out of `live`
        for wanted, name, ask in ((archived, source, self._archive), (live, LIVE, self._live)):
            answers.update(self._reuse(wanted, name))
            if wanted:
                fresh = ask(wanted)
                answers.update(fresh)
                self._keep(name, fresh, wanted)
        return self._counted(answers, live_keys)

    def _counted(self, answers: dict[str, Answer], live: list[str]) -> dict[str, Answer]:
        """Each dead live link's reason with its count in the history ``rescue`` shares
        (``HTTP 404 (dead 1 of 3 times …)``): ``check`` reports a 404 as dead at once (a
        CI run with no history still finds it), while ``rescue`` waits for
        ``[nightly] dead_after_failures`` answers before fetching an archive copy."""
        if self._kept is None:
            return answers
        counted = dict(answers)
        for key in live:
            answer = answers.get(key)
            if answer is None or answer.status is not Status.DEAD:
                continue
            standing = live_standing(self._kept.attempts(key, LIVE), self._policy)
            if standing.dead_answers:
                reason = f"{answer.reason} ({standing.describe()})"
                counted[key] = Answer(answer.kind, answer.status, reason)
        return counted

    def _reuse(self, wanted: dict[str, Remote], source: str) -> dict[str, Answer]:
        """Kept answers of ``source`` about ``wanted`` (removed from it)."""
        if self._kept is None or not wanted or self._max_age <= timedelta(0):
            return {}
        since = datetime.now(UTC) - self._max_age
        reused: dict[str, Answer] = {}
        for key, kept in self._kept.recent_checks(wanted, source, since).items():
            if kept.verdict == "dead" and kept.kind:
                when = kept.checked_at.strftime("%Y-%m-%d %H:%M UTC")
                reused[key] = Answer(Kind(kept.kind), Status.DEAD, f"{kept.reason} (as of {when})")
            else:
                reused[key] = FINE
            del wanted[key]
        self.reused += len(reused)
        return reused

    def _keep(self, source: str, answers: dict[str, Answer], asked: dict[str, Remote]) -> None:
        """Record every answer asked in this run in the store's history: definitive ones
        are reused for ``max_age_hours``; unknown ones never are, but a later ``rescue``
        waits out their backoff, and counts a live link's dead answers."""
        if self._kept is None:
            return
        rows = [
            (
                key,
                asked[key].url,
                "dead"
                if a.status is Status.DEAD
                else "unknown"
                if a.status is Status.UNKNOWN
                else "fine",
                a.kind.value if a.kind and a.status is Status.DEAD else "",
                a.reason,
            )
            for key, a in answers.items()
        ]
        if rows:
            self._kept.record_checks(source, rows)

    # --- the archive -----------------------------------------------------------------

    def _archive(self, wanted: dict[str, Remote]) -> dict[str, Answer]:
        from linkrescue.archive import ArchiveClient  # the client (httpx) only when online

        answers: dict[str, Answer] = {}
        with ArchiveClient(self._archive_settings) as client:
            try:
                client.probe()
            except ArchiveError as exc:
                why = f"the archive did not answer ({exc}): not counted as dead"
                return {key: Answer(Kind.UNREACHABLE, Status.UNKNOWN, why) for key in wanted}
            try:
                for listing in client.plan_listings(
                    [_Wanted(r.url, r.timestamp) for r in wanted.values()]
                ):
                    client.run_listing(listing)
            except ArchiveError:
                pass  # each URL is then looked up on its own
            for attempt in range(2):  # an unknown answer is asked once more, last
                todo = [
                    k for k in wanted if k not in answers or answers[k].status is Status.UNKNOWN
                ]
                if not todo:
                    break
                for key in todo:
                    answers[key] = _archived(client, wanted[key], confirm=self._confirm)
                if attempt == 0 and any(answers[k].status is Status.UNKNOWN for k in todo):
                    time.sleep(min(5.0, self._archive_settings.pause_seconds))
            counts = client.counts
            self.requests["cdx"] += counts.cdx
            self.requests["playback"] += counts.playback
        return answers

    # --- the live web ----------------------------------------------------------------

    def _live(self, wanted: dict[str, Remote]) -> dict[str, Answer]:
        settings = self._live_settings
        checker = LiveChecker(self._archive_settings, settings, network=self._network)
        hosts = _Hosts(settings.per_host_concurrency, settings.per_host_spacing)
        answers: dict[str, Answer] = {}
        try:
            checker.expect(r.url for r in wanted.values())

            def ask(key: str) -> tuple[str, Answer]:
                url = wanted[key].url
                host = urlsplit(url).hostname or ""
                why = f"{host} did not answer {GIVE_UP} times in a row: not asked again"
                if hosts.given_up(host):
                    return key, Answer(Kind.UNREACHABLE, Status.UNKNOWN, why)
                with hosts.turn(host):
                    if hosts.given_up(host):  # it failed while this one waited its turn
                        return key, Answer(Kind.UNREACHABLE, Status.UNKNOWN, why)
                    liveness = checker.check(url)
                failed = liveness.doubtful and not liveness.reason.startswith("HTTP ")
                hosts.answered(host, failed=failed)
                if liveness.dead:
                    return key, Answer(Kind.DEAD_LINK, Status.DEAD, liveness.reason)
                if liveness.unknown or liveness.doubtful:
                    return key, Answer(Kind.UNREACHABLE, Status.UNKNOWN, liveness.reason)
                return key, FINE

            with ThreadPoolExecutor(max_workers=settings.concurrency) as pool:
                answers.update(pool.map(ask, list(wanted)))
                again = [k for k, a in answers.items() if a.status is Status.UNKNOWN]
                answers.update(pool.map(ask, again))  # once more, after all the others
        finally:
            self.requests["live"] += checker.requests
            checker.close()
        return answers


def _archived(client: ArchiveClient, remote: Remote, *, confirm: bool = True) -> Answer:
    want = Want.IMAGE if remote.image else Want.ANY
    try:
        found = client.availability(remote.url, timestamp=remote.timestamp, want=want)
    except ArchiveError as exc:
        return Answer(Kind.UNREACHABLE, Status.UNKNOWN, f"the archive did not answer ({exc})")
    if found.found is Found.PLAYABLE:
        if confirm and found.snapshot is not None and _doubtful(found.snapshot, want):
            return _played(client, remote, want)
        return FINE
    if found.found is Found.NOT_ARCHIVED:
        return Answer(Kind.NOT_ARCHIVED, Status.DEAD, found.reason or "not archived")
    return Answer(Kind.UNREACHABLE, Status.UNKNOWN, f"{found.reason}: not counted as dead")


def _doubtful(pick: Snapshot, want: Want) -> bool:
    """Whether the index's row cannot vouch for the capture it picked."""
    if pick.status is not None and 300 <= pick.status < 400 and pick.redirect is None:
        return True
    listed = (pick.mimetype or "").split(";", 1)[0].strip().lower()
    return want is Want.IMAGE and listed not in _NO_WORD and not listed.startswith("image/")


#: Index media types that say nothing of the bytes: none, pywb's and IA's "unknown",
#: and a revisit (the bytes of an earlier capture of the same digest).
_NO_WORD = ("", "unk", "-", "warc/revisit")


def _played(client: ArchiveClient, remote: Remote, want: Want) -> Answer:
    """``rescue``'s own answer for ``remote``, its bytes thrown away."""
    try:
        result = client.rescue(remote.url, timestamp=remote.timestamp, want=want, sink=_Nowhere())
    except ArchiveError as exc:
        return Answer(Kind.UNREACHABLE, Status.UNKNOWN, f"the archive did not answer ({exc})")
    if result.outcome is Outcome.RESCUED:
        return FINE
    if result.outcome in (Outcome.NOT_ARCHIVED, Outcome.BLOCKED):
        return Answer(Kind.NOT_ARCHIVED, Status.DEAD, result.reason or "not archived")
    return Answer(Kind.UNREACHABLE, Status.UNKNOWN, f"{result.reason}: not counted as dead")


class _Nowhere:
    """A sink that keeps nothing: ``check`` writes no file."""

    def write(self, data: bytes, /) -> int:
        return len(data)

    def seek(self, offset: int, whence: int = 0, /) -> int:
        return 0

    def truncate(self, size: int | None = None, /) -> int:
        return 0

    def flush(self) -> None:
        pass


class _Hosts:
    """Per-host turns: at most ``limit`` requests at once to a host, ``spacing`` apart;
    and a host that timed out or refused :data:`GIVE_UP` times in a row is asked no
    more in the run (a dead site linked 500 times would cost 500 timeouts)."""

    def __init__(self, limit: int, spacing: float) -> None:
        self._limit = limit
        self._spacing = spacing
        self._lock = threading.Lock()
        self._slots: dict[str, threading.Semaphore] = {}
        self._next: dict[str, float] = {}
        self._failures: dict[str, int] = {}

    def given_up(self, host: str) -> bool:
        with self._lock:
            return self._failures.get(host, 0) >= GIVE_UP

    def answered(self, host: str, *, failed: bool) -> None:
        """A request to ``host`` ended; ``failed``: no HTTP answer at all."""
        with self._lock:
            self._failures[host] = self._failures.get(host, 0) + 1 if failed else 0

    def turn(self, host: str) -> _Turn:
        with self._lock:
            slot = self._slots.setdefault(host, threading.Semaphore(self._limit))
        return _Turn(self, host, slot)

    def wait(self, host: str) -> None:
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next.get(host, now))
            self._next[host] = start + self._spacing
        if start > now:
            time.sleep(start - now)


class _Turn:
    def __init__(self, hosts: _Hosts, host: str, slot: threading.Semaphore) -> None:
        self._hosts, self._host, self._slot = hosts, host, slot

    def __enter__(self) -> None:
        self._slot.acquire()
        self._hosts.wait(self._host)

    def __exit__(self, *exc: object) -> None:
        self._slot.release()
