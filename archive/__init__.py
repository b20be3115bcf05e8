"""Archives and the store: Wayback URL grammar, the archive client (snapshot choice, fetching, rate limits, retries), the local store and its SQLite index.

No CLI, no Markdown.
"""

# --- the local store and the run state (archive/store, archive/state) ---------------
from linkrescue.archive.state import Index, IndexedReference, IndexedResource, StateError
from linkrescue.archive.store import (
    NoStoreError,
    Store,
    StoreError,
    StoreUse,
    VerifyProblem,
    holds_store,
    open_state,
    open_store,
    store_at,
)

__all__ = [
    # the local store and the run state
    "Index",
    "IndexedReference",
    "IndexedResource",
    "NoStoreError",
    "StateError",
    "Store",
    "StoreError",
    "StoreUse",
    "VerifyProblem",
    "holds_store",
    "open_state",
    "open_store",
    "store_at",
]
