"""The local store of rescued bytes: browsable, deduplicated, crash-safe, contained.

Layout under the store root (``[store] dir``, default ``rescued/``)::

    index.sqlite3                      the run state's database (archive.state), with the files table
    .objects/ab/ab12…ef                one file per distinct content, named by SHA-256
    .staging/<pid>-<token>/            temporary files of one open store
    www.example-news.com/news_新聞/圖片.jpg   browsable path (archive.store.paths)

A browsable file is a *hard link* to its content object, so the same bytes under
two URLs (one photo used by a hundred articles) take the disk space once, and a
file is always complete: bytes are written to staging and fsynced, linked into
``.objects`` (only if that content is new), linked into staging again and renamed
over the browsable path, each step followed by an fsync of its folder. A crash leaves the old file or the new
one, never a partial one, and garbage only in ``.staging/``, swept on next open.
Where hard links are impossible the browsable file is an fsynced copy instead
(the bytes are then stored twice, but the guarantees hold).

Caveat of hard links: editing a browsable file in place edits every URL with the
same content; :meth:`Store.verify` then reports them all as changed.
"""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path, PurePosixPath
from typing import Self

from linkrescue.archive.model import Capture, StoredResource
from linkrescue.archive.sniff import SNIFF_BYTES, decide
from linkrescue.archive.state.index import Index
from linkrescue.archive.state.schema import Clock, utc_now
from linkrescue.archive.state.views import ViewBook
from linkrescue.archive.store.errors import StoreIntegrityError, StorePathError
from linkrescue.archive.store.files import FileClaims, FileRecord, record_of
from linkrescue.archive.store.fs import (
    StagingArea,
    StagingFile,
    fsync_dir,
    link_or_copy,
    make_dirs,
    sha256_of,
)
from linkrescue.archive.store.paths import (
    INDEX_FILENAME,
    OBJECTS_DIRNAME,
    STAGING_DIRNAME,
    store_path,
)
from linkrescue.atomic import rename_durably

__all__ = ["ProblemKind", "StagingFile", "Store", "StoredResource", "VerifyProblem"]

_OS_JUNK = frozenset({"Thumbs.db", "desktop.ini"})
"""Files an OS file browser drops into folders; not worth a verify warning."""


class ProblemKind(StrEnum):
    MISSING = "missing"
    CHANGED = "changed"
    UNINDEXED = "unindexed"


@dataclass(frozen=True, slots=True)
class VerifyProblem:
    """One finding of :meth:`Store.verify`; ``path`` is relative to the store root.

    ``missing``: the index has a file there, the disk does not. ``changed``: its
    bytes hash to ``actual``, not ``expected`` (also for a corrupted content
    object under ``.objects``, with ``key`` None). ``unindexed``: a file the index
    does not know (a crash between store and index, or a file copied in by hand).
    """

    kind: ProblemKind
    path: PurePosixPath
    key: str | None = None
    expected: str | None = None
    actual: str | None = None


class Store:
    """The store under ``root``: create it, put captures, verify files.

    Safe to share between threads. The index is :attr:`index`. Close it (or use
    it as a context manager) so its staging folder is removed at once; a store
    that is never closed is swept by the next open.
    """

    def __init__(self, root: Path, *, clock: Clock = utc_now) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.root = root.resolve()
        self._objects = self.root / OBJECTS_DIRNAME
        self._objects.mkdir(exist_ok=True)
        self._staging = StagingArea(self.root / STAGING_DIRNAME)
        try:
            self.index = Index(self.root / INDEX_FILENAME, clock=clock)
        except BaseException:
            self._staging.close()
            raise
        self._files = FileClaims(self.index.database)
        # One placement at a time: two commits of one key must not interleave
        # their pending/rename/promote steps. Placement is a few renames; the
        # slow parts (download, fsync of the bytes) happen outside it.
        self._placing = threading.Lock()

    def close(self) -> None:
        self.index.close()
        self._staging.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def staging(self) -> Iterator[StagingFile]:
        """A fresh staging file; put it inside the ``with``, or it is deleted on exit."""
        sink = StagingFile(self._staging.temporary(".part"))
        try:
            yield sink
        finally:
            sink.discard()

    def put(
        self,
        staging: StagingFile,
        capture: Capture,
        *,
        key: str | None = None,
        url: str | None = None,
        archive: str | None = None,
        repair: bool = False,
        defer: bool = False,
    ) -> StoredResource:
        """Store the staged bytes of ``capture`` and record the rescue, as one step.

        The bytes go to the browsable path of ``capture.requested``; its extension
        follows what the bytes are (:func:`linkrescue.archive.sniff.decide`: the bytes, then the
        archive index's type, then ``Content-Type``), so a JPEG an origin labelled
        ``text/html`` is stored as ``….jpg``, not ``….jpg.html``.

        ``key`` (the resource key of the run state; default ``capture.requested``)
        owns the path: it keeps the same path on every later put, and no other key
        can take it. The same bytes again is a no-op on disk; other bytes (a newer
        capture) replace the file atomically. ``repair``: the stored copy of these
        bytes is not trusted (it was found damaged), so the content object and the
        browsable file are both replaced by the staged bytes. ``defer``: a new claim
        leaves the plain path to a resource of the same run that comes first
        (:func:`~linkrescue.archive.store.paths.deferring`).

        The file's new digest and the rescue (``resources`` and ``attempts``, for
        ``url``, default ``capture.requested``, from ``archive``) are committed in one
        transaction: a crash at any moment leaves either both or neither, never a
        file the store vouches for and the run state does not know was rescued
        (the caller used to make two calls, ``commit`` then ``record_rescue``).
        """
        staging.seal()
        sha256, size = staging.sha256, staging.size
        if (sha256, size) != (capture.sha256, capture.size):
            staging.discard()
            raise StoreIntegrityError(
                f"staged {size} bytes with SHA-256 {sha256}, but the capture of "
                f"{capture.requested} says {capture.size} bytes, {capture.sha256}"
            )
        with open(staging.path, "rb") as staged:
            head = staged.read(SNIFF_BYTES)
        media = decide(head, index=capture.index_mimetype, header=capture.mimetype)
        blob = self._keep_object(staging, sha256, size, replace=repair)
        owner = capture.requested if key is None else key
        with self._placing:
            claim = self._files.claim(
                owner,
                store_path(capture.requested, media.mimetype),
                self._disk_clash,
                defer=defer,
            )
            target = self._contained(claim.path)
            placing = repair or not self._holds(claim, target, blob, sha256)
            if placing:
                self._link(owner, claim.path, target, blob, sha256, size)
            stored = StoredResource(
                claim.path, target, sha256, size, media.mimetype, media.sniffed, media.note
            )
            with self.index.database.transaction():
                if placing:
                    self._files.finish_update(owner)
                self.index.record_rescue(
                    owner,
                    capture.requested if url is None else url,
                    stored,
                    capture,
                    archive=archive,
                )
        return stored

    def original(self, sha256: str) -> Path:
        """The content object holding the bytes of SHA-256 ``sha256``: a capture's own
        bytes, kept there when its browsable file holds a view of it (issue 13)."""
        if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
            raise StoreIntegrityError(f"not a SHA-256: {sha256!r}")
        return self._objects / sha256[:2] / sha256

    def put_view(
        self,
        key: str,
        data: bytes,
        *,
        source_sha256: str,
        settings: str,
        recipe: str,
        open_requisites: int,
        requisites: Iterable[tuple[str, str]] = (),
    ) -> PurePosixPath | None:
        """Place ``data``, a view of the capture of ``key`` (SHA-256 ``source_sha256``),
        as its browsable file, and record the view, as one step; the file's path, or
        None when ``key`` has no file (nothing is placed then).

        The capture's own bytes are not touched: they stay in their content object
        (:meth:`original`). As for :meth:`put`, the index knows the new digest before
        the rename and promotes it after, so a crash leaves the old file or the new
        one, and ``verify`` knows which.
        """
        record = self._files.of(key)
        if record is None or record.sha256 is None:
            return None
        views = ViewBook(self.index.database)
        with self.staging() as sink:
            sink.write(data)
            sink.seal()
            sha256, size = sink.sha256, sink.size
            blob = self._keep_object(sink, sha256, size)
        with self._placing:
            target = self._contained(record.path)
            placing = not self._holds(record, target, blob, sha256)
            if placing:
                self._link(key, record.path, target, blob, sha256, size)
            with self.index.database.transaction():
                if placing:
                    self._files.finish_update(key)
                views.record(
                    key,
                    source_sha256=source_sha256,
                    sha256=sha256,
                    settings=settings,
                    recipe=recipe,
                    open_requisites=open_requisites,
                    requisites=requisites,
                )
        return record.path

    def _place(
        self, owner: str, path: PurePosixPath, target: Path, blob: Path, sha256: str, size: int
    ) -> None:
        """Link ``blob`` at ``target`` atomically, the index knowing the new digest first."""
        self._link(owner, path, target, blob, sha256, size)
        self._files.finish_update(owner)

    def _link(
        self, owner: str, path: PurePosixPath, target: Path, blob: Path, sha256: str, size: int
    ) -> None:
        """Record ``sha256`` as pending for ``owner``, then link ``blob`` at ``target``
        atomically; the caller promotes the pending digest once the rename is durable."""
        self._files.begin_update(owner, sha256, size)
        make_dirs(self.root, path.parent)
        self._contained(path)  # Again, now that the folders exist.
        temporary = self._staging.temporary(".link")
        link_or_copy(blob, temporary)
        rename_durably(temporary, target)

    def file_at(self, path: PurePosixPath) -> FileRecord | None:
        """The index's record of the browsable file at ``path`` (relative to the root)."""
        return self._files.at(path)

    def damaged_at(
        self, paths: Iterable[str], seen: Mapping[str, int | None] | None = None
    ) -> tuple[list[VerifyProblem], set[str]]:
        """The quick check a rescue makes of the files its documents point to (paths
        relative to the root, as the index spells them): those missing, not a file, or
        not the size the index recorded (a full re-hash is ``verify``), and the paths
        the index does not know at all.

        ``seen``: ``os.lstat`` answers the caller already had this run, by absolute path:
        the size of a regular file, -1 for anything else, None when not there; the
        rescue's reading asked about the same files (101,656 at 50,000 articles), and
        asking twice was a tenth of an unchanged run.
        """
        wanted = set(paths)
        root = str(self.root)
        known = seen if seen is not None else {}
        missing: list[str] = []
        changed: list[str] = []
        for path, sha256, recorded, pending in self._files.sizes_at(set(wanted)):
            wanted.discard(path)
            if sha256 is None:
                continue  # the first placement never finished: nothing was promised
            full = root + os.sep + path
            size: int | None
            if full in known:
                size = known[full]
            else:
                try:
                    info = os.lstat(full)
                except FileNotFoundError:
                    size = None
                else:
                    size = info.st_size if stat.S_ISREG(info.st_mode) else -1
            if size is None:
                missing.append(path)
            elif size < 0 or size not in (recorded, pending):
                changed.append(path)
        problems = []
        bad = set(missing)
        for row in self._files.rows_at([*missing, *changed]):  # a few, whole rows
            record = record_of(row)
            if row["path"] in bad:
                problems.append(
                    VerifyProblem(ProblemKind.MISSING, record.path, record.key, record.sha256)
                )
            else:
                problems.append(
                    VerifyProblem(ProblemKind.CHANGED, record.path, record.key, record.sha256, "?")
                )
        return problems, wanted

    def relink(self, record: FileRecord) -> bool:
        """Put a missing or damaged browsable file back from the store's own content
        object, when that object still holds the recorded bytes; False otherwise.

        Deleting ``rescued/host/photo.jpg`` by hand leaves its object in ``.objects``:
        the bytes are still here, and no request is needed to put them back.
        """
        sha256, size = record.sha256, record.size
        if sha256 is None or size is None:
            return False
        blob = self._objects / sha256[:2] / sha256
        try:
            if not blob.is_file() or sha256_of(blob) != sha256:
                return False
        except OSError:
            return False
        with self._placing:
            self._place(record.key, record.path, self._contained(record.path), blob, sha256, size)
        return True

    def verify(self) -> list[VerifyProblem]:
        """Re-hash every stored file; report missing, changed and unindexed files.

        Files that share an inode (hard links to one object) are hashed once.
        """
        problems: list[VerifyProblem] = []
        hashes: dict[tuple[int, int], str] = {}
        known: set[str] = set()
        for record in self._files:
            known.add(record.path.as_posix())
            problem = self._check(record, hashes)
            if problem is not None:
                problems.append(problem)
        problems.extend(
            VerifyProblem(ProblemKind.UNINDEXED, path)
            for path in self._browsable_files()
            if path.as_posix() not in known
        )
        problems.extend(self._check_objects(hashes))
        return problems

    def _check(
        self, record: FileRecord, hashes: dict[tuple[int, int], str]
    ) -> VerifyProblem | None:
        expected = {record.sha256, record.pending_sha256} - {None}
        if record.sha256 is None:
            return None  # The first placement never finished: nothing was promised.
        path = self.root / record.path
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            return VerifyProblem(ProblemKind.MISSING, record.path, record.key, record.sha256)
        actual = _hash(path, info, hashes) if stat.S_ISREG(info.st_mode) else "not-a-file"
        if actual in expected:
            return None
        return VerifyProblem(ProblemKind.CHANGED, record.path, record.key, record.sha256, actual)

    def _check_objects(self, hashes: dict[tuple[int, int], str]) -> Iterator[VerifyProblem]:
        for folder, _, names in os.walk(self._objects):
            for name in names:
                path = Path(folder, name)
                info = os.lstat(path)
                actual = _hash(path, info, hashes) if stat.S_ISREG(info.st_mode) else "not-a-file"
                if actual != name:
                    relative = PurePosixPath(path.relative_to(self.root).as_posix())
                    yield VerifyProblem(ProblemKind.CHANGED, relative, None, name, actual)

    def _browsable_files(self) -> Iterator[PurePosixPath]:
        """Every non-folder under the root except the index and dot names (which
        the store never creates outside its own ``.objects`` and ``.staging``).

        Links to folders are listed, not followed: they are unindexed too.
        """
        for folder, dirs, names in os.walk(self.root):
            base = Path(folder)
            if base == self.root:
                names = [n for n in names if not n.startswith(INDEX_FILENAME)]
            for name in (*names, *(d for d in dirs if (base / d).is_symlink())):
                if not name.startswith(".") and name not in _OS_JUNK:
                    yield PurePosixPath((base / name).relative_to(self.root).as_posix())
            dirs[:] = [d for d in dirs if not d.startswith(".") and not (base / d).is_symlink()]

    def _keep_object(
        self, staging: StagingFile, sha256: str, size: int, *, replace: bool = False
    ) -> Path:
        """The content object for these bytes: the staged file itself, or an existing copy.

        ``os.link`` creates the object only if it is absent, atomically, so two
        threads storing the same new bytes end up sharing one inode. ``replace``:
        the existing object is not trusted (a repair), the staged file takes its place.
        """
        blob = self._objects / sha256[:2] / sha256
        make_dirs(self._objects, PurePosixPath(sha256[:2]))
        try:
            if replace:
                raise FileExistsError  # handled below as "replace the object"
            os.link(staging.path, blob)
        except FileExistsError:
            if replace or os.stat(blob).st_size != size:  # A damaged object: replace it.
                os.replace(staging.path, blob)
        except OSError:  # No hard links on this file system.
            os.replace(staging.path, blob)
        fsync_dir(blob.parent)
        staging.discard()
        return blob

    def _holds(self, claim: FileRecord, target: Path, blob: Path, sha256: str) -> bool:
        """Whether ``target`` already holds these bytes, as the index expects (a re-put)."""
        if claim.sha256 != sha256 or claim.pending_sha256 is not None:
            return False
        try:
            here, there = os.lstat(target), os.stat(blob)
        except FileNotFoundError:
            return False
        if (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino):
            return True
        return stat.S_ISREG(here.st_mode) and sha256_of(target) == sha256

    def _disk_clash(self, candidate: PurePosixPath) -> int | None:
        """The first component of ``candidate`` the disk uses otherwise: a file or link
        where a folder must go, or a folder where the file must go. A plain file
        at the target itself is not a clash: it is replaced (a store whose index
        was deleted is adopted, not duplicated)."""
        current = self.root
        for i, part in enumerate(candidate.parts):
            current = current / part
            try:
                mode = os.lstat(current).st_mode
            except FileNotFoundError:
                return None
            is_last = i == len(candidate.parts) - 1
            if stat.S_ISDIR(mode) == is_last:
                return i
        return None

    def _contained(self, relative: PurePosixPath) -> Path:
        """``root/relative``, after checking that it resolves inside the root.

        :func:`~linkrescue.archive.store.paths.store_path` already guarantees this; the check
        is here so that no future change of the mapping can write outside.
        """
        if relative.is_absolute() or any(p in ("", ".", "..") for p in relative.parts):
            raise StorePathError(f"refusing a store path that is not plain: {relative}")
        target = self.root / relative
        if not Path(os.path.realpath(target.parent)).is_relative_to(self.root):
            raise StorePathError(f"refusing to write outside the store: {target}")
        return target


def _hash(path: Path, info: os.stat_result, hashes: dict[tuple[int, int], str]) -> str:
    inode = (info.st_dev, info.st_ino)
    if inode not in hashes:
        hashes[inode] = sha256_of(path)
    return hashes[inode]
