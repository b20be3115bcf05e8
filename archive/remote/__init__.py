"""The remote client: Wayback URL grammar in use, CDX lookups and listings, snapshot
choice, ``id_`` playback, transport, rate limits and retries.

It never imports :mod:`linkrescue.archive.store` or :mod:`linkrescue.archive.state`:
what it fetches it hands to a sink, and the crawler commits it. The crawler uses an
archive through :class:`Archive` (the interface) and opens the Wayback one as
:class:`ArchiveClient`.
"""

from linkrescue.archive.remote.archive import Archive
from linkrescue.archive.remote.listings import Listing, Wanted, Window
from linkrescue.archive.remote.probe import archive_identity
from linkrescue.archive.remote.transport import RequestCounts
from linkrescue.archive.remote.wayback import ArchiveClient

__all__ = [
    "Archive",
    "ArchiveClient",
    "Listing",
    "RequestCounts",
    "Wanted",
    "Window",
    "archive_identity",
]
