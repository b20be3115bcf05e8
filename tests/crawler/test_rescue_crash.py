"""`linkrescue rescue` killed (SIGKILL) at any moment, then run again, ends as if never killed.

What a user checks after pulling the plug on a rescue of their only copy of an
archive: every article is either untouched or fully rewritten (never truncated,
never half-rewritten, always UTF-8); running ``rescue`` again finishes the job
and leaves exactly the articles and the store a run never killed leaves;
``verify`` finds the store intact; ``restore`` gives back the original bytes.

The corpus is 24 Stand News-shaped articles (tests/support/messy_corpus.py) and a
real pywb serving most of their references. Kills come at seeded random delays
spread over the measured duration of an uninterrupted run (some inside its
rewrite phase, measured too), and at exact points of the rewrite: after the
index has recorded a document's replacements but before the file is renamed
over the old one, and just after the rename.
"""

from __future__ import annotations

import itertools
import os
import random
import signal
import sys
import textwrap
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from linkrescue.rewriters.files import TEMP_SUFFIX
from tests.support.cli import linkrescue
from tests.support.crash import assert_whole, documents, fresh_run, kill, start
from tests.support.files import store_files
from tests.support.messy_corpus import GOV, Corpus, standnews_corpus
from tests.support.pywb_server import Pywb, start_pywb

pytestmark = [
    pytest.mark.pywb,
    pytest.mark.skipif(sys.platform == "win32", reason="needs SIGKILL"),
]

ARTICLES = 24
SEED = 20211229
RANDOM_KILLS = 4  # spread over the whole run
REWRITE_KILLS = 2  # inside the measured rewrite phase
RESCUE = ("rescue", "content", "--concurrency", "2")

# Runs the CLI, killing itself with SIGKILL around the n-th rename of a document
# over its old self: "before" (the index already holds the new replacements, the
# file is still the old one, its temporary file written) or "after" the rename.
KILL_AT_RENAME = textwrap.dedent(
    """
    import os, signal, sys
    n, when = int(sys.argv[1]), sys.argv[2]
    real_replace = os.replace
    renames = 0

    def replace(src, dst, **kwargs):
        global renames
        if not str(dst).endswith(".md"):
            return real_replace(src, dst, **kwargs)
        renames += 1
        if renames == n and when == "before":
            os.kill(os.getpid(), signal.SIGKILL)
        real_replace(src, dst, **kwargs)
        if renames == n and when == "after":
            os.kill(os.getpid(), signal.SIGKILL)

    os.replace = replace
    from linkrescue.crawler.cli import app
    app(sys.argv[3:], prog_name="linkrescue")
    """
)


@dataclass
class Reference:
    """An uninterrupted run: the articles before and after it, the store it filled, its timing."""

    pristine: dict[str, bytes]  # relative path -> bytes
    rescued: dict[str, bytes]
    store: dict[str, str]  # browsable relative path -> sha256
    seconds: float  # the whole run, process start to exit
    rewrite_from: float  # when the first article changed on disk


@dataclass
class Setup:
    pywb: Pywb
    corpus: Corpus
    reference: Reference


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    corpus = standnews_corpus(ARTICLES)
    pywb = start_pywb(
        tmp_path_factory.mktemp("pywb-crash"),
        captures=corpus.captures,
        probe_url=GOV.removeprefix("https://"),
    )
    try:
        run = fresh_run(tmp_path_factory.mktemp("reference") / "run", pywb, corpus)
        pristine = documents(run)
        paths = [run / "content" / rel for rel in pristine]
        stamps = {p: os.stat(p).st_mtime_ns for p in paths}
        began = time.monotonic()
        process = start(run, "-m", "linkrescue", *RESCUE)
        rewrite_from = None
        while process.poll() is None:
            if rewrite_from is None and any(os.stat(p).st_mtime_ns != stamps[p] for p in paths):
                rewrite_from = time.monotonic() - began
            time.sleep(0.002)
        seconds = time.monotonic() - began
        assert process.returncode == 0
        rescued = documents(run)
        assert all(rescued[rel] != pristine[rel] for rel in pristine)  # each got rewritten
        reference = Reference(
            pristine, rescued, store_files(run / "rescued"), seconds, rewrite_from or seconds * 0.9
        )
        assert len(reference.store) > 2 * ARTICLES
        yield Setup(pywb, corpus, reference)
    finally:
        pywb.stop()


def finish_and_compare(run: Path, reference: Reference, when: str) -> None:
    """Run rescue again to the end: same articles, same store; verify; restore."""
    again = linkrescue(*RESCUE, cwd=run)
    assert again.returncode == 0, f"{when}: {again.stderr}"
    assert documents(run) == reference.rescued, when
    assert store_files(run / "rescued") == reference.store, when
    verified = linkrescue("verify", cwd=run)
    assert verified.returncode == 0, f"{when}: {verified.stdout}{verified.stderr}"
    restored = linkrescue("restore", "content", cwd=run)
    assert restored.returncode == 0, f"{when}: {restored.stderr}"
    assert documents(run) == reference.pristine, when


def kill_delays(reference: Reference) -> list[float]:
    """Seeded delays: one in each slice of the run, and some inside its rewrite phase."""
    rng = random.Random(SEED)
    slices = [(reference.seconds * (0.1 + 0.9 * k / RANDOM_KILLS)) for k in range(RANDOM_KILLS + 1)]
    spread = [rng.uniform(a, b) for a, b in itertools.pairwise(slices)]
    rewrite = [rng.uniform(reference.rewrite_from, reference.seconds) for _ in range(REWRITE_KILLS)]
    return sorted(spread + rewrite)


def test_runs_killed_at_random_moments_end_like_a_run_never_killed(
    setup: Setup, tmp_path: Path
) -> None:
    reference = setup.reference
    for n, delay in enumerate(kill_delays(reference)):
        when = f"after a kill at {delay:.2f} s of {reference.seconds:.2f} s"
        run = fresh_run(tmp_path / f"kill-{n}", setup.pywb, setup.corpus)
        process = start(run, "-m", "linkrescue", *RESCUE)
        time.sleep(delay)
        kill(process)
        assert_whole(run, reference.pristine, reference.rescued, when)
        if n % 2:  # killed twice: the second run dies too, halfway through what is left
            process = start(run, "-m", "linkrescue", *RESCUE)
            time.sleep(delay / 2)
            kill(process)
            assert_whole(run, reference.pristine, reference.rescued, when + ", then again")
        finish_and_compare(run, reference, when)


@pytest.mark.parametrize(
    ("rename", "when", "then"),
    [
        (ARTICLES // 2, "before", "rescue"),
        (ARTICLES // 2, "before", "restore"),
        (ARTICLES // 2, "after", "rescue"),
    ],
)
def test_kill_inside_the_rewrite_of_one_article(
    setup: Setup, tmp_path: Path, rename: int, when: str, then: str
) -> None:
    """The narrowest window: the index already describes the new file, the disk the old one.

    Then the user either runs ``rescue`` again, or gives up and runs ``restore``:
    both must work on the article the kill interrupted, as on every other one.
    """
    reference = setup.reference
    label = f"killed {when} renaming article {rename}, then {then}"
    run = fresh_run(tmp_path / "run", setup.pywb, setup.corpus)
    process = start(run, "-c", KILL_AT_RENAME, str(rename), when, *RESCUE)
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL, label
    rewritten = assert_whole(run, reference.pristine, reference.rescued, label)
    assert rewritten == rename - (when == "before"), label
    if then == "restore":
        restored = linkrescue("restore", "content", cwd=run)
        assert restored.returncode == 0, f"{label}: {restored.stderr}"
        assert documents(run) == reference.pristine, label
    finish_and_compare(run, reference, label)


def test_a_temporary_beside_an_article_deleted_since_the_kill_is_swept(
    setup: Setup, tmp_path: Path
) -> None:
    """A kill between writing an article's new text and the rename leaves a hidden
    temporary beside it. The user then deletes that article: no rewrite of it will ever
    sweep the temporary, so the next rescue sweeps every folder of the corpus."""
    run = fresh_run(tmp_path / "run", setup.pywb, setup.corpus)
    process = start(run, "-c", KILL_AT_RENAME, str(ARTICLES // 2), "before", *RESCUE)
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL
    (temporary,) = (run / "content").rglob(f"*{TEMP_SUFFIX}")
    name = temporary.name[1 : -len(TEMP_SUFFIX)].rsplit(".", 2)[0]
    (temporary.parent / name).unlink()
    again = linkrescue(*RESCUE, cwd=run)
    assert again.returncode == 0, again.stderr
    assert list((run / "content").rglob(f"*{TEMP_SUFFIX}")) == []
