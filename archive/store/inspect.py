"""Whether stored files still hold what the index vouches for, read without writing.

``linkrescue check --offline`` runs as a pre-commit hook and in CI on a checkout that
holds the store: it must not create a staging folder, take a lock or migrate anything
(a hook that modifies files fails the commit), so this reads the index and the disk
only. It answers for the paths the checked documents point to, not the whole store
(that is ``verify``): a pull request that touches ten articles checks their files.

Every file named is hashed (a stored image edited in place keeps its size; only the
digest tells), each inode once: browsable paths are hard links to one content object.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

from linkrescue.archive.state import Index
from linkrescue.archive.store.entrance import open_state
from linkrescue.archive.store.files import FileClaims, record_of
from linkrescue.archive.store.fs import sha256_of
from linkrescue.archive.store.store import ProblemKind, VerifyProblem


def stored_file_problems(root: Path, paths: Iterable[str]) -> dict[str, VerifyProblem]:
    """For each path (relative to the store ``root``, POSIX, as the index spells it) that
    the index vouches for and the disk no longer holds: missing, or changed (its bytes
    hash to something else: edited, truncated, replaced by a folder).

    A path the index does not know is not here: a reference to it is not the store's
    promise (a file copied in by hand). :class:`~linkrescue.archive.store.NoStoreError`
    when ``root`` holds no store.
    """
    wanted = set(paths)
    if not wanted:
        return {}
    problems: dict[str, VerifyProblem] = {}
    hashes: dict[tuple[int, int], str] = {}
    with open_state(root) as index:
        rows = list(_claims(index).rows_at(wanted))
    for row in rows:
        record = record_of(row)
        if record.sha256 is None:
            continue  # the first placement never finished: nothing was promised
        where = root / record.path
        try:
            info = os.lstat(where)
        except FileNotFoundError:
            problems[row["path"]] = VerifyProblem(
                ProblemKind.MISSING, record.path, record.key, record.sha256
            )
            continue
        expected = {record.sha256, record.pending_sha256} - {None}
        if stat.S_ISREG(info.st_mode):
            inode = (info.st_dev, info.st_ino)
            if inode not in hashes:
                hashes[inode] = sha256_of(where)
            actual = hashes[inode]
        else:
            actual = "not-a-file"
        if actual not in expected:
            problems[row["path"]] = VerifyProblem(
                ProblemKind.CHANGED, record.path, record.key, record.sha256, actual
            )
    return problems


def _claims(index: Index) -> FileClaims:
    return FileClaims(index.database)
