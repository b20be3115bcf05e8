"""The one way in to a store folder: is there a store, open it to read, open it for a run.

Every command that touches a store comes through here instead of looking for
``index.sqlite3`` by hand (``verify``, ``restore``, what a rescue already knows, the
store location a scan resolves references against), so that what "there is a store"
means is decided once. The nightly run lock (one run per store at a time) is
:mod:`linkrescue.archive.store.lock`, taken by a run before it scans, not here: a
second run must stop at once, not after its scan.

Opening to read never creates anything: a dry run, or a run that ends before its
first request (offline, a wrong archive URL), leaves no store behind.
"""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path

from linkrescue.archive.state.index import Index
from linkrescue.archive.store.errors import StoreError
from linkrescue.archive.store.paths import INDEX_FILENAME
from linkrescue.archive.store.store import Store

__all__ = ["NoStoreError", "StoreUse", "open_state", "open_store", "store_at"]


class NoStoreError(StoreError):
    """The folder holds no store (no ``index.sqlite3``): there is nothing to read."""

    def __init__(self, root: Path) -> None:
        super().__init__(f"{root}: no store here (no {INDEX_FILENAME})")
        self.root = root


class StoreUse(StrEnum):
    """What a store is opened for."""

    #: An existing store, as it is (``verify``, ``verify --repair``): no store, no opening.
    EXISTING = "existing"
    #: A rescue run: the store is created when absent (under the run lock, lock.py).
    RUN = "run"


def store_at(root: Path) -> Path | None:
    """The real path of the store at ``root``, or None when no store is there yet."""
    real = Path(os.path.realpath(root))
    return real if (real / INDEX_FILENAME).is_file() else None


def open_store(root: Path, use: StoreUse) -> Store:
    """The store at ``root``, opened for ``use``; :class:`NoStoreError` for an
    :attr:`StoreUse.EXISTING` store that is not there."""
    if use is StoreUse.EXISTING and store_at(root) is None:
        raise NoStoreError(root)
    return Store(root)


def open_state(root: Path) -> Index:
    """The run state of the existing store at ``root``, to read what it knows (what
    was rescued, what each rewrite replaced) without opening the store's files: no
    staging folder is made. :class:`NoStoreError` when no store is there."""
    if store_at(root) is None:
        raise NoStoreError(root)
    return Index(root / INDEX_FILENAME)
