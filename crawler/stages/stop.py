"""When a run stops starting new work: a request or time budget, or a signal.

A nightly run over a big corpus (issue 12) must be able to stop after N requests
or two hours, or when cron's ``timeout`` or systemd sends SIGTERM, and leave
everything whole for the next night: no new resource is started, the ones in
flight finish and are recorded, and the ones never started stay *left* (no outcome,
nothing recorded), so the next run looks them up as if this one had not seen them.
A second signal asks to stop at once (:class:`Interrupted`, raised in the main
thread): in-flight resources are abandoned unrecorded, which the store's atomic
writes make safe.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from enum import StrEnum


class StopReason(StrEnum):
    """Why a run stopped before its end (the report's ``stopped``)."""

    BUDGET = "budget"
    INTERRUPTED = "interrupted"
    #: The disk of the store (or of its index) is full: nothing more can be kept.
    DISK_FULL = "disk-full"


class Interrupted(BaseException):
    """A second SIGINT or SIGTERM: stop now, abandoning what is in flight.

    A ``BaseException`` like ``KeyboardInterrupt``: no ``except Exception`` on the way
    may swallow it."""


class RunStop:
    """Shared by the run's threads: whether to start another resource or listing.

    ``max_requests`` (0: none) counts requests to the archive and to live sites, as
    ``requests()`` reports them; ``seconds`` (None: none) counts from ``started``
    (``time.monotonic``). Both are checked before each resource and listing starts:
    what is in flight finishes, so a run may end a few requests past its budget.
    """

    def __init__(
        self,
        *,
        max_requests: int = 0,
        seconds: float | None = None,
        started: float | None = None,
    ) -> None:
        self.max_requests = max_requests
        self.seconds = seconds
        self.started = time.monotonic() if started is None else started
        self.requests: Callable[[], int] = lambda: 0
        self.signal: str | None = None
        #: What the file system said when the disk filled (``StopReason.DISK_FULL``).
        self.full: str = ""
        self._reason: StopReason | None = None
        self._lock = threading.Lock()
        self._in_flight = 0
        #: Set by a second signal: abandon what is in flight.
        self.now = threading.Event()
        self._on_halt: list[Callable[[], None]] = []

    @property
    def reason(self) -> StopReason | None:
        with self._lock:
            return self._reason

    def request(self, reason: StopReason, signal: str | None = None) -> bool:
        """Stop starting work; True the first time (the reason given first stays)."""
        with self._lock:
            if self._reason is not None:
                return False
            self._reason = reason
            self.signal = signal
            return True

    def disk_is_full(self, exc: BaseException) -> None:
        """Stop starting work: ``exc`` said the disk is full (the first one is kept)."""
        if self.request(StopReason.DISK_FULL):
            self.full = str(exc)

    @property
    def budgeted(self) -> bool:
        """Whether a budget may stop this run before its end."""
        return bool(self.max_requests) or self.seconds is not None

    def when_halted(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` when the run is told to stop at once (:meth:`halt`)."""
        self._on_halt.append(callback)

    def halt(self, signal: str | None = None) -> None:
        """Stop at once: nothing more is sent; what is in flight is abandoned."""
        self.request(StopReason.INTERRUPTED, signal)
        self.now.set()
        for callback in self._on_halt:
            callback()

    def reached(self) -> bool:
        """Whether no new work may start: stopped already, or a budget is spent now."""
        if self.reason is not None:
            return True
        spent = self.max_requests and self.requests() >= self.max_requests
        late = self.seconds is not None and time.monotonic() - self.started >= self.seconds
        if spent or late:
            self.request(StopReason.BUDGET)
            return True
        return False

    def started_one(self) -> None:
        with self._lock:
            self._in_flight += 1

    def finished_one(self) -> None:
        with self._lock:
            self._in_flight -= 1

    @property
    def in_flight(self) -> int:
        """Resources being fetched right now."""
        with self._lock:
            return self._in_flight
