"""Nightly runs (issue 12): one run per store, budgets that stop cleanly, signals, the
runs table, and what cron sees (the summary line, ``--quiet``, the log file).

Every run here is the real ``linkrescue`` process against a real pywb serving 24 Stand
News-shaped articles (tests/support/messy_corpus.py), as cron would start it. The
yardstick is one uninterrupted run: whatever stopped the runs before it (a budget,
SIGTERM, a second Ctrl-C, SIGKILL), the last run ends in the same documents, the same
store files and the same index rows.
"""

from __future__ import annotations

import json
import math
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import linkrescue, write_config
from tests.support.files import store_files
from tests.support.messy_corpus import GOV, Corpus, standnews_corpus
from tests.support.pywb_server import Pywb, start_pywb

pytestmark = [
    pytest.mark.pywb,
    pytest.mark.skipif(sys.platform == "win32", reason="needs flock and POSIX signals"),
]

ARTICLES = 24
RESCUE = ("rescue", "content", "--concurrency", "2")
#: Slow enough that a run is still fetching when the test acts on it (about 10 s).
SLOW = {"playback_per_second": 8.0, "cdx_per_second": 8.0}
SUMMARY = re.compile(
    r"^linkrescue rescue: [\d,]+ documents?, [\d,]+ resources?: [\d,]+ rescued, "
    r"[\d,]+ not archived, [\d,]+ blocked, [\d,]+ failed; [\d,]+ documents? rewritten; "
    r"[\d,]+ requests? in [\dhms.]+; (complete|budget reached: [\d,]+ resources? left for "
    r"the next run|interrupted \(SIG[A-Z]+\): [\d,]+ resources? left for the next run)$"
)
TIMESTAMPED = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} [A-Z]+ ")


@dataclass
class Full:
    """One uninterrupted run: what the articles, the store and its index end as."""

    pristine: dict[str, bytes]
    rescued: dict[str, bytes]
    store: dict[str, str]
    rows: dict[str, list[tuple[Any, ...]]]
    requests: int
    report: dict[str, Any]


@dataclass
class Setup:
    pywb: Pywb
    corpus: Corpus
    full: Full


def fresh(root: Path, setup: Setup | Pywb, corpus: Corpus, **archive: float) -> Path:
    pywb = setup.pywb if isinstance(setup, Setup) else setup
    root.mkdir(parents=True)
    corpus.write(root / "content")
    write_config(root, pywb.url, archive=dict(archive) or None)
    return root


def documents(run: Path) -> dict[str, bytes]:
    content = run / "content"
    return {
        p.relative_to(content).as_posix(): p.read_bytes()
        for p in sorted(content.rglob("*"))
        if p.is_file()
    }


def index_rows(run: Path) -> dict[str, list[tuple[Any, ...]]]:
    """The index rows that say what was rescued and rewritten (no times, no ids; no
    reason either: a "not archived" is worded after how it was found, a complete CDX
    listing or a playback 404, and a run left fewer resources plans fewer listings)."""
    db = sqlite3.connect(run / "rescued" / "index.sqlite3")
    try:
        return {
            "resources": db.execute(
                "SELECT key, url, outcome, path, timestamp, mimetype, size, sha256"
                " FROM resources ORDER BY key"
            ).fetchall(),
            "files": db.execute(
                "SELECT path, key, sha256, size FROM files ORDER BY path"
            ).fetchall(),
            "refs": db.execute(
                "SELECT key, document, line, col, original, replacement FROM refs"
                " ORDER BY document, line, col, original"
            ).fetchall(),
        }
    finally:
        db.close()


def runs_table(run: Path) -> list[dict[str, Any]]:
    db = sqlite3.connect(run / "rescued" / "index.sqlite3")
    db.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in db.execute("SELECT * FROM runs ORDER BY id")]
    finally:
        db.close()


def failed_attempts(run: Path) -> list[tuple[str, str]]:
    db = sqlite3.connect(run / "rescued" / "index.sqlite3")
    try:
        return db.execute("SELECT url, reason FROM attempts WHERE outcome = 'failed'").fetchall()
    finally:
        db.close()


def listed_again(run: Path) -> list[tuple[str, int]]:
    """The CDX prefix listings a store's runs made more than once (prefix, windowed)."""
    db = sqlite3.connect(run / "rescued" / "index.sqlite3")
    try:
        return db.execute(
            "SELECT prefix, windowed FROM listings GROUP BY prefix, windowed HAVING count(*) > 1"
        ).fetchall()
    finally:
        db.close()


def kept_listings(run: Path) -> list[str]:
    """The prefixes of the CDX listings a store keeps for the next run."""
    db = sqlite3.connect(run / "rescued" / "index.sqlite3")
    try:
        return [prefix for (prefix,) in db.execute("SELECT prefix FROM listings")]
    finally:
        db.close()


def requests_of(report: dict[str, Any]) -> int:
    return sum(report["requests"].values())


def rescue(run: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    proc = linkrescue(*RESCUE, "--report", "report.json", *args, cwd=run)
    report = json.loads((run / "report.json").read_text(encoding="utf-8"))
    return proc, report


def start(run: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "linkrescue", *RESCUE, *args],
        cwd=run,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
        start_new_session=True,
    )


def wait_for(condition: Any, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def stored_count(run: Path) -> int:
    return len(store_files(run / "rescued")) if (run / "rescued").is_dir() else 0


def assert_whole(run: Path, full: Full) -> None:
    """Every article is its original or its fully rescued self, never half-rewritten."""
    for rel, data in documents(run).items():
        assert data in (full.pristine[rel], full.rescued[rel]), f"{rel} is half-rewritten"


def assert_same_as_full(run: Path, full: Full) -> None:
    assert documents(run) == full.rescued
    assert store_files(run / "rescued") == full.store
    rows = index_rows(run)
    for table, expected in full.rows.items():
        assert set(rows[table]) ^ set(expected) == set(), table
        assert rows[table] == expected, table


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    corpus = standnews_corpus(ARTICLES)
    pywb = start_pywb(
        tmp_path_factory.mktemp("pywb-nightly"),
        captures=corpus.captures,
        probe_url=GOV.removeprefix("https://"),
    )
    try:
        run = fresh(tmp_path_factory.mktemp("full") / "run", pywb, corpus)
        pristine = documents(run)
        proc, report = rescue(run)
        assert proc.returncode == 0, proc.stderr
        assert report["left"] == 0 and report["stopped"] is None
        full = Full(
            pristine,
            documents(run),
            store_files(run / "rescued"),
            index_rows(run),
            requests_of(report),
            report,
        )
        assert all(full.rescued[rel] != pristine[rel] for rel in pristine)
        assert len(full.store) > 2 * ARTICLES
        yield Setup(pywb, corpus, full)
    finally:
        pywb.stop()


def test_a_full_run_is_recorded_in_the_runs_table_and_ends_with_one_summary_line(
    setup: Setup, tmp_path: Path
) -> None:
    run = fresh(tmp_path / "run", setup, setup.corpus)
    proc, report = rescue(run)
    assert proc.returncode == 0, proc.stderr
    last = proc.stderr.splitlines()[-1]
    assert SUMMARY.match(last), last
    assert last.startswith(
        f"linkrescue rescue: {ARTICLES} documents, {report['resources']} resources: "
        f"{report['rescued']} rescued, {report['not_archived']} not archived, "
        f"{report['blocked']} blocked, {report['failed']} failed; "
        f"{report['rewritten']} documents rewritten; {requests_of(report)} requests in "
    )
    assert last.endswith("; complete")
    [row] = runs_table(run)
    assert row["command"] == "rescue" and row["outcome"] == "complete"
    assert row["finished_at"] is not None
    # the run's duration is the whole run's, its reading included (the index keeps seconds)
    took = datetime.fromisoformat(row["finished_at"]) - datetime.fromisoformat(row["started_at"])
    assert took.total_seconds() >= math.floor(report["seconds"]) - 1, (row, report["seconds"])
    assert row["cdx_requests"] == report["requests"]["cdx"]
    assert row["playback_requests"] == report["requests"]["playback"]
    assert row["resources_left"] == 0
    totals = json.loads(row["totals"])
    for name in ("documents", "references", "resources", "rescued", "not_archived"):
        assert totals[name] == report[name], name
    for name in ("blocked", "failed", "skipped", "rewritten", "bytes"):
        assert totals[name] == report[name], name
    assert not (run / "rescued" / ".lock").exists()  # the lock goes with the run
    again, _ = rescue(run, "-q")
    assert again.returncode == 0
    # -q: one line, the summary; a second run over an unchanged corpus asks nothing
    assert again.stdout == ""
    [line] = again.stderr.splitlines()
    assert SUMMARY.match(line) and "; 0 requests in " in line and line.endswith("; complete")
    assert [r["outcome"] for r in runs_table(run)] == ["complete", "complete"]


def test_a_second_run_during_the_first_exits_3_at_once_and_a_killed_run_leaves_no_lock(
    setup: Setup, tmp_path: Path
) -> None:
    run = fresh(tmp_path / "run", setup, setup.corpus, **SLOW)
    store = run / "rescued"
    first = start(run)
    try:
        wait_for(lambda: stored_count(run) >= 3)
        started = datetime.fromtimestamp(os.stat(store / ".lock").st_mtime).astimezone()
        began = time.monotonic()
        second = linkrescue(*RESCUE, cwd=run)
        assert time.monotonic() - began < 10  # at once: no scan, no waiting
        assert second.returncode == 3
        assert second.stderr == (
            f"linkrescue: another run (pid {first.pid}, started {started:%H:%M}) "
            f"holds {store.resolve()}; exit 3\n"
        )
        assert second.stdout == ""
        checked = linkrescue("check", "content", cwd=run)  # online: it would write the index
        assert checked.returncode == 3 and checked.stderr.endswith("; exit 3\n")
        # read-only commands do not need the lock
        assert linkrescue("check", "content", "--offline", cwd=run).returncode in (0, 1)
        assert linkrescue("scan", "content", "--format", "json", cwd=run).returncode == 0
        assert first.poll() is None  # the first run was still running all along
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.communicate(timeout=30)
    assert runs_table(run)[-1]["outcome"] == "running"  # a killed run says so
    # no stale lock: the kernel dropped it with the process
    proc, report = rescue(run)
    assert proc.returncode == 0, proc.stderr
    assert report["left"] == 0
    assert_same_as_full(run, setup.full)
    assert not (store / ".lock").exists()


def test_three_runs_with_a_third_of_the_budget_end_as_one_full_run(
    setup: Setup, tmp_path: Path
) -> None:
    full = setup.full
    budget = math.ceil(full.requests / 3)
    run = fresh(tmp_path / "run", setup, setup.corpus)
    spent = 0
    lefts = []
    spents = []
    for night in range(3):
        proc, report = rescue(run, "--max-requests", str(budget))
        assert proc.returncode == 0, proc.stderr
        spent += requests_of(report)
        spents.append(report["requests"])
        lefts.append(report["left"])
        last = proc.stderr.splitlines()[-1]
        assert SUMMARY.match(last), last
        row = runs_table(run)[-1]
        assert row["resources_left"] == report["left"]
        if report["left"]:
            assert report["stopped"] == "budget" and row["outcome"] == "budget"
            assert last.endswith(
                f"; budget reached: {report['left']} resources left for the next run"
            )
        else:
            assert report["stopped"] is None and row["outcome"] == "complete"
        assert_whole(run, full)
        if night < 2:
            assert report["left"] > 0, "a third of the budget cannot finish the corpus"
    assert lefts[0] > lefts[1] > lefts[2] == 0, (
        lefts,
        spents,
        full.requests,
        full.report["requests"],
    )
    # the listings a night made answer the later nights (none is made again), so the
    # three spend no more than one full run
    assert spent <= full.requests, (spent, spents, full.requests)
    assert listed_again(run) == [], spents
    assert_same_as_full(run, full)


def test_recheck_trusts_no_listing_an_earlier_night_kept(setup: Setup, tmp_path: Path) -> None:
    budget = math.ceil(setup.full.requests / 3)
    run = fresh(tmp_path / "run", setup, setup.corpus)
    proc, first = rescue(run, "--max-requests", str(budget))
    assert proc.returncode == 0 and first["stopped"] == "budget", proc.stderr
    # without --recheck the next night would list none of these prefixes again (the
    # three-night test); --recheck asks the archive's index afresh
    before = set(kept_listings(run))
    assert "thestandnews.com/" in before, before
    proc, again = rescue(run, "--recheck", "--max-requests", str(budget))
    assert proc.returncode == 0, proc.stderr
    # the first night's listings are dropped, and what it had listed is listed again
    after = kept_listings(run)
    assert before & set(after), (before, after)
    assert again["requests"]["cdx"] > 1, again["requests"]  # not only the probe


def test_a_time_budget_stops_starting_resources(setup: Setup, tmp_path: Path) -> None:
    run = fresh(tmp_path / "run", setup, setup.corpus, **SLOW)
    proc, report = rescue(run, "--time-budget", "2s")
    assert proc.returncode == 0, proc.stderr
    assert report["stopped"] == "budget" and report["left"] > 0
    assert runs_table(run)[-1]["outcome"] == "budget"
    assert_whole(run, setup.full)
    proc, report = rescue(run)
    assert proc.returncode == 0 and report["left"] == 0
    assert_same_as_full(run, setup.full)


def test_a_bad_budget_is_a_usage_error(setup: Setup, tmp_path: Path) -> None:
    run = fresh(tmp_path / "run", setup, setup.corpus)
    proc = linkrescue(*RESCUE, "--time-budget", "two hours", cwd=run)
    assert proc.returncode == 2
    assert proc.stderr.startswith("linkrescue: --time-budget") and "duration" in proc.stderr
    proc = linkrescue(*RESCUE, "--max-requests", "-1", cwd=run)
    assert proc.returncode == 2 and "--max-requests" in proc.stderr
    assert not (run / "rescued").exists()


def test_sigterm_stops_cleanly_and_the_next_run_finishes(setup: Setup, tmp_path: Path) -> None:
    run = fresh(tmp_path / "run", setup, setup.corpus, **SLOW)
    first = start(run, "--report", "report.json")
    wait_for(lambda: stored_count(run) >= 3)
    first.send_signal(signal.SIGTERM)
    sent = time.monotonic()
    assert first.stderr is not None
    said = ""
    while "stopping (SIGTERM)" not in said:
        line = first.stderr.readline()
        assert line, "the run ended without saying it was stopping"
        said += line
    assert time.monotonic() - sent < 2  # at once
    assert re.search(r"linkrescue: stopping \(SIGTERM\): finishing \d+ resources in flight", said)
    _out, err = first.communicate(timeout=60)
    assert first.returncode == 0, err
    report = json.loads((run / "report.json").read_text(encoding="utf-8"))
    assert report["stopped"] == "interrupted" and report["left"] > 0
    assert err.splitlines()[-1].endswith(
        f"; interrupted (SIGTERM): {report['left']} resources left for the next run"
    )
    assert "Cannot send a request" not in err and "Traceback" not in err
    row = runs_table(run)[-1]
    assert row["outcome"] == "interrupted" and row["resources_left"] == report["left"]
    assert report["failed"] == setup.full.report["failed"]  # the stop failed nothing
    assert_whole(run, setup.full)
    proc, again = rescue(run)
    assert proc.returncode == 0, proc.stderr
    assert again["left"] == 0
    assert_same_as_full(run, setup.full)


def test_a_second_sigint_stops_at_once_with_nothing_half_written(
    setup: Setup, tmp_path: Path
) -> None:
    run = fresh(tmp_path / "run", setup, setup.corpus, playback_per_second=3.0)
    first = start(run, "--report", "report.json")
    wait_for(lambda: stored_count(run) >= 2)
    first.send_signal(signal.SIGINT)
    time.sleep(0.2)
    first.send_signal(signal.SIGINT)
    sent = time.monotonic()
    _out, err = first.communicate(timeout=60)
    assert time.monotonic() - sent < 3, err  # at once, not after the resources in flight
    assert first.returncode == 0, err
    assert "stopping (SIGINT)" in err and "stopping now (SIGINT)" in err
    assert "Traceback" not in err
    report = json.loads((run / "report.json").read_text(encoding="utf-8"))
    assert report["stopped"] == "interrupted" and report["left"] > 0
    assert runs_table(run)[-1]["outcome"] == "interrupted"
    # what was abandoned is not a failure: nothing failed that a full run does not fail
    assert report["failed"] == setup.full.report["failed"]
    assert failed_attempts(run) == []
    assert_whole(run, setup.full)
    proc, again = rescue(run)
    assert proc.returncode == 0, proc.stderr
    assert again["left"] == 0
    assert_same_as_full(run, setup.full)
    assert linkrescue("verify", cwd=run).returncode == 0


def test_the_log_file_holds_timestamped_lines_and_rotates(setup: Setup, tmp_path: Path) -> None:
    run = fresh(tmp_path / "run", setup, setup.corpus)
    with (run / "config.toml").open("a", encoding="utf-8") as config:
        config.write('[log]\nfile = "logs/rescue.log"\nmax_bytes = 4000\nbackups = 2\n')
    proc, _report = rescue(run, "-q")
    assert proc.returncode == 0, proc.stderr
    [summary] = proc.stderr.splitlines()  # -q: the summary line only
    logs = run / "logs"
    assert sorted(p.name for p in logs.iterdir()) == ["rescue.log", "rescue.log.1", "rescue.log.2"]
    lines = [
        line
        for name in ("rescue.log.2", "rescue.log.1", "rescue.log")
        for line in (logs / name).read_text(encoding="utf-8").splitlines()
    ]
    assert all(TIMESTAMPED.match(line) for line in lines), lines
    assert all(len((logs / name).read_bytes()) <= 4000 for name in ("rescue.log.1",))
    # the run's last lines: every finished resource, then the summary
    assert lines[-1].endswith(" INFO " + summary)
    assert sum(" rescued " in line for line in lines) >= 10
    # --log-file wins over [log] file; the start line names the run
    proc = linkrescue(*RESCUE, "-q", "--log-file", "other.log", cwd=run)
    assert proc.returncode == 0
    text = (run / "other.log").read_text(encoding="utf-8").splitlines()
    assert re.search(r" INFO linkrescue rescue started \(pid \d+\): content into ", text[0])
    assert text[-1].endswith("; complete") and TIMESTAMPED.match(text[-1])


def test_sigint_stops_the_cdx_listings_too(setup: Setup, tmp_path: Path) -> None:
    """Ctrl-C used to go on listing prefixes for 17-40 s at the CDX pool's rate (then log
    "Cannot send a request, as the client has been closed" and trip the breaker): now
    no listing starts after it, and the run ends within the one in flight."""
    run = fresh(tmp_path / "run", setup, setup.corpus, cdx_per_second=0.5)
    first = start(run, "--report", "report.json")
    wait_for(lambda: (run / "rescued" / "index.sqlite3").exists())
    time.sleep(0.5)
    first.send_signal(signal.SIGINT)
    sent = time.monotonic()
    _out, err = first.communicate(timeout=60)
    assert time.monotonic() - sent < 6, err
    assert first.returncode == 0, err
    report = json.loads((run / "report.json").read_text(encoding="utf-8"))
    full = setup.full.report["requests"]["cdx"]
    assert report["requests"]["cdx"] < full, (report["requests"], full)
    assert report["stopped"] == "interrupted" and report["left"] > 0
    assert "Cannot send a request" not in err and "Traceback" not in err
    assert failed_attempts(run) == []
    proc, again = rescue(run)
    assert proc.returncode == 0 and again["left"] == 0
    assert_same_as_full(run, setup.full)
