"""Politeness: per-endpoint request spacing and the archive-wide pause after a 429.

The Internet Archive limits CDX and timemap together to 30 requests a minute and
playback to 600 a minute, and its staff asked clients to stay at 80% of that
(edgi-govdata-archiving/wayback#206, PR #208): 0.4/s and 8/s, the defaults of
:class:`~linkrescue.archive.settings.ArchiveSettings`. A client that keeps going after a 429
for over a minute is firewalled for an hour, doubling each time
(edgi-govdata-archiving/wayback#137), so one 429 pauses *every* worker of that
archive, not just the thread that saw it.

Spacing is by reservation: each request books the next free slot under a lock and
sleeps outside it, so N threads together never exceed the rate, a lone thread is
never slowed below it, and the wall time of a run stays at the bound the rate sets.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

log = logging.getLogger("linkrescue.archive")

Clock = Callable[[], float]
Sleep = Callable[[float], None]


class Endpoint(StrEnum):
    """The two rate pools of a Wayback archive (timemap requests share the CDX pool)."""

    CDX = "cdx"
    PLAYBACK = "playback"


class PauseGate:
    """A pause every worker of one archive honours before its next request."""

    def __init__(self, *, clock: Clock = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._until = 0.0
        self.pauses = 0

    @property
    def until(self) -> float:
        """Clock time at which the current pause ends (in the past when not paused)."""
        with self._lock:
            return self._until

    def remaining(self) -> float:
        """Seconds the current pause still lasts (0 when not paused)."""
        return max(0.0, self.until - self._clock())

    def pause(self, seconds: float, reason: str) -> None:
        """Stop every worker for ``seconds`` from now (a pause only ever gets longer)."""
        with self._lock:
            now = self._clock()
            new_until = now + max(0.0, seconds)
            if new_until <= self._until:
                return
            fresh = self._until <= now
            self._until = new_until
            if fresh:
                self.pauses += 1
        if fresh:
            log.warning("%s: pausing every worker of this archive for %.1f s", reason, seconds)
        else:
            log.info("%s: pause extended to %.1f s from now", reason, seconds)


class RateLimiter:
    """Spaces the requests of one endpoint ``1/per_second`` apart across all threads.

    ``per_second`` 0 means unlimited (a local pywb), but the :class:`PauseGate` is
    still honoured.
    """

    def __init__(
        self,
        per_second: float,
        gate: PauseGate,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
    ) -> None:
        if per_second < 0:
            raise ValueError(f"rate must be >= 0, got {per_second}")
        self.interval = 1.0 / per_second if per_second > 0 else 0.0
        self._gate = gate
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next = float("-inf")

    def acquire(self) -> float:
        """Block until this thread may send one request; return the seconds waited."""
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                slot = max(now, self._next, self._gate.until)
                self._next = slot + self.interval
            if slot <= now:
                return waited
            self._sleep(slot - now)
            waited += slot - now
            # A 429 seen by another thread while we slept may have pushed the pause
            # past our slot: book again rather than send into the pause.
            if self._gate.until <= self._clock():
                return waited


@dataclass
class ArchiveLimits:
    """The rate limiters and the pause gate of one archive, shared by its workers."""

    gate: PauseGate
    cdx: RateLimiter
    playback: RateLimiter

    @classmethod
    def create(
        cls,
        cdx_per_second: float,
        playback_per_second: float,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
    ) -> ArchiveLimits:
        gate = PauseGate(clock=clock)
        return cls(
            gate=gate,
            cdx=RateLimiter(cdx_per_second, gate, clock=clock, sleep=sleep),
            playback=RateLimiter(playback_per_second, gate, clock=clock, sleep=sleep),
        )

    def acquire(self, endpoint: Endpoint) -> float:
        """Wait for a slot on ``endpoint``'s pool (and for any pause to end)."""
        limiter = self.cdx if endpoint is Endpoint.CDX else self.playback
        return limiter.acquire()

    def pause(self, seconds: float, reason: str) -> None:
        """Pause every worker of the archive (after a live 429)."""
        self.gate.pause(seconds, reason)
