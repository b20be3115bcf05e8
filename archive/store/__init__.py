"""The local store: browsable paths, durable file steps, content-addressed objects,
the files table, verification, and the one entrance that opens a store folder.

Built on :mod:`linkrescue.archive.state` (its files table lives in the state's one
database, so a file and its rescue are recorded in one transaction); it never
imports :mod:`linkrescue.archive.remote`: the store keeps what it is given.
"""

from linkrescue.archive.model import StoredResource
from linkrescue.archive.store.entrance import (
    NoStoreError,
    StoreUse,
    open_state,
    open_store,
    store_at,
)
from linkrescue.archive.store.errors import StoreError, StoreIntegrityError, StorePathError
from linkrescue.archive.store.files import FileRecord
from linkrescue.archive.store.fs import StagingFile
from linkrescue.archive.store.inspect import stored_file_problems
from linkrescue.archive.store.lock import LOCK_FILENAME, RunLock, StoreLocked, lock_store
from linkrescue.archive.store.paths import INDEX_FILENAME, deferring, holds_store
from linkrescue.archive.store.store import ProblemKind, Store, VerifyProblem

__all__ = [
    "INDEX_FILENAME",
    "LOCK_FILENAME",
    "FileRecord",
    "NoStoreError",
    "ProblemKind",
    "RunLock",
    "StagingFile",
    "Store",
    "StoreError",
    "StoreIntegrityError",
    "StoreLocked",
    "StorePathError",
    "StoreUse",
    "StoredResource",
    "VerifyProblem",
    "deferring",
    "holds_store",
    "lock_store",
    "open_state",
    "open_store",
    "store_at",
    "stored_file_problems",
]
