"""What a resource's history says now: is it due to be asked again, is a live link dead yet?

Pure functions of the attempts (:class:`~linkrescue.archive.state.schema.Attempt`,
oldest first) and a :class:`HistoryPolicy`, taking ``now`` where the answer depends
on it, so nightly runs decide the same way whatever clock they run on and tests give
them any time they like.

Two rules, both from the nightly use (issue 12):

- *Backoff*: a transient failure (an archive 5xx or timeout after the client's own
  retries, a live site's 503, 429 or reset, an unknown live answer) is asked again by a
  later run only ``retry_after_hours`` after it, doubling with each such failure in a
  row, at most ``retry_max_hours``. The Wayback Machine's outages last hours
  (docs/wayback-facts.md §5): asking every ten minutes from cron only adds to them.
- *Dead only when it stays dead*: a live link is declared dead after
  ``dead_after_failures`` dead answers (404, 410, a name that no longer resolves), each
  at least ``dead_after_hours`` after the last one counted; an ``alive`` answer starts
  the count again. The Internet Archive's own link-rescue bot waits for three failures
  three days apart (0.1% false positives); a site's bad deploy answering 404 for an
  hour must not get its links rewritten to the archive.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from linkrescue.archive.state.schema import ALIVE, DEAD, Attempt

__all__ = [
    "HistoryPolicy",
    "LiveStanding",
    "failures_in_a_row",
    "is_due",
    "live_standing",
    "next_try",
]


@dataclass(frozen=True, slots=True)
class HistoryPolicy:
    """The ``[nightly]`` keys that judge a history (defaults as in ``config.toml``)."""

    retry_after_hours: float = 6.0
    retry_max_hours: float = 168.0
    dead_after_failures: int = 3
    dead_after_hours: float = 24.0

    def backoff(self, failures: int) -> timedelta:
        """How long after the last of ``failures`` transient failures in a row to wait."""
        if failures <= 0:
            return timedelta(0)
        hours = self.retry_after_hours * 2.0 ** min(failures - 1, 60)
        return timedelta(hours=min(hours, self.retry_max_hours))


def failures_in_a_row(attempts: Sequence[Attempt]) -> int:
    """How many transient failures end ``attempts`` (0: the last answer was definitive)."""
    count = 0
    for attempt in reversed(attempts):
        if not attempt.transient:
            break
        count += 1
    return count


def next_try(attempts: Sequence[Attempt], policy: HistoryPolicy) -> datetime | None:
    """When a later run may ask again after the transient failures that end ``attempts``;
    None when the last answer was not a transient failure (nothing to wait for)."""
    failures = failures_in_a_row(attempts)
    if failures == 0:
        return None
    return attempts[-1].at + policy.backoff(failures)


def is_due(attempts: Sequence[Attempt], now: datetime, policy: HistoryPolicy) -> bool:
    """Whether a run at ``now`` may ask again (always, unless a transient failure's
    backoff is still running)."""
    due = next_try(attempts, policy)
    return due is None or now >= due


@dataclass(frozen=True, slots=True)
class LiveStanding:
    """What a live link's history says: ``dead`` answers counted toward
    ``needed``, and when the next check may add to them.

    ``next_check``: the earliest time a check is worth making (None: at once). After a
    counted dead answer it is ``dead_after_hours`` later (an answer sooner would not
    count); after transient failures, their backoff.
    """

    dead_answers: int
    needed: int
    next_check: datetime | None

    @property
    def declared_dead(self) -> bool:
        return self.dead_answers >= self.needed

    @property
    def suspect(self) -> bool:
        """Answered dead, not yet often enough to be declared dead."""
        return 0 < self.dead_answers < self.needed

    def is_due(self, now: datetime) -> bool:
        return self.next_check is None or now >= self.next_check

    def describe(self) -> str:
        """``dead 1 of 3 times (next check after 2026-12-05 22:00 UTC)``, for reasons."""
        text = f"dead {self.dead_answers} of {self.needed} times"
        if self.declared_dead:
            return f"{text}: declared dead"
        if self.next_check is not None:
            text += f" (next check after {self.next_check:%Y-%m-%d %H:%M} UTC)"
        return text


def live_standing(attempts: Sequence[Attempt], policy: HistoryPolicy) -> LiveStanding:
    """Count a live link's dead answers (its ``live`` attempts, oldest first).

    A dead answer counts when it is the first since the last ``alive`` (or ever), or
    at least ``dead_after_hours`` after the last one counted; an ``alive`` answer
    resets the count; an unknown answer neither counts nor resets (a 503 says nothing
    about the page), but its backoff delays the next check.
    """
    apart = timedelta(hours=policy.dead_after_hours)
    needed = max(1, policy.dead_after_failures)
    count = 0
    last: datetime | None = None
    for attempt in attempts:
        if attempt.answer == ALIVE:
            count, last = 0, None
        elif attempt.answer == DEAD and (last is None or attempt.at - last >= apart):
            count, last = count + 1, attempt.at
    if count >= needed:
        return LiveStanding(count, needed, None)
    waits = [t for t in (next_try(attempts, policy), last + apart if last else None) if t]
    return LiveStanding(count, needed, max(waits) if waits else None)
