"""A seeded storm of faults in front of a real pywb, and the archive gone for a minute
(issue 14, item 2): runs of ``linkrescue rescue`` end, given enough of them, in the
same documents and the same store, byte for byte, as one clean run.

The faults (tests/support/fault_proxy.py, ``STORM``), drawn for a third of all
playback answers, retries included, from a seeded generator: 429 with and without
``Retry-After``, 500/502/503/504, a reset mid-body, a body shorter than its
``Content-Length``, a body cut together with its ``Content-Length`` (caught by the
index digest where a listing gave one, else only by the archive's
``X-Archive-Orig-Content-Length``: the second test), a stall past the read timeout, a trickle
under it that outlasts the body deadline, a capture served with the wrong media type. Part-way through the first run the archive goes away for 60 s
(connection refused) and comes back. Failures are asked again by the next run at once
(``retry_after_hours = 0``), as a nightly run does after its backoff.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cli import linkrescue, write_config
from tests.support.fault_proxy import STORM, FaultProxy, fault_proxy
from tests.support.files import store_files
from tests.support.messy_corpus import GOV, Corpus, standnews_corpus
from tests.support.pywb_server import Pywb, start_pywb

SEED = 20211229
RATE = 0.33
ARTICLES = 120
OUTAGE_SECONDS = 60.0
MAX_RUNS = 40

pytestmark = [pytest.mark.pywb, pytest.mark.long]


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Pywb, Corpus]]:
    corpus = standnews_corpus(ARTICLES)
    server = start_pywb(
        tmp_path_factory.mktemp("pywb-storm"),
        captures=corpus.captures,
        probe_url=GOV.removeprefix("https://"),
    )
    yield server, corpus
    server.stop()


def _prepare(run: Path, corpus: Corpus, url: str) -> None:
    run.mkdir(parents=True)
    corpus.write(run / "content")
    config = write_config(
        run,
        url,
        archive={"read_timeout": 0.6, "body_timeout": 2.0, "retries": 3, "pause_seconds": 0.3},
        rescue={"concurrency": 4},
    )
    config.write_text(
        config.read_text(encoding="utf-8") + "[nightly]\nretry_after_hours = 0\n",
        encoding="utf-8",
    )


def _state(
    run: Path, proxy: str = "", archive: str = ""
) -> tuple[dict[str, bytes], dict[str, str]]:
    documents = {
        p.relative_to(run).as_posix(): p.read_bytes()
        for p in sorted((run / "content").rglob("*.md"))
    }
    return documents, store_files(run / "rescued", (proxy, archive) if proxy else None)


def _outage_when(proxy: FaultProxy, answered: int) -> threading.Thread:
    """The archive goes away for a minute once it has answered ``answered`` playbacks."""

    def wait_then_go() -> None:
        while proxy.answered < answered:
            time.sleep(0.05)
        proxy.outage(OUTAGE_SECONDS).join()

    thread = threading.Thread(target=wait_then_go, daemon=True)
    thread.start()
    return thread


def test_a_storm_of_faults_and_a_minute_away_end_in_the_store_of_a_clean_run(
    archive: tuple[Pywb, Corpus], tmp_path: Path
) -> None:
    pywb, corpus = archive
    plain = tmp_path / "plain"
    _prepare(plain, corpus, pywb.url)
    clean = linkrescue("rescue", "content", "--report", "clean.json", cwd=plain)
    assert clean.returncode == 0, clean.stderr
    expected = _state(plain)
    needed = json.loads((plain / "clean.json").read_text())["requests"]["playback"]

    run = tmp_path / "storm"
    with fault_proxy(pywb.url, storm=(SEED, RATE), stall_seconds=1.0) as proxy:
        _prepare(run, corpus, proxy.url)
        outage = _outage_when(proxy, answered=150)
        runs: list[tuple[int, dict[str, object] | None]] = []
        began = time.monotonic()
        for n in range(MAX_RUNS):
            done = linkrescue("rescue", "content", "--report", f"r{n}.json", cwd=run)
            assert done.returncode in (0, 1), done.stderr
            assert "Traceback" not in done.stderr
            report_file = run / f"r{n}.json"
            report = json.loads(report_file.read_text()) if report_file.exists() else None
            runs.append((done.returncode, report))
            if done.returncode == 0 and report is not None and report["failed"] == 0:
                break
            if "cannot reach the archive" in done.stderr:
                time.sleep(2)  # the archive is away: cron would run again later
        outage.join(timeout=OUTAGE_SECONDS * 2)
        seconds = time.monotonic() - began
        injected = {fault: proxy.injected[fault] for fault in STORM}
        answered, outages, reached = proxy.answered, proxy.outages, proxy.playbacks
        got = _state(run, proxy.url, pywb.url)

    # every kind of fault was met, and the archive did go away once
    assert all(count > 0 for count in injected.values()), injected
    assert outages == 1
    away = sum(1 for code, report in runs if code == 1 and report is None)
    assert away >= 1  # runs met the archive gone: nothing recorded, they asked again
    # ... and the runs that followed ended in the clean run's documents and store
    assert runs[-1][0] == 0, runs[-1]
    assert got == expected
    again = linkrescue("rescue", "content", "--report", "final.json", cwd=run)
    final = json.loads((run / "final.json").read_text())
    assert final["requests"] == {"cdx": 0, "playback": 0, "live": 0}
    # the playback requests beyond the clean run's were retries, in a run or the next
    # (attempts refused during the outage never reached the archive: not counted)
    assert reached > needed
    print(
        f"\nfault storm (seed {SEED}, rate {RATE}): {sum(injected.values())} faults "
        f"injected in {answered} playback answers {injected}, 1 outage of "
        f"{OUTAGE_SECONDS:g} s; {reached} playback requests reached the archive against "
        f"{needed} in a clean run: {reached - needed} spent on faults; {len(runs)} runs ({away} met the archive "
        f"away) in {seconds:.0f} s; differences from the clean run: 0"
    )
    assert again.returncode == 0


def test_bodies_cut_with_a_dishonest_length_are_never_stored(
    archive: tuple[Pywb, Corpus], tmp_path: Path
) -> None:
    """Half of all playback answers cut, their ``Content-Length`` cut to match: without
    the check of the archive's own stated length, the halves of captures no listing gave
    a digest for were stored as the captures (6 files differed, measured before the
    check existed); with it, the runs end in the clean run's store."""
    pywb, corpus = archive
    plain = tmp_path / "plain"
    _prepare(plain, corpus, pywb.url)
    assert linkrescue("rescue", "content", cwd=plain).returncode == 0
    expected = _state(plain)
    run = tmp_path / "quiet"
    with fault_proxy(pywb.url, storm=(SEED, 0.5), storm_faults=("truncate-quiet",)) as proxy:
        _prepare(run, corpus, proxy.url)
        reasons = ""
        began = time.monotonic()
        for n in range(MAX_RUNS):
            done = linkrescue("rescue", "content", "--report", f"q{n}.json", cwd=run)
            report = (run / f"q{n}.json").read_text()
            reasons += report
            if done.returncode == 0 and json.loads(report)["failed"] == 0:
                break
        got = _state(run, proxy.url, pywb.url)
        cut = proxy.injected["truncate-quiet"]
    assert cut >= 20
    assert got == expected
    assert "X-Archive-Orig-Content-Length" in reasons  # caught by the stated length
    print(
        f"\ndishonest lengths: {cut} bodies cut in {n + 1} runs, "
        f"{time.monotonic() - began:.0f} s; differences: 0"
    )
