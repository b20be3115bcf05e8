"""One run at a time per store: an OS file lock on ``<store>/.lock``.

Two ``rescue`` runs over one store (a nightly cron job still running when the next
one starts, a user's run beside it) would fetch the same resources twice and race
on the same documents. The lock is ``flock(2)`` on a file in the store, held for
the whole run: the kernel drops it when the process ends however it ends (SIGKILL,
a power cut of the process), so a killed run never leaves a stale lock for the
next night to trip over. The file holds the holder's pid and start time, read
only to say who holds it; a file left behind means nothing by itself.

Releasing the lock removes the file (still holding it), so a store between runs
holds nothing of it, and a run that ends before its first request (offline, a wrong
archive URL) leaves no store behind: when the lock created the store folder and the
run put nothing else in it, the folder goes too. A run that opened the file just
before it was removed finds, once it holds the lock, that the file it locked is no
longer the one at the path, and takes the lock again on the new one.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from datetime import datetime
from pathlib import Path
from types import TracebackType

from linkrescue.archive.store.errors import StoreError

__all__ = ["LOCK_FILENAME", "RunLock", "StoreLocked", "lock_store"]

#: The lock file in the store folder (a dot name: never listed as a stored file).
LOCK_FILENAME = ".lock"


class StoreLocked(StoreError):
    """Another process holds the store's run lock."""

    def __init__(self, root: Path, pid: int | None, started: datetime | None) -> None:
        who = f"pid {pid}" if pid is not None else "pid unknown"
        when = f", started {started:%H:%M}" if started is not None else ""
        super().__init__(f"another run ({who}{when}) holds {root}")
        self.root = root
        self.pid = pid
        self.started = started


class RunLock:
    """The held lock of one store; released by :meth:`release` (or leaving ``with``)."""

    def __init__(self, root: Path, fd: int, *, created: bool) -> None:
        self.root = root
        self._fd: int | None = fd
        self._created = created

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            with contextlib.suppress(OSError):
                (self.root / LOCK_FILENAME).unlink()
                if self._created:
                    self.root.rmdir()  # only if empty: the run created nothing else
        finally:
            os.close(fd)  # closing the last descriptor drops the flock

    def __enter__(self) -> RunLock:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


def lock_store(root: Path, *, now: datetime | None = None) -> RunLock:
    """Take the run lock of the store at ``root`` (creating the folder if needed), or
    raise :class:`StoreLocked` at once, naming the holder: nothing waits for it."""
    real = Path(os.path.realpath(root))
    created = not real.exists()
    real.mkdir(parents=True, exist_ok=True)
    path = real / LOCK_FILENAME
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            os.close(fd)
            raise StoreLocked(real, *holder) from None
        except BaseException:
            os.close(fd)
            raise
        # A run releasing the lock of a folder it created removes the file: a lock
        # taken on the removed file would lock nothing, so take the new one.
        try:
            same = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    started = now or datetime.now().astimezone()
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()} {started.isoformat(timespec='seconds')}\n".encode(), 0)
    return RunLock(real, fd, created=created)


def _holder(fd: int) -> tuple[int | None, datetime | None]:
    """The pid and start time the holder wrote (None for what cannot be read: the
    holder may not have written them yet)."""
    try:
        text = os.pread(fd, 200, 0).decode("ascii", "replace").split()
    except OSError:
        return None, None
    pid = int(text[0]) if text and text[0].isdigit() else None
    started = None
    if len(text) > 1:
        with contextlib.suppress(ValueError):
            started = datetime.fromisoformat(text[1])
    return pid, started
