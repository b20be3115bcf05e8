"""What a user compares after a run: the store's browsable files and their bytes."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def store_files(store: Path) -> dict[str, str]:
    """The store's browsable files (what a user opens), relative path -> SHA-256; the
    index and the store's own folders (``.objects``, ``.staging``) left out."""
    found = {}
    for folder, dirs, names in os.walk(store):
        dirs[:] = [d for d in dirs if d not in (".staging", ".objects")]
        for name in names:
            path = Path(folder, name)
            rel = path.relative_to(store).as_posix()
            if not rel.startswith("index.sqlite3"):
                found[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return dict(sorted(found.items()))
