"""The history rules, straight: when a failing resource is due again, when a live link is dead.

Every answer is recorded through a real :class:`Index` whose clock the test moves, then
judged by the pure functions of ``archive/state/history.py`` at a chosen ``now``.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import linkrescue.archive.state.database
from linkrescue.archive.model import Outcome
from linkrescue.archive.state import (
    ALIVE,
    DEAD,
    LIVE,
    UNKNOWN,
    HistoryPolicy,
    Index,
    is_due,
    live_standing,
    next_try,
)
from linkrescue.archive.state.schema import MIGRATIONS

START = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
KEY = "thestandnews.com/media/photos/gone.jpg"
URL = "https://thestandnews.com/media/photos/gone.jpg"
POLICY = HistoryPolicy(
    retry_after_hours=6, retry_max_hours=48, dead_after_failures=3, dead_after_hours=24
)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def at(self, hours: float) -> datetime:
        self.now = START + timedelta(hours=hours)
        return self.now


def test_transient_failures_back_off_doubling_up_to_the_cap(tmp_path: Path) -> None:
    clock = Clock()
    with Index(tmp_path / "index.sqlite3", clock=clock) as index:
        index.record_attempt(KEY, URL, Outcome.FAILED, "HTTP 503 after 3 tries", archive="ia")
        history = index.attempts(KEY)
        assert next_try(history, POLICY) == START + timedelta(hours=6)
        assert not is_due(history, START + timedelta(hours=5, minutes=59), POLICY)
        assert is_due(history, START + timedelta(hours=6), POLICY)

        waits = []
        for hour in (6, 18, 42, 90):  # each retry fails again, at once when due
            clock.at(hour)
            index.record_attempt(KEY, URL, Outcome.FAILED, "timed out", archive="ia")
            history = index.attempts(KEY)
            due = next_try(history, POLICY)
            assert due is not None
            waits.append((due - clock.now) / timedelta(hours=1))
        assert waits == [12, 24, 48, 48]  # doubling, capped at retry_max_hours

        clock.at(200)
        index.record_attempt(KEY, URL, Outcome.NOT_ARCHIVED, "not archived", archive="ia")
        history = index.attempts(KEY)
        assert next_try(history, POLICY) is None  # a definitive answer ends the backoff
        assert [a.transient for a in history] == [True] * 5 + [False]


def test_a_live_link_is_dead_after_three_dead_answers_a_day_apart(tmp_path: Path) -> None:
    clock = Clock()
    with Index(tmp_path / "index.sqlite3", clock=clock) as index:

        def answer(hours: float, what: str, reason: str = "HTTP 404") -> None:
            clock.at(hours)
            index.record_live(KEY, URL, what, reason)

        answer(0, DEAD)
        standing = live_standing(index.attempts(KEY, LIVE), POLICY)
        assert (standing.dead_answers, standing.declared_dead, standing.suspect) == (1, False, True)
        assert standing.next_check == START + timedelta(hours=24)
        assert not standing.is_due(START + timedelta(hours=23))
        assert standing.describe() == "dead 1 of 3 times (next check after 2026-12-02 02:00 UTC)"

        answer(5, DEAD)  # five hours later: does not count, the page may be back tomorrow
        assert live_standing(index.attempts(KEY, LIVE), POLICY).dead_answers == 1
        answer(24, DEAD)
        assert live_standing(index.attempts(KEY, LIVE), POLICY).dead_answers == 2
        answer(30, UNKNOWN, "HTTP 503, not counted as dead")  # neither counts nor resets
        standing = live_standing(index.attempts(KEY, LIVE), POLICY)
        assert standing.dead_answers == 2
        assert standing.next_check == START + timedelta(hours=48)  # 24 + 24 > 30 + 6
        answer(48, DEAD)
        standing = live_standing(index.attempts(KEY, LIVE), POLICY)
        assert standing.declared_dead and standing.next_check is None
        assert standing.describe() == "dead 3 of 3 times: declared dead"


def test_an_alive_answer_starts_the_count_again(tmp_path: Path) -> None:
    clock = Clock()
    with Index(tmp_path / "index.sqlite3", clock=clock) as index:
        for hours, what in ((0, DEAD), (24, DEAD), (48, ALIVE), (72, DEAD)):
            clock.at(hours)
            index.record_live(KEY, URL, what, "HTTP 404" if what == DEAD else "live (HTTP 200)")
        standing = live_standing(index.attempts(KEY, LIVE), POLICY)
        assert standing.dead_answers == 1
        assert standing.next_check == START + timedelta(hours=96)


def test_unknown_live_answers_back_off_and_fetches_do_not_count_as_live(tmp_path: Path) -> None:
    clock = Clock()
    with Index(tmp_path / "index.sqlite3", clock=clock) as index:
        index.record_attempt(KEY, URL, Outcome.FAILED, "HTTP 503", archive="ia")  # a fetch
        index.record_live(KEY, URL, UNKNOWN, "timed out, not counted as dead")
        clock.at(6)
        index.record_live(KEY, URL, UNKNOWN, "timed out, not counted as dead")
        live = index.attempts(KEY, LIVE)
        assert len(live) == 2 and len(index.attempts(KEY)) == 3
        standing = live_standing(live, POLICY)
        assert standing.dead_answers == 0 and not standing.suspect
        assert standing.next_check == START + timedelta(hours=6 + 12)


def test_one_dead_answer_is_enough_when_the_policy_says_so(tmp_path: Path) -> None:
    with Index(tmp_path / "index.sqlite3", clock=Clock()) as index:
        index.record_live(KEY, URL, DEAD, "host does not resolve")
        standing = live_standing(index.attempts(KEY, LIVE), HistoryPolicy(dead_after_failures=1))
        assert standing.declared_dead


def test_checks_kept_before_the_history_move_into_attempts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A store from before the migration: check's kept answers become attempts, reused as before."""
    path = tmp_path / "index.sqlite3"
    moving = next(n for n, m in enumerate(MIGRATIONS) if "DROP TABLE checks" in m)
    with monkeypatch.context() as patched:
        patched.setattr(linkrescue.archive.state.database, "MIGRATIONS", MIGRATIONS[:moving])
        with Index(path) as old:
            assert old.schema_version == moving
    raw = sqlite3.connect(path)
    raw.execute(
        "INSERT INTO checks VALUES (?, 'live', 'dead', 'dead-link', 'HTTP 404', ?)",
        (KEY, "2026-12-01T02:00:00Z"),
    )
    raw.execute(
        "INSERT INTO checks VALUES ('alive.example/x', 'live', 'fine', '', '', ?)",
        ("2026-12-01T03:00:00Z",),
    )
    raw.commit()
    raw.close()
    with Index(path, clock=Clock()) as index:
        assert index.schema_version == len(MIGRATIONS)
        [gone] = index.attempts(KEY, LIVE)
        assert (gone.answer, gone.finding, gone.at) == (DEAD, "dead-link", START)
        assert index.attempts("alive.example/x", LIVE)[0].answer == ALIVE
        kept = index.recent_checks([KEY, "alive.example/x"], LIVE, START - timedelta(hours=1))
        assert {k: (a.verdict, a.kind) for k, a in kept.items()} == {
            KEY: ("dead", "dead-link"),
            "alive.example/x": ("fine", ""),
        }
