"""The run's state: one SQLite database (``index.sqlite3``) and its schema
(:mod:`~linkrescue.archive.state.database`, :mod:`~linkrescue.archive.state.schema`);
resources, attempts and the rewrite ledger (``refs``) (:mod:`~linkrescue.archive.state.index`),
and next the nightly runs, lock and budgets.

The store builds on it (its files table shares the database); it never imports
:mod:`linkrescue.archive.store` nor :mod:`linkrescue.archive.remote`.
"""

from linkrescue.archive.state.database import Database
from linkrescue.archive.state.documents import DocumentCache, KnownDocument, ScannedDocument
from linkrescue.archive.state.errors import IndexVersionError, StateError
from linkrescue.archive.state.index import Index
from linkrescue.archive.state.schema import (
    RUN_OUTCOMES,
    Attempt,
    Clock,
    IndexedReference,
    IndexedResource,
    RunRecord,
)

__all__ = [
    "RUN_OUTCOMES",
    "Attempt",
    "Clock",
    "Database",
    "DocumentCache",
    "Index",
    "IndexVersionError",
    "IndexedReference",
    "IndexedResource",
    "KnownDocument",
    "RunRecord",
    "ScannedDocument",
    "StateError",
]
