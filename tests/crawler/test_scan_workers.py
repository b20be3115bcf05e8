"""Scan pool workers end on SIGTERM whatever handler the run installed before forking them.

A nightly run's third night once waited 12 minutes in ``Pool.join``: a worker forked
from a run that handles SIGTERM (crawler/commands/signals.py) outlived
``Pool.terminate``. Workers now take the kernel's SIGTERM and leave Ctrl-C to the run.
"""

from __future__ import annotations

import signal
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
