"""One rescue of 200 articles SIGKILLed at 30 seeded moments spread over its whole work, then
run to the end, ends as the same rescue never killed (issue 14, item 3).

Why: the rescue rewrites people's only copy of their articles, mostly from a cron job, and
machines get rebooted, OOM-killed or unplugged in the middle of it. All 30 kills fall on
the same folder, each run picking up what the killed one left, as the next night's run
does.

What is killed where. The articles are tests/support/messy_corpus.py's Stand News ones,
a real pywb serves most of their references, limits are off (loopback). Each run is
``python -m linkrescue rescue content``, SIGKILLed (its whole process group) at a moment
drawn from a seeded generator for one phase of the work, the phases in the order the
work meets them, the start-up kills at seeded places between the others:

* ``startup`` (6): a delay shorter than the uninterrupted run's time to open its store
  (reading the corpus, settling what the index knows);
* ``fetching`` (12): once the run has logged a seeded share of the resources left (so the
  kills walk through the whole fetching), and up to 30 ms more;
* ``views`` (4): a delay after the fetching, within the time the uninterrupted run took to
  make its page views and look up their requisites (shrunk to the views left);
* ``rewrite`` (7): once a seeded share of the articles left has been replaced, and up to
  4 ms more (an article takes about 2), inside the write, fsync and rename of the next;
* ``closing`` (1, the last): just after the last article was replaced, while the run
  closes its record and prints its summary.

The moments follow the run's own progress (its log lines, the articles on disk) rather
than a clock, so a slower machine moves them, not the phase they fall in; a run that gets
past the phase aimed at is killed at once, so no run finishes before the last kill. The
phase a kill landed in is read from what the killed run left (its staging folder, the
index, the articles), and every phase must have had kills.

What is checked after every kill: each article is its original bytes or its complete
rescued bytes (never empty, truncated, half-rewritten or cut inside a UTF-8 character);
nothing else is in ``content/`` but a killed run's hidden temporary file
(``.<name>.<pid>.<random>.linkrescue-tmp``) beside an article still in its original
bytes: a kill between the temporary's creation and the rename leaves one, and the next
run to reach its rewrite sweeps it (rewriters/files.py, ``sweep_folder``); the store's browsable files are files the
uninterrupted run's store holds too; every fifth kill, ``linkrescue verify`` finds the
store intact. Then one run to the end: the articles and the store's files are those of
the uninterrupted run byte for byte, ``verify`` is clean, no file is left in the store's
staging area nor in ``content/`` beside the articles, a further run asks the archive
nothing, and ``restore`` gives back the original bytes.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import sqlite3
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.cli import linkrescue
from tests.support.crash import assert_whole, documents, fresh_run, kill, start
from tests.support.files import store_files
from tests.support.messy_corpus import GOV, Corpus, standnews_corpus
from tests.support.pywb_server import Pywb, start_pywb

pytestmark = [
    pytest.mark.pywb,
    pytest.mark.long,
    pytest.mark.skipif(sys.platform == "win32", reason="needs SIGKILL"),
]

ARTICLES = 200
SEED = 20211229
RESCUE = ("-m", "linkrescue", "rescue", "content")
PHASES = ("startup", "fetching", "views", "rewrite", "closing")
#: The kills aimed at each phase: 30 in all.
PLAN = {"startup": 6, "fetching": 12, "views": 4, "rewrite": 7, "closing": 1}
VERIFY_EVERY = 5
POLL = 0.002
#: A resource's log line (stderr, off a terminal): ``… INFO [12/1202] rescued https://…``.
PROGRESS = re.compile(rb"\[(\d+)/(\d+)\] ")
#: The temporary file of an article's rewrite (rewriters/files.py, TEMP_SUFFIX).
TEMPORARY = re.compile(r"\.(?P<name>.+)\.(?P<pid>\d+)\.[^.]+\.linkrescue-tmp")


class Watched:
    """A rescue started in ``run``, its stderr in ``log``: what the log and the articles
    show of its progress, read by :meth:`poll`."""

    def __init__(self, run: Path, log: Path) -> None:
        self.run = run
        self.log = log
        self.paths = [run / "content" / rel for rel in documents(run)]
        self.stamps = {p: _stamp(p) for p in self.paths}
        self._log = log.open("wb")
        self.began = time.monotonic()
        self.process = start(run, *RESCUE, stderr=self._log)
        self._read = log.open("rb")
        self._pending = b""
        self.logged = 0  # resources this run settled (its last [k/M] line)
        self.to_log: int | None = None  # M: the resources this run had to fetch
        self.changed = 0  # articles this run replaced
        self.ended_at = 0.0

    @property
    def seconds(self) -> float:
        return time.monotonic() - self.began

    def poll(self) -> None:
        self._pending += self._read.read()
        *lines, self._pending = self._pending.split(b"\n")
        for line in lines:
            if m := PROGRESS.search(line):
                self.logged, self.to_log = int(m[1]), int(m[2])
        self.changed = sum(_stamp(p) != self.stamps[p] for p in self.paths)

    def fetched(self) -> bool:
        return self.to_log is not None and self.logged == self.to_log

    def opened(self) -> bool:
        """Whether this run opened the store: its staging folder (``<pid>-<token>``) is
        there, and stays after a kill until the next open sweeps it."""
        staging = self.run / "rescued" / ".staging"
        return staging.is_dir() and any(staging.glob(f"{self.process.pid}-*"))

    def until(self, moment: Callable[[], bool]) -> None:
        """Poll until ``moment()`` holds or the run ended."""
        while self.process.poll() is None:
            self.poll()
            if moment():
                return
            time.sleep(POLL)

    def end(self) -> int:
        """SIGKILL the run (unless it ended); its return code."""
        self.ended_at = self.seconds
        kill(self.process)
        self.poll()
        self._read.close()
        self._log.close()
        return self.process.returncode


def _stamp(path: Path) -> tuple[int, int, int]:
    st = os.stat(path)
    return st.st_ino, st.st_size, st.st_mtime_ns


@dataclass
class Reference:
    """The uninterrupted run: the articles before and after, its store, its timing."""

    pristine: dict[str, bytes]
    rescued: dict[str, bytes]
    store: dict[str, str]  # browsable relative path -> sha256
    resources: int  # what the fetching settles (its log's M)
    views: int  # page views made
    seconds: float  # process start -> exit
    opened: float  # -> its store opened
    fetched: float  # -> the last resource of the fetching logged
    rewrite_from: float  # -> the first article replaced
    rewritten: float  # -> the last article replaced


@dataclass
class Setup:
    pywb: Pywb
    corpus: Corpus
    reference: Reference


def index_counts(run: Path) -> tuple[int, int]:
    """Resources settled and page views made, as the store's index holds them (read
    only: nothing is recovered or checkpointed for the next run)."""
    index = run / "rescued" / "index.sqlite3"
    if not index.exists():
        return 0, 0
    db = sqlite3.connect(f"{index.as_uri()}?mode=ro", uri=True)
    try:
        resources = db.execute("SELECT count(*) FROM resources").fetchone()[0]
        views = db.execute("SELECT count(*) FROM views").fetchone()[0]
    finally:
        db.close()
    return int(resources), int(views)


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    corpus = standnews_corpus(ARTICLES)
    pywb = start_pywb(
        tmp_path_factory.mktemp("pywb-scale"),
        captures=corpus.captures,
        probe_url=GOV.removeprefix("https://"),
    )
    try:
        root = tmp_path_factory.mktemp("reference")
        run = fresh_run(root / "run", pywb, corpus)
        pristine = documents(run)
        watched = Watched(run, root / "reference.log")
        moments: dict[str, float] = {}

        def note() -> bool:
            for name, reached in (
                ("opened", watched.opened()),
                ("fetched", watched.fetched()),
                ("rewrite_from", watched.changed > 0),
                ("rewritten", watched.changed == len(pristine)),
            ):
                if reached:
                    moments.setdefault(name, watched.seconds)
            return False  # to the end

        watched.until(note)
        seconds = watched.seconds
        assert watched.end() == 0, watched.log.read_text(errors="replace")
        rescued = documents(run)
        assert all(rescued[rel] != pristine[rel] for rel in pristine)  # each got rewritten
        assert len(moments) == 4 and watched.to_log is not None, moments
        _, views = index_counts(run)
        assert views > ARTICLES // 2
        store = store_files(run / "rescued")
        reference = Reference(pristine, rescued, store, watched.to_log, views, seconds, **moments)
        yield Setup(pywb, corpus, reference)
    finally:
        pywb.stop()


@dataclass
class State:
    """How far the work is: resources settled, page views made, articles rescued."""

    resources: int
    views: int
    rescued: int

    @classmethod
    def of(cls, run: Path, reference: Reference) -> State:
        resources, views = index_counts(run)
        rescued = sum(data == reference.rescued[rel] for rel, data in documents(run).items())
        return cls(resources, views, rescued)


def kill_plan(rng: random.Random) -> list[str]:
    """The phase each kill aims at, in order: the work's phases as the work meets them,
    the start-up kills at seeded places among them (not after the closing one)."""
    plan = [phase for phase in PHASES[1:-1] for _ in range(PLAN[phase])]
    for _ in range(PLAN["startup"]):
        plan.insert(rng.randrange(len(plan) + 1), "startup")
    return plan + ["closing"] * PLAN["closing"]


def aim(
    watched: Watched,
    target: str,
    before: State,
    left: Counter[str],
    reference: Reference,
    rng: random.Random,
) -> str:
    """Wait for a seeded moment of ``target`` in the run; returns the phase aimed at.

    ``left``: the kills still to aim at each phase, this one included. A run that gets
    past the phase aimed at returns at once."""
    articles_left = len(reference.pristine) - before.rescued
    to_fetch = max(reference.resources - before.resources, 0)
    if target == "fetching" and to_fetch == 0:
        target = "views"
    if target == "rewrite" and articles_left <= 3:
        target = "closing"
    left[target] -= 1
    if target == "startup":
        delay = rng.uniform(0.05, 0.9 * reference.opened)
        watched.until(lambda: watched.seconds >= delay or watched.changed > 0)
    elif target == "fetching":
        share = max(1, 2 * to_fetch // (left["fetching"] + 2))
        count = rng.randint(1, min(share, to_fetch))
        watched.until(lambda: watched.logged >= count or watched.fetched() or watched.changed > 0)
        time.sleep(rng.uniform(0, 0.03))
    elif target == "views":
        share = max(reference.views - before.views, 1) / reference.views
        delay = rng.uniform(0.05, 0.9) * (reference.rewrite_from - reference.fetched) * share
        watched.until(
            lambda: watched.fetched() or (to_fetch == 0 and watched.opened()) or watched.changed > 0
        )
        since = watched.seconds
        watched.until(lambda: watched.seconds - since >= delay or watched.changed > 0)
    elif target == "rewrite":
        count = rng.randint(1, max(1, 2 * (articles_left - 3) // (left["rewrite"] + 2)))
        watched.until(lambda: watched.changed >= count)
        time.sleep(rng.uniform(0, 0.004))
    else:  # closing
        watched.until(lambda: watched.changed >= articles_left)
        time.sleep(rng.uniform(0, 0.01))
    return target


def landed(watched: Watched, before: State, after: State, reference: Reference) -> str:
    """The phase the killed run was in, from what it left."""
    if after.rescued > before.rescued:
        return "closing" if after.rescued == len(reference.pristine) else "rewrite"
    if not watched.opened():
        return "startup"
    return "fetching" if after.resources < reference.resources else "views"


def assert_left_clean(run: Path, killed: list[int], reference: Reference, when: str) -> list[int]:
    """Nothing in ``content/`` but the articles and temporary files of killed runs: hidden,
    each beside an article still in its original bytes (its rename never came; the next
    run to reach its rewrite sweeps it). The store's browsable files are all files of the
    uninterrupted run's store. Returns the pids the temporaries there name."""
    content = run / "content"
    owners = []
    for path in content.rglob("*"):
        rel = path.relative_to(content).as_posix()
        if path.is_dir() or rel in reference.pristine:
            continue
        m = TEMPORARY.fullmatch(path.name)
        assert m, f"{rel} left in content/ {when}"
        article = (path.parent / m["name"]).relative_to(content).as_posix()
        assert article in reference.pristine, f"{rel}: a temporary beside no article {when}"
        assert (content / article).read_bytes() == reference.pristine[article], (
            f"{rel}: {article} was rewritten, yet a killed run's temporary is still there {when}"
        )
        assert int(m["pid"]) in killed, f"{rel}: not a killed run's {when}"
        owners.append(int(m["pid"]))
    # the run lock's file (archive/store/lock.py) stays after a kill: the lock went with
    # the process, and the next run's release removes the file
    stray = store_files(run / "rescued").keys() - reference.store.keys() - {".lock"}
    assert not stray, f"files the uninterrupted run's store lacks {when}: {sorted(stray)[:5]}"
    return owners


@dataclass
class Tally:
    landed: Counter[str] = field(default_factory=Counter)
    temporaries: int = 0  # kills that left a temporary file beside an article
    outlived: int = 0  # kills after which an earlier killed run's temporary was still there
    verified: int = 0


def test_thirty_kills_of_one_rescue_end_as_the_rescue_never_killed(
    setup: Setup, tmp_path: Path
) -> None:
    reference = setup.reference
    rng = random.Random(SEED)
    run = fresh_run(tmp_path / "run", setup.pywb, setup.corpus)
    logs = tmp_path / "logs"
    logs.mkdir()
    plan = kill_plan(rng)
    left = Counter(plan)
    tally = Tally()
    killed: list[int] = []
    began = time.monotonic()
    for n, target in enumerate(plan, start=1):
        before = State.of(run, reference)
        watched = Watched(run, logs / f"{n}.log")
        aimed = aim(watched, target, before, left, reference, rng)
        code = watched.end()
        assert code == -signal.SIGKILL, f"run {n} ended ({code}) before its kill (aimed at {aimed})"
        killed.append(watched.process.pid)
        after = State.of(run, reference)
        phase = landed(watched, before, after, reference)
        tally.landed[phase] += 1
        when = f"after kill {n} (aimed at {aimed}, landed in {phase} at {watched.ended_at:.2f} s)"
        assert_whole(run, reference.pristine, reference.rescued, when)
        owners = assert_left_clean(run, killed, reference, when)
        tally.temporaries += watched.process.pid in owners
        tally.outlived += any(pid != watched.process.pid for pid in owners)
        if n % VERIFY_EVERY == 0 and (run / "rescued" / "index.sqlite3").exists():
            verified = linkrescue("verify", cwd=run)
            assert verified.returncode == 0, f"{when}: {verified.stdout}{verified.stderr}"
            tally.verified += 1
    assert len(killed) == sum(PLAN.values()) == 30
    assert all(tally.landed[phase] for phase in PHASES), tally.landed
    killing = time.monotonic() - began

    # ... then one run to the end
    done = linkrescue("rescue", "content", cwd=run)
    assert done.returncode == 0, done.stderr
    assert documents(run) == reference.rescued
    assert store_files(run / "rescued") == reference.store
    verified = linkrescue("verify", cwd=run)
    assert verified.returncode == 0, f"{verified.stdout}{verified.stderr}"
    assert [p for p in (run / "rescued" / ".staging").rglob("*") if not p.is_dir()] == []
    in_content = [p for p in (run / "content").rglob("*") if not p.is_dir()]
    assert sorted(p.relative_to(run / "content").as_posix() for p in in_content) == sorted(
        reference.pristine
    )
    again = linkrescue("rescue", "content", "--report", "again.json", cwd=run)
    assert again.returncode == 0, again.stderr
    report = json.loads((run / "again.json").read_text(encoding="utf-8"))
    assert report["requests"] == {"cdx": 0, "playback": 0, "live": 0}
    restored = linkrescue("restore", "content", cwd=run)
    assert restored.returncode == 0, restored.stderr
    assert documents(run) == reference.pristine
    phases = ", ".join(f"{tally.landed[phase]} {phase}" for phase in PHASES)
    print(
        f"\ncrash at scale (seed {SEED}): {len(killed)} SIGKILLs of one rescue of "
        f"{ARTICLES} articles ({phases}) in {killing:.0f} s (uninterrupted run: "
        f"{reference.seconds:.1f} s); {tally.temporaries} left a temporary beside an "
        f"article ({tally.outlived} times one outlived the next run), swept by the end; "
        f"verify clean after {tally.verified}; differences from the uninterrupted run: 0"
    )
