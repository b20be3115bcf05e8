"""Replacing a file so that a crash or a power cut leaves the old one or the new one.

Every writer of linkrescue goes through here: the rewrite of an article (people's
only copy of it), the store's browsable files, the run report a cron job reads.
The steps, in order: the new bytes go to a temporary file in the destination's
folder (same file system, so the rename is atomic) and are fsynced; the file takes
its permission bits; the rename replaces the destination; the folder is fsynced,
for a rename is durable only once the folder holding the new name is. A temporary
file is removed if anything fails before the rename.

What differs between writers is a parameter, not a copy: the permission bits (an
article keeps its own, a report gets what the umask gives a new file), where the
temporary file lives (beside the destination, or the store's staging folder, whose
files stream in before :func:`rename_durably` places them), and a last check before the rename (an article edited meanwhile is not replaced).

It imports nothing of the rooms (crawler, archive, rewriters), which all import it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

__all__ = ["disk_full", "fsync_dir", "rename_durably", "write_atomically"]

#: The disk (or the user's quota) is full; SQLite says so with its own code, 13.
_FULL_ERRNOS = frozenset(
    code for code in (getattr(errno, "ENOSPC", None), getattr(errno, "EDQUOT", None)) if code
)
_SQLITE_FULL = 13


def disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) says the disk is full: ``ENOSPC``/``EDQUOT``
    from the file system, ``SQLITE_FULL`` from the index. Every writer here leaves the
    old file or the new one then; what a run must do is stop, not go on failing."""
    seen: BaseException | None = exc
    for _ in range(10):
        if seen is None:
            return False
        if isinstance(seen, OSError) and seen.errno in _FULL_ERRNOS:
            return True
        if getattr(seen, "sqlite_errorcode", None) == _SQLITE_FULL:
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def fsync_dir(path: Path) -> None:
    """Make renames and new names in ``path`` durable (a no-op where folders cannot be opened)."""
    if sys.platform == "win32":
        return
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def rename_durably(source: Path, target: Path) -> None:
    """Rename ``source`` (its bytes already durable) over ``target``, and fsync the folder."""
    os.replace(source, target)
    fsync_dir(target.parent)


def write_atomically(
    path: Path,
    data: bytes | Iterable[bytes],
    *,
    mode: int,
    prefix: str = "",
    suffix: str = "",
    check: Callable[[], None] | None = None,
) -> None:
    """Replace ``path`` by a file holding ``data`` with permission bits ``mode``.

    The temporary file is a new name ``<prefix>…<suffix>`` beside ``path`` (created
    0600, whatever the umask, until it takes ``mode``). ``check`` runs once the new
    bytes are durable, just before the rename; what it raises leaves ``path`` as it
    was. (The store's files are written to its staging folder as they stream in,
    then placed with :func:`rename_durably`.) ``data`` may come in chunks, so that a
    large file (a 50,000-article run's report) is never whole in memory.
    """
    fd, name = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=path.parent)
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as fh:
            if isinstance(data, bytes):
                fh.write(data)
            else:
                for chunk in data:
                    fh.write(chunk)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        if check is not None:
            check()
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    fsync_dir(path.parent)
