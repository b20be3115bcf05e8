"""Archives and the store: Wayback URL grammar, the archive client (snapshot choice, fetching, rate limits, retries), the local store and its SQLite index.

No CLI, no Markdown.
"""

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

__all__ = [
    # the remote client
    "Archive",
    "ArchiveClient",
    "Listing",
    "RequestCounts",
    "Wanted",
    "Window",
    "archive_identity",
]
