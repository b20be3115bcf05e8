"""Exit codes, and what happens to an exception nobody expected.

Exit codes are a contract for cron jobs and CI, documented in the README:

- 0 (:data:`OK`): the command completed; bad files were reported and skipped.
- 1 (:data:`RETRY`): something failed that may pass (the archive was unreachable,
  a resource failed, a document changed during the run): a cron script runs again
  next time.
  For ``linkrescue check`` 1 (:data:`BROKEN`) means a dead reference was found
  (``--strict``: also an unrescued one; ``--fail-on unknown``: also an unknown one).
- 2 (:data:`USAGE`): a usage or configuration error (a bad setting, a missing
  path, no store): running again will not help until the command is fixed.
- 3 (:data:`LOCKED`): another run holds the store's run lock (one ``rescue`` at a
  time per store): nothing was done; the next scheduled run goes on.
- 70 (:data:`INTERNAL`, sysexits ``EX_SOFTWARE``): a bug in linkrescue. Not 1,
  which a cron script reads as "retry next run": a bug does not go away by waiting.
- 74 (:data:`IO_ERROR`, sysexits ``EX_IOERR``): the system refused to read or
  write a file (permission denied, disk full, read-only file system): one line
  naming the file and the reason. Not a bug (no traceback), and not "retry next
  run" either: someone has to fix the disk or the permissions.

An internal error is one line on stderr saying so and naming the file holding
the traceback, written to the temporary folder (``$TMPDIR``, else ``/tmp``) as
``linkrescue-crash-<time>-<pid>.txt`` (mode 0600: a traceback names local paths).
A traceback on the terminal is noise to a user and lost in a cron mail; the file
is what a bug report needs.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from typing import NoReturn

OK = 0
RETRY = 1
BROKEN = 1
USAGE = 2
LOCKED = 3
INTERNAL = 70
IO_ERROR = 74

CRASH_PREFIX = "linkrescue-crash-"


def run_guarded(command: Callable[[], object]) -> NoReturn:
    """Run ``command`` (the whole CLI); turn an unexpected exception into exit 70."""
    try:
        command()
    except SystemExit:
        raise
    except KeyboardInterrupt:  # the CLI framework normally turns this into exit 1
        print("linkrescue: interrupted", file=sys.stderr)
        raise SystemExit(RETRY) from None
    except OSError as exc:  # the file system said no: the file and the reason, no traceback
        name = exc.filename if exc.filename is not None else "a file"
        print(f"linkrescue: {name}: {exc.strerror or exc}", file=sys.stderr)
        raise SystemExit(IO_ERROR) from None
    except BaseException as exc:  # every other exception is a bug
        where = write_traceback(exc)
        print(
            f"linkrescue: internal error ({type(exc).__name__}: {_first_line(exc)}); "
            f"traceback written to {where}; please report it",
            file=sys.stderr,
        )
        raise SystemExit(INTERNAL) from None
    raise SystemExit(OK)


def leave_now(code: int) -> NoReturn:
    """Exit without waiting for the threads still running (a rescue stopped at once by a
    second signal abandons its resources in flight: their threads may still be waiting
    on a request). Everything the run says has been written: output is flushed first;
    documents and store files are only ever replaced whole, so nothing is half-written."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    logging.shutdown()
    os._exit(code)


def write_traceback(exc: BaseException) -> str:
    """Write the traceback and the command line to a new file in the temporary folder."""
    stamp = time.strftime("%Y%m%dT%H%M%S")
    fd, path = tempfile.mkstemp(prefix=f"{CRASH_PREFIX}{stamp}-{os.getpid()}-", suffix=".txt")
    with os.fdopen(fd, "w", encoding="utf-8", errors="replace") as fh:
        fh.write(f"command: {' '.join(sys.argv)}\n\n")
        fh.write("".join(traceback.format_exception(exc)))
    return path


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else "no message"
