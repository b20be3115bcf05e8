"""CPU time of a scan, measured so that a loaded CI machine cannot fail a linear-time test."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable


def best_cpu(scan: Callable[[], object], *, tries: int = 5) -> float:
    """The least CPU time of ``tries`` runs of ``scan``, the garbage collector held off
    while each runs.

    CPU time, not wall time: one wall-clock run under a loaded CI machine read ×37 for a
    tenfold input (tests/rewriters/test_liquid.py). Even so, late in a clean-clone CI run
    (f397201) the best of three CPU times read a linear scan's fourfold input as ×8.7
    (test_linear_time's ``fences-in-items-and-quotes``: 0.056 s and 0.487 s; on an idle
    machine 0.044 s and 0.23 s, ×5.2), over the test's limit of ×8. The cause was not
    pinned down. Two things that are not the scanner's own work are taken out: the
    cyclic collector, whose share grows with the input (the same scan measures ×5.3 with
    it and ×4.1 without, in a fresh process), and a bad moment, by the best of five.
    """
    best = float("inf")
    for _ in range(tries):
        gc.collect()
        gc.disable()
        try:
            start = time.process_time()
            scan()
            best = min(best, time.process_time() - start)
        finally:
            gc.enable()
    return best
