"""Archives and the store: Wayback URL grammar, the archive client (snapshot choice, fetching, rate limits, retries), the local store and its SQLite index.

No CLI, no Markdown.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    # The remote client (archive/remote/): the interface, the Wayback client, listings.
    from linkrescue.archive.remote import (
        Archive,
        ArchiveClient,
        Listing,
        RequestCounts,
        Wanted,
        Window,
        archive_identity,
    )

    # WARC export and import (archive/store/warc.py): warcio is imported when first used.
    from linkrescue.archive.store.warc import (
        ExportSummary,
        ImportSummary,
        NotAWarc,
        WarcProblem,
        check_warc,
        export_warc,
        import_warc,
    )

# The local store and the run state (archive/store/, archive/state/).
from linkrescue.archive.state import (
    ALIVE,
    DEAD,
    FETCH,
    LIVE,
    RUN_OUTCOMES,
    UNKNOWN,
    Attempt,
    DocumentCache,
    HistoryPolicy,
    Index,
    IndexedReference,
    IndexedResource,
    KnownDocument,
    ListingBook,
    LiveStanding,
    PageToView,
    RunRecord,
    ScannedDocument,
    StateError,
    StoredSize,
    ViewBook,
    dead_live_links,
    failure_histories,
    failures_in_a_row,
    is_due,
    live_link_standings,
    live_standing,
    next_try,
    outcome_counts,
    rescued_between,
    resources_with,
    stored_size,
    view_counts,
)
from linkrescue.archive.store import (
    NoStoreError,
    ProblemKind,
    Store,
    StoreError,
    StoreLocked,
    StoreUse,
    VerifyProblem,
    deferring,
    holds_store,
    lock_store,
    open_state,
    open_store,
    store_at,
    stored_file_problems,
)

# Sorted (RUF022); the imports above say which room each name comes from.
__all__ = [
    "ALIVE",
    "DEAD",
    "FETCH",
    "LIVE",
    "RUN_OUTCOMES",
    "UNKNOWN",
    "Archive",
    "ArchiveClient",
    "Attempt",
    "DocumentCache",
    "ExportSummary",
    "HistoryPolicy",
    "ImportSummary",
    "Index",
    "IndexedReference",
    "IndexedResource",
    "KnownDocument",
    "Listing",
    "ListingBook",
    "LiveStanding",
    "NoStoreError",
    "NotAWarc",
    "PageToView",
    "ProblemKind",
    "RequestCounts",
    "RunRecord",
    "ScannedDocument",
    "StateError",
    "Store",
    "StoreError",
    "StoreLocked",
    "StoreUse",
    "StoredSize",
    "VerifyProblem",
    "ViewBook",
    "Wanted",
    "WarcProblem",
    "Window",
    "archive_identity",
    "check_warc",
    "dead_live_links",
    "deferring",
    "export_warc",
    "failure_histories",
    "failures_in_a_row",
    "holds_store",
    "import_warc",
    "is_due",
    "live_link_standings",
    "live_standing",
    "lock_store",
    "next_try",
    "open_state",
    "open_store",
    "outcome_counts",
    "rescued_between",
    "resources_with",
    "store_at",
    "stored_file_problems",
    "stored_size",
    "view_counts",
]

#: Names of the remote client, imported when first asked for (PEP 562): the store,
#: the state and the URL grammar are used without a network client (`linkrescue scan`
#: imported httpx and pydantic's URL types for nothing, half its start-up).
_REMOTE = frozenset(
    {"Archive", "ArchiveClient", "Listing", "RequestCounts", "Wanted", "Window", "archive_identity"}
)


#: Names of the WARC export and import, imported when first asked for: warcio takes
#: tens of milliseconds to import, which only ``export`` and ``import`` need.
_WARC = frozenset(
    {
        "ExportSummary",
        "ImportSummary",
        "NotAWarc",
        "WarcProblem",
        "check_warc",
        "export_warc",
        "import_warc",
    }
)


def __getattr__(name: str) -> object:
    if name in _REMOTE:
        from linkrescue.archive import remote

        return getattr(remote, name)
    if name in _WARC:
        from linkrescue.archive.store import warc

        return getattr(warc, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
