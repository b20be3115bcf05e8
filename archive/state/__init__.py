"""The run's state: one SQLite database (``index.sqlite3``) and its schema
(:mod:`~linkrescue.archive.state.database`, :mod:`~linkrescue.archive.state.schema`);
resources, attempts and the rewrite ledger (``refs``) (:mod:`~linkrescue.archive.state.index`),
what a resource's attempts say now (:mod:`~linkrescue.archive.state.history`),
and next the nightly runs, lock and budgets.

The store builds on it (its files table shares the database); it never imports
:mod:`linkrescue.archive.store` nor :mod:`linkrescue.archive.remote`.
"""

from linkrescue.archive.state.database import Database
from linkrescue.archive.state.documents import DocumentCache, KnownDocument, ScannedDocument
from linkrescue.archive.state.errors import IndexVersionError, StateError
from linkrescue.archive.state.history import (
    HistoryPolicy,
    LiveStanding,
    failures_in_a_row,
    is_due,
    live_standing,
    next_try,
)
from linkrescue.archive.state.index import Index
from linkrescue.archive.state.listings import ListingBook
from linkrescue.archive.state.overview import (
    StoredSize,
    dead_live_links,
    failure_histories,
    live_link_standings,
    outcome_counts,
    rescued_between,
    resources_with,
    stored_size,
    view_counts,
)
from linkrescue.archive.state.schema import (
    ALIVE,
    CHECK,
    DEAD,
    FETCH,
    LIVE,
    RUN_OUTCOMES,
    UNKNOWN,
    Attempt,
    Clock,
    IndexedReference,
    IndexedResource,
    RunRecord,
)
from linkrescue.archive.state.views import PageToView, ViewBook

__all__ = [
    "ALIVE",
    "CHECK",
    "DEAD",
    "FETCH",
    "LIVE",
    "RUN_OUTCOMES",
    "UNKNOWN",
    "Attempt",
    "Clock",
    "Database",
    "DocumentCache",
    "HistoryPolicy",
    "Index",
    "IndexVersionError",
    "IndexedReference",
    "IndexedResource",
    "KnownDocument",
    "ListingBook",
    "LiveStanding",
    "PageToView",
    "RunRecord",
    "ScannedDocument",
    "StateError",
    "StoredSize",
    "ViewBook",
    "dead_live_links",
    "failure_histories",
    "failures_in_a_row",
    "is_due",
    "live_link_standings",
    "live_standing",
    "next_try",
    "outcome_counts",
    "rescued_between",
    "resources_with",
    "stored_size",
    "view_counts",
]
