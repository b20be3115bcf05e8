"""No file descriptor or thread outlives the work it was opened for (issue 14, item 5).

A nightly run over 50,000 articles lives for hours, and a leak of one socket per
failed fetch ends it with "Too many open files" part-way through the night, or a
thread per stalled body leaves it unable to stop. The leaks worth fearing hide on the
error paths, so the runs here go through a seeded storm of faults (429s, 5xx, resets,
truncations, stalls, trickles) in front of a real pywb, until the rescue is complete.

Each run is the real CLI in its own process, wrapped so that it reports the fds and
threads it holds before the command starts and after the command returns; the test
samples ``/proc/<pid>/fd`` and ``/proc/<pid>/task`` all along. What a user would
check: every run ends holding exactly what it held before it started, and at no
moment does it hold more than its workers can explain.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cli import write_config
from tests.support.fault_proxy import STORM, fault_proxy
from tests.support.messy_corpus import GOV, Corpus, standnews_corpus
from tests.support.pywb_server import Pywb, start_pywb

pytestmark = [
    pytest.mark.pywb,
    pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts through /proc"),
]

ARTICLES = 40
CONCURRENCY = 4
SEED = 20220624
MAX_RUNS = 15

# Runs the CLI in-process and writes what the process held before and after the
# command: open fds (with what each points to) and live threads.
HELD = textwrap.dedent(
    """
    import json, os, sys, threading

    def held():
        fds = {}
        for fd in os.listdir("/proc/self/fd"):
            try:
                fds[fd] = os.readlink(f"/proc/self/fd/{fd}")
            except OSError:
                pass  # the listing's own fd, closed already
        return {"fds": fds, "threads": sorted(t.name for t in threading.enumerate())}

    out = sys.argv[1]
    from linkrescue.crawler.cli import app
    before = held()
    code = 0
    try:
        app(sys.argv[2:], prog_name="linkrescue")
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    after = held()
    with open(out, "w") as f:
        json.dump({"before": before, "after": after, "code": code}, f)
    """
)


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Pywb, Corpus]]:
    corpus = standnews_corpus(ARTICLES)
    server = start_pywb(
        tmp_path_factory.mktemp("pywb-leaks"),
        captures=corpus.captures,
        probe_url=GOV.removeprefix("https://"),
    )
    yield server, corpus
    server.stop()


class Sampler:
    """The most fds and threads ``pid`` held at any 10 ms sample."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.fds = self.threads = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.fds = max(self.fds, len(os.listdir(f"/proc/{self.pid}/fd")))
                self.threads = max(self.threads, len(os.listdir(f"/proc/{self.pid}/task")))
            except OSError:
                pass  # between samples the process ended
            time.sleep(0.01)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def test_runs_through_a_storm_of_faults_end_holding_what_they_held_at_the_start(
    archive: tuple[Pywb, Corpus], tmp_path: Path
) -> None:
    pywb, corpus = archive
    with fault_proxy(pywb.url, storm=(SEED, 0.35), stall_seconds=1.0) as proxy:
        corpus.write(tmp_path / "content")
        write_config(
            tmp_path,
            proxy.url,
            archive={"read_timeout": 0.6, "body_timeout": 2.0, "retries": 3, "pause_seconds": 0.3},
            rescue={"concurrency": CONCURRENCY},
        )
        with (tmp_path / "config.toml").open("a", encoding="utf-8") as config:
            config.write("[nightly]\nretry_after_hours = 0\n")
        runs = []
        for n in range(MAX_RUNS):
            held = tmp_path / f"held-{n}.json"
            report = tmp_path / f"r{n}.json"
            process = subprocess.Popen(
                [sys.executable, "-c", HELD, str(held), "rescue", "content", "--report", report],
                cwd=tmp_path,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            sampler = Sampler(process.pid)
            _, stderr = process.communicate(timeout=300)
            sampler.stop()
            assert b"Traceback" not in stderr, stderr.decode()
            record = json.loads(held.read_text())
            runs.append((record, sampler.fds, sampler.threads))
            done = json.loads(report.read_text())
            if record["code"] == 0 and done["failed"] == 0:
                break
        injected = {fault: proxy.injected[fault] for fault in STORM}

    assert runs[-1][0]["code"] == 0 and len(runs) > 1  # the storm cost runs, and ended
    assert sum(injected.values()) >= 20, injected
    for n, (record, fds, threads) in enumerate(runs):
        before, after = record["before"], record["after"]
        # every socket, staging file, index and lock the command opened, it closed
        assert after["fds"] == before["fds"], f"run {n} leaked fds"
        assert after["threads"] == before["threads"], f"run {n} leaked threads"
        # and at no moment more than its workers explain: one connection and one
        # staging file each, plus the index (database, WAL, shared memory), the locks
        # and the report
        assert fds <= len(before["fds"]) + 2 * CONCURRENCY + 12, f"run {n}: {fds} fds"
        assert threads <= len(before["threads"]) + CONCURRENCY + 4, f"run {n}: {threads}"
    peak_fds = max(fds for _, fds, _ in runs)
    peak_threads = max(threads for _, _, threads in runs)
    print(
        f"\nresource leaks: {len(runs)} runs through {sum(injected.values())} faults; "
        f"fds before/after each run {len(runs[0][0]['before']['fds'])}/"
        f"{len(runs[-1][0]['after']['fds'])}, peak {peak_fds}; threads peak {peak_threads}"
    )
