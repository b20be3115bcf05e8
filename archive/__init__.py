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

# The local store and the run state (archive/store/, archive/state/).
from linkrescue.archive.state import (
    RUN_OUTCOMES,
    DocumentCache,
    Index,
    IndexedReference,
    IndexedResource,
    KnownDocument,
    RunRecord,
    ScannedDocument,
    StateError,
)
from linkrescue.archive.store import (
    NoStoreError,
    ProblemKind,
    Store,
    StoreError,
    StoreUse,
    VerifyProblem,
    holds_store,
    open_state,
    open_store,
    store_at,
    stored_file_problems,
)

# Sorted (RUF022); the imports above say which room each name comes from.
__all__ = [
    "RUN_OUTCOMES",
    "Archive",
    "ArchiveClient",
    "DocumentCache",
    "Index",
    "IndexedReference",
    "IndexedResource",
    "KnownDocument",
    "Listing",
    "NoStoreError",
    "ProblemKind",
    "RequestCounts",
    "RunRecord",
    "ScannedDocument",
    "StateError",
    "Store",
    "StoreError",
    "StoreUse",
    "VerifyProblem",
    "Wanted",
    "Window",
    "archive_identity",
    "holds_store",
    "open_state",
    "open_store",
    "store_at",
    "stored_file_problems",
]

#: Names of the remote client, imported when first asked for (PEP 562): the store,
#: the state and the URL grammar are used without a network client (`linkrescue scan`
#: imported httpx and pydantic's URL types for nothing, half its start-up).
_REMOTE = frozenset(
    {"Archive", "ArchiveClient", "Listing", "RequestCounts", "Wanted", "Window", "archive_identity"}
)


def __getattr__(name: str) -> object:
    if name in _REMOTE:
        from linkrescue.archive import remote

        return getattr(remote, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
