"""What a user compares after a run: the store's browsable files and their bytes."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def store_files(store: Path, archive_as: tuple[str, str] | None = None) -> dict[str, str]:
    """The store's browsable files (what a user opens), relative path -> SHA-256; the
    index and the store's own folders (``.objects``, ``.staging``) left out.

    ``archive_as`` (``(seen, meant)``): a run through a proxy wrote the proxy's address
    ``seen`` where a direct run writes the archive's ``meant`` (the archive's view of a
    capture, in a rescued page's view): hashed as if it had written ``meant``."""
    found = {}
    for folder, dirs, names in os.walk(store):
        dirs[:] = [d for d in dirs if d not in (".staging", ".objects")]
        for name in names:
            path = Path(folder, name)
            rel = path.relative_to(store).as_posix()
            if not rel.startswith("index.sqlite3"):
                data = path.read_bytes()
                if archive_as is not None:
                    data = data.replace(archive_as[0].encode(), archive_as[1].encode())
                found[rel] = hashlib.sha256(data).hexdigest()
    return dict(sorted(found.items()))


def capture_bytes(store: Path, sha256: str) -> bytes:
    """A capture's own bytes, as the store keeps them in its content object (a page's
    browsable file holds its view instead: issue 13)."""
    return (store / ".objects" / sha256[:2] / sha256).read_bytes()
