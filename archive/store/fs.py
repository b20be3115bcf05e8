"""Durable, contained file-system steps of the store, and its staging area.

A rename is atomic, but it is only *durable* once the folder holding the new name
is fsynced, and new bytes only once the file itself is; :func:`fsync_dir` (one
helper for every writer, :mod:`linkrescue.atomic`) and :func:`make_dirs` do the
folder half. Every temporary file lives in the staging
area, never next to the browsable files, so a crash leaves garbage only in
``.staging/``, which the next :class:`StagingArea` sweeps.
"""

from __future__ import annotations

import base64
import errno
import hashlib
import io
import os
import secrets
import shutil
import stat
import sys
from pathlib import Path, PurePosixPath

from linkrescue.archive.store.errors import StorePathError
from linkrescue.atomic import fsync_dir as fsync_dir  # the store's steps import it from here

CHUNK = 1 << 20
"""Bytes read at a time when hashing or copying: memory stays flat in the file size."""


def make_dirs(root: Path, relative: PurePosixPath) -> Path:
    """Create ``root/relative`` folder by folder, durably, refusing to pass through a link.

    A symlink planted inside the store (by a user, or an old tool) must not let a
    write land outside it, so every existing component must be a real folder.
    """
    current = root
    for part in relative.parts:
        current = current / part
        try:
            os.mkdir(current)
        except FileExistsError:
            pass
        else:
            fsync_dir(current.parent)
        if not stat.S_ISDIR(os.lstat(current).st_mode):
            raise StorePathError(f"{current} is not a folder (a file or a link is in the way)")
    return current


def sha256_of(path: Path) -> str:
    """SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    buffer = bytearray(CHUNK)
    view = memoryview(buffer)
    with open(path, "rb", buffering=0) as file:
        while count := file.readinto(buffer):
            digest.update(view[:count])
    return digest.hexdigest()


def link_or_copy(source: Path, destination: Path) -> bool:
    """Hard-link ``source`` at ``destination`` (which must not exist), else copy it, fsynced.

    Returns True when linked. Copying covers file systems without hard links
    (FAT, some network shares) and an inode's link limit (ext4: 65,000, which a
    spacer GIF shared by every article of a corpus can reach).
    """
    try:
        os.link(source, destination)
        return True
    except OSError as error:
        if error.errno not in (errno.EMLINK, errno.EPERM, errno.ENOTSUP, errno.EXDEV, errno.EACCES):
            raise
    with open(source, "rb") as src, open(destination, "xb") as dst:
        shutil.copyfileobj(src, dst, CHUNK)
        dst.flush()
        os.fsync(dst.fileno())
    return False


class StagingFile:
    """A binary sink in the staging area that hashes what it is given as it goes.

    The crawler streams a response body into :meth:`write` and builds its
    :class:`~linkrescue.archive.model.Capture` from :attr:`sha256`, :attr:`sha1_base32` (to
    compare with the CDX digest) and :attr:`size`, so the bytes are read once.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file = open(path, "xb")  # noqa: SIM115 -- closed by seal() or discard()
        self._sha256 = hashlib.sha256()
        self._sha1 = hashlib.sha1()
        self._size = 0

    def write(self, data: bytes | bytearray | memoryview) -> int:
        count = self._file.write(data)
        self._sha256.update(data)
        self._sha1.update(data)
        self._size += count
        return count

    def seek(self, offset: int, whence: int = 0) -> int:
        """Rewind to the start (all a retrying fetch needs); the hashes start over too.

        The archive client rewrites a body from the first byte when a transfer is
        retried, so the staged bytes and their digests always describe one response.
        """
        if offset != 0 or whence != 0:
            raise io.UnsupportedOperation("a staging file can only be rewound to its start")
        self._file.seek(0)
        self._sha256 = hashlib.sha256()
        self._sha1 = hashlib.sha1()
        self._size = 0
        return 0

    def truncate(self, size: int | None = None) -> int:
        """Cut the file at the current position (after :meth:`seek`, to empty)."""
        return self._file.truncate(size)

    def tell(self) -> int:
        return self._file.tell()

    def flush(self) -> None:
        self._file.flush()

    @property
    def sha256(self) -> str:
        return self._sha256.hexdigest()

    @property
    def sha1_base32(self) -> str:
        return base64.b32encode(self._sha1.digest()).decode("ascii")

    @property
    def size(self) -> int:
        return self._size

    def seal(self) -> None:
        """Flush and fsync the bytes and close the file; idempotent."""
        if not self._file.closed:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()

    def discard(self) -> None:
        """Close and delete the file, if it is still in staging."""
        self._file.close()
        self.path.unlink(missing_ok=True)


class StagingArea:
    """This process's private folder under ``.staging/``, and the sweep of dead ones.

    Each open store takes ``.staging/<token>/`` and holds an exclusive lock on its
    ``.lock`` file for its lifetime; on open, any other folder whose lock can be
    taken belongs to a process that died (a crash, SIGKILL) and is removed. A
    folder whose lock is held belongs to a live process (a crawl, while
    ``linkrescue verify`` opens the same store) and is left alone. Sweep and
    creation run under a lock on ``.staging/`` itself, so a sweeper never sees a
    folder that is created but not yet locked. On Windows (no ``flock``) every
    folder is swept: run one store process at a time there.
    """

    def __init__(self, base: Path) -> None:
        base.mkdir(exist_ok=True)
        self.base = base
        guard = os.open(base, os.O_RDONLY)
        try:
            _lock(guard, blocking=True)
            self._sweep()
            self.dir = base / f"{os.getpid()}-{secrets.token_hex(6)}"
            self.dir.mkdir()
            self._fd = os.open(self.dir / ".lock", os.O_CREAT | os.O_RDWR, 0o600)
            _lock(self._fd, blocking=True)
        finally:
            os.close(guard)

    def close(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)
        os.close(self._fd)

    def temporary(self, suffix: str = "") -> Path:
        """A fresh, unused name in this process's folder."""
        return self.dir / f"{secrets.token_hex(8)}{suffix}"

    def _sweep(self) -> None:
        for entry in os.scandir(self.base):
            path = Path(entry.path)
            if not entry.is_dir(follow_symlinks=False):
                path.unlink(missing_ok=True)
                continue
            try:
                fd = os.open(path / ".lock", os.O_RDWR)
            except FileNotFoundError:
                shutil.rmtree(path, ignore_errors=True)
                continue
            try:
                if _lock(fd, blocking=False):
                    shutil.rmtree(path, ignore_errors=True)
            finally:
                os.close(fd)


if sys.platform == "win32":

    def _lock(fd: int, *, blocking: bool) -> bool:
        return True

else:
    import fcntl

    def _lock(fd: int, *, blocking: bool) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            return False
        return True
