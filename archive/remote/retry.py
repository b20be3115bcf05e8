"""Bounded retries with exponential backoff and jitter (tenacity).

What is retried is decided by the exception type alone: every
:class:`~linkrescue.archive.errors.TransientError` (5xx from the archive itself, timeouts,
dropped connections, truncated bodies, a live 429), nothing else. A definitive
answer ("not archived", a blocked site, an archived 404 with ``Memento-Datetime``)
is never retried: asking again only spends the rate budget. The statuses counted
as transient follow EDGI's ``WaybackSession`` (413, 421, 500, 502, 503, 504, 599),
plus 408 and the 52x family proxies use, because the Wayback Machine's outages
come as bursts of 503/504 and connection timeouts lasting hours
(hartator/wayback-machine-downloader#86, jsvine/waybackpack#33).

After a live 429 the wait is the archive-wide pause (see :mod:`linkrescue.archive.remote.ratelimit`),
so the backoff itself adds nothing then.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from tenacity import RetryCallState, RetryError, Retrying, retry_if_exception_type
from tenacity.stop import stop_after_attempt
from tenacity.wait import wait_exponential_jitter

from linkrescue.archive.errors import RateLimited, RetryExhausted, TransientError

log = logging.getLogger("linkrescue.archive")

T = TypeVar("T")

#: Statuses of the archive's *own* answers (no ``Memento-Datetime``) worth retrying.
RETRYABLE_STATUSES = frozenset({408, 413, 421, 500, 502, 503, 504, 520, 521, 522, 523, 524, 599})


def backoff(base: float, maximum: float) -> Callable[[RetryCallState], float]:
    """The wait before retry ``n``: tenacity's ``wait_exponential_jitter``, that is
    ``base * 2**(n-1)`` plus up to ``base`` of random jitter, capped at ``maximum``;
    no wait after a 429, whose pause the rate limiter already enforces (every worker
    waits it out before its next request, :meth:`ArchiveLimits.acquire`)."""
    jittered = wait_exponential_jitter(multiplier=base, max=maximum, jitter=base)

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome is not None else None
        if isinstance(exc, RateLimited):
            return 0.0
        return jittered(state)

    return wait


def call_with_retries(
    fn: Callable[[], T],
    *,
    what: str,
    retries: int,
    backoff_base: float,
    backoff_max: float,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Call ``fn`` until it succeeds, retrying transient failures at most ``retries`` times.

    Raises :class:`RetryExhausted` (chained to the last failure) when every attempt
    failed, and lets every non-transient exception through at once.
    """

    def before_sleep(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome is not None else None
        wait = state.next_action.sleep if state.next_action is not None else 0.0
        log.info(
            "retrying %s (attempt %d of %d) in %.2f s after: %s",
            what,
            state.attempt_number + 1,
            retries + 1,
            wait,
            exc,
        )

    retrying = Retrying(
        stop=stop_after_attempt(retries + 1),
        wait=backoff(backoff_base, backoff_max),
        retry=retry_if_exception_type(TransientError),
        before_sleep=before_sleep,
        sleep=sleep,
    )
    try:
        return retrying(fn)
    except RetryError as exc:
        last = exc.last_attempt.exception()
        assert isinstance(last, TransientError)
        attempts = exc.last_attempt.attempt_number
        raise RetryExhausted(last, attempts) from last
