"""Request spacing, the archive-wide pause, and bounded retries."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from linkrescue.archive.errors import NotArchived, RateLimited, RetryExhausted, ServerError
from linkrescue.archive.remote.ratelimit import ArchiveLimits, Endpoint, PauseGate, RateLimiter
from linkrescue.archive.remote.retry import call_with_retries
from linkrescue.archive.remote.wayback import ArchiveClient
from linkrescue.archive.settings import ArchiveSettings


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.lock = threading.Lock()

    def __call__(self) -> float:
        with self.lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.now += seconds


def test_defaults_are_80_percent_of_the_published_limits() -> None:
    settings = ArchiveSettings()
    assert settings.cdx_per_second == pytest.approx(0.8 * 30 / 60)
    assert settings.playback_per_second == pytest.approx(0.8 * 600 / 60)
    assert settings.pause_seconds == 60


def test_requests_are_spaced_at_the_rate_and_the_first_is_not_delayed() -> None:
    clock = FakeClock()
    limiter = RateLimiter(0.4, PauseGate(clock=clock), clock=clock, sleep=clock.sleep)
    times = []
    for _ in range(4):
        limiter.acquire()
        times.append(clock.now - 1000.0)
    assert times == pytest.approx([0.0, 2.5, 5.0, 7.5])


def test_zero_means_unlimited_but_a_pause_still_holds() -> None:
    clock = FakeClock()
    gate = PauseGate(clock=clock)
    limiter = RateLimiter(0, gate, clock=clock, sleep=clock.sleep)
    for _ in range(100):
        assert limiter.acquire() == 0.0
    gate.pause(5.0, "test")
    assert limiter.acquire() == pytest.approx(5.0)


def test_threads_share_one_rate(monkeypatch: pytest.MonkeyPatch) -> None:
    # Real clock: 4 threads x 5 requests at 100/s take at least 19 intervals.
    limiter = RateLimiter(100.0, PauseGate())
    stamps: list[float] = []
    lock = threading.Lock()

    def work() -> None:
        for _ in range(5):
            limiter.acquire()
            with lock:
                stamps.append(time.monotonic())

    threads = [threading.Thread(target=work) for _ in range(4)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Sleeps are never shorter than asked: 20 slots 10 ms apart end 190 ms after the first.
    assert max(stamps) - start >= 0.19 - 0.005
    assert max(stamps) - start < 0.19 + 0.15  # and waits are not much longer either


def test_a_pause_only_grows_and_is_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeClock()
    limits = ArchiveLimits.create(0, 0, clock=clock, sleep=clock.sleep)
    with caplog.at_level("INFO", logger="archive"):
        limits.pause(60, "archive answered 429")
        limits.pause(10, "archive answered 429")  # shorter: ignored
        limits.pause(61, "archive answered 429")
    assert limits.gate.until == pytest.approx(1061.0)
    assert limits.gate.pauses == 1
    warnings = [r for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1 and "pausing every worker" in warnings[0].getMessage()
    assert limits.acquire(Endpoint.CDX) == pytest.approx(61.0)


def test_the_pause_left_is_what_progress_shows_and_ends_at_zero() -> None:
    clock = FakeClock()
    settings = ArchiveSettings(url="https://web.archive.org", cdx_per_second=0)
    limits = ArchiveLimits.create(0, 0, clock=clock, sleep=clock.sleep)
    with ArchiveClient(settings, limits=limits) as client:
        assert client.paused_for() == 0.0
        limits.pause(30, "archive answered 429")
        clock.sleep(12)
        assert client.paused_for() == pytest.approx(18.0)
        clock.sleep(20)
        assert client.paused_for() == 0.0


def test_retries_are_bounded_and_report_the_cause() -> None:
    calls = []
    sleeps: list[float] = []

    def failing() -> None:
        calls.append(1)
        raise ServerError("https://web.archive.org/x", 503)

    with pytest.raises(RetryExhausted) as info:
        call_with_retries(
            failing, what="x", retries=3, backoff_base=0.5, backoff_max=3.0, sleep=sleeps.append
        )
    assert len(calls) == 4
    assert info.value.attempts == 4
    assert isinstance(info.value.cause, ServerError) and info.value.cause.status == 503
    assert info.value.__cause__ is info.value.cause
    # exponential with jitter: base*2**(n-1) + U(0, base), capped
    assert 0.5 <= sleeps[0] <= 1.0 and 1.0 <= sleeps[1] <= 1.5 and 2.0 <= sleeps[2] <= 2.5


def test_definitive_answers_are_never_retried() -> None:
    calls = []

    def not_archived() -> None:
        calls.append(1)
        raise NotArchived("not archived")

    with pytest.raises(NotArchived):
        call_with_retries(
            not_archived,
            what="x",
            retries=5,
            backoff_base=0.01,
            backoff_max=1,
            sleep=lambda s: None,
        )
    assert len(calls) == 1


def test_after_a_429_the_pause_is_the_wait() -> None:
    sleeps: list[float] = []
    attempts = iter([RateLimited("u", None), None])

    def flaky() -> str:
        exc = next(attempts)
        if exc:
            raise exc
        return "ok"

    assert (
        call_with_retries(
            flaky, what="x", retries=2, backoff_base=5, backoff_max=9, sleep=sleeps.append
        )
        == "ok"
    )
    assert sleeps == [0.0]


def _raising(*errors: Exception) -> Callable[[], None]:
    """A call that raises ``errors`` in turn."""
    pending = iter(errors)

    def call() -> None:
        raise next(pending)

    return call


def test_the_backoff_doubles_up_to_its_cap_and_resumes_after_a_429() -> None:
    """tenacity's exponential jitter keeps the client's schedule: ``base * 2**(n-1)``
    plus up to ``base``, never over ``backoff_max``; a 429's retry waits nothing here
    (the archive-wide pause is the wait) and the next failure backs off as its number says."""
    for _ in range(20):  # the jitter is random: every draw must stay within the bounds
        sleeps: list[float] = []
        failing = _raising(
            RateLimited("u", None), *[ServerError("https://web.archive.org/x", 503)] * 6
        )
        with pytest.raises(RetryExhausted) as info:
            call_with_retries(
                failing, what="x", retries=6, backoff_base=0.5, backoff_max=3.0, sleep=sleeps.append
            )
        assert info.value.attempts == 7
        assert sleeps[0] == 0.0  # after the 429
        assert 1.0 <= sleeps[1] <= 1.5  # attempt 2 failed: 0.5 * 2 + U(0, 0.5)
        assert 2.0 <= sleeps[2] <= 2.5
        assert sleeps[3:] == [3.0, 3.0, 3.0]  # 4.0 and more, capped
