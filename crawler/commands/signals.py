"""SIGTERM and SIGINT during a ``rescue``: stop cleanly, and at once when asked twice.

cron's ``timeout``, ``systemctl stop`` and a user's Ctrl-C used to end a run in the
middle: Ctrl-C went on making CDX listing requests for 17-40 s, printing nothing,
or logged ``RuntimeError: Cannot send a request, as the client has been closed``,
which tripped the failure breaker. Now the first signal stops the run the way a
budget does (:class:`~linkrescue.crawler.stages.stop.RunStop`: no new resource or
listing is started, those in flight finish, settled documents are rewritten, the
report is written) and says so at once; a second one abandons what is in flight
(:class:`~linkrescue.crawler.stages.stop.Interrupted`), still with nothing
half-written: documents and store files are only ever replaced whole.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

from linkrescue.crawler.stages.stop import Interrupted, RunStop, StopReason

#: The signals a run stops on: systemd's and timeout(1)'s, and Ctrl-C.
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


@contextmanager
def stop_on_signals(stop: RunStop, say: Callable[[str], None]) -> Iterator[None]:
    """While inside, SIGTERM/SIGINT stop ``stop``'s run; ``say`` tells the user at once.

    The handlers run in the main thread (Python's rule), between two of its steps,
    even while it waits for a worker. A scan's forked worker processes inherit them:
    there, Ctrl-C is left to the run (the pool is closed by it) and SIGTERM ends the
    worker as it would have without them.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    owner = os.getpid()
    received = 0

    def handle(signum: int, frame: FrameType | None) -> None:
        nonlocal received
        if os.getpid() != owner:  # a forked scan worker
            if signum == signal.SIGTERM:
                signal.signal(signum, signal.SIG_DFL)
                os.kill(os.getpid(), signum)
            return
        name = signal.Signals(signum).name
        received += 1
        if received == 1:
            stop.request(StopReason.INTERRUPTED, name)
            say(
                f"linkrescue: stopping ({name}): finishing {stop.in_flight} resources in "
                f"flight; {name} again to stop at once"
            )
            return
        if stop.now.is_set():
            return  # already stopping at once
        say(f"linkrescue: stopping now ({name}): {stop.in_flight} resources in flight abandoned")
        stop.halt(name)
        raise Interrupted(name)

    previous = {sig: signal.signal(sig, handle) for sig in STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, before in previous.items():
            signal.signal(sig, before)
