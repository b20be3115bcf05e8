"""Scan pool workers end on SIGTERM whatever handler the run installed before forking them.

A nightly run's third night once waited 12 minutes in ``Pool.join``: a worker forked
from a run that handles SIGTERM (crawler/commands/signals.py) outlived
``Pool.terminate``. Workers now take the kernel's SIGTERM and leave Ctrl-C to the run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from linkrescue.crawler.config import Config
from linkrescue.crawler.stages import scan


def _dispositions(_: object) -> tuple[bool, bool]:
    return (
        signal.getsignal(signal.SIGTERM) == signal.SIG_DFL,
        signal.getsignal(signal.SIGINT) == signal.SIG_IGN,
    )


def test_pool_workers_take_the_kernels_sigterm_and_ignore_ctrl_c() -> None:
    def handler(signum: int, frame: Any) -> None:  # a run's handler, as signals.py installs
        pass

    before = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        initargs = (Config().for_scan(), {}, False, None)
        items = range(scan.POOL_THRESHOLD * 2)
        answers = set(scan._mapped(_dispositions, items, len(items), 2, initargs))
    finally:
        for sig, old in before.items():
            signal.signal(sig, old)
    assert answers == {(True, True)}


def test_a_rescue_called_from_a_script_with_no_main_guard_reads_with_its_pool(
    tmp_path: Path,
) -> None:
    """A program may call linkrescue from a script with no ``if __name__ ==
    "__main__"`` guard. Workers started by ``spawn`` or ``forkserver`` import the
    caller's ``__main__`` (tried for the reading's memory, issue 12): the script ran
    again in each worker and the run hung. The pool forks."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i in range(scan.POOL_THRESHOLD * 2):  # enough documents for a pool
        (corpus / f"a{i}.md").write_text(f"# {i}\n\n![](https://example.org/img/{i}.png)\n")
    script = tmp_path / "script.py"
    script.write_text(
        'print("started", flush=True)\n'
        "import sys\n"
        "from linkrescue.crawler.cli import main\n"
        f'sys.argv = ["linkrescue", "rescue", {str(corpus)!r}, "--dry-run", "-q"]\n'
        "main()\n"
    )
    proc = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("started") == 1, proc.stdout
    assert "128 resources would be looked up" in proc.stderr, proc.stdout + proc.stderr
    assert not (tmp_path / "rescued").exists()  # a dry run writes nothing


def _pid(_: object) -> int:
    return os.getpid()


def test_the_passes_of_a_reading_run_on_one_pool_forked_once() -> None:
    """Workers forked for the second pass counted the first pass's heap in their RSS
    (issue 12, item 9): both passes run on the workers forked for the first; a pass
    left half-way ends them, and the next pass gets new ones."""
    initargs = (Config().for_scan(), {}, False)
    items = range(scan.POOL_THRESHOLD * 2)
    pool = scan.WorkerPool(2, initargs)
    try:
        first = set(scan._mapped(_pid, items, len(items), 2, initargs, pool=pool))
        second = set(scan._mapped(_pid, items, len(items), 2, initargs, pool=pool))
        # one pass may be served by one worker alone (the other not started yet): the
        # two passes together by at most the two workers forked once
        both = first | second
        assert os.getpid() not in both and len(both) <= 2
        half = scan._mapped(_pid, items, len(items), 2, initargs, pool=pool)
        next(half)
        half.close()  # abandoned with work queued
        after = set(scan._mapped(_pid, items, len(items), 2, initargs, pool=pool))
        assert after.isdisjoint(both)
        other = (Config().for_scan(), {"x": "y"}, False)  # other settings: a pool of its own
        assert set(scan._mapped(_pid, items, len(items), 2, other, pool=pool)).isdisjoint(after)
    finally:
        pool.close()
