"""Replacing a document on disk: atomically, and never over someone else's change.

The rewrite touches people's only copy of their articles. The new text goes to
a temporary file in the same folder (same file system, so the rename is atomic),
is fsynced, takes the old file's mode bits, and is renamed over the old file;
the folder is fsynced so the rename survives a power cut
(:func:`linkrescue.atomic.write_atomically`). Just before the
rename the file is read again: if it is not byte for byte what the rewrite was
computed from (an editor saved it meanwhile), nothing is replaced.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import os
import stat
from collections.abc import Iterable
from pathlib import Path

from linkrescue.atomic import write_atomically
from linkrescue.rewriters.errors import DocumentChangedError

TEMP_SUFFIX = ".linkrescue-tmp"


def fingerprint(data: bytes) -> bytes:
    """A digest of a document's bytes: whether it still holds what a rewrite was planned on.

    The rescue scans every document once, fetches for minutes or hours, then
    rewrites from what the scan found (offsets, syntax, resources): the document is
    read again and compared by this digest, so a change made meanwhile (an editor's
    save) is noticed even when it keeps every span in place.
    """
    return hashlib.blake2b(data, digest_size=16).digest()


def sweep_temporaries(path: Path) -> int:
    """Delete temporary files a killed run left beside ``path``; returns how many.

    A temporary is named ``.<name>.<pid>.<random>.linkrescue-tmp``: one whose
    process is gone is garbage (a run killed between writing and renaming);
    one whose process still runs belongs to a concurrent run and is left alone.
    """
    return _sweep(path.parent.glob(f".{glob.escape(path.name)}.*{TEMP_SUFFIX}"))


def sweep_folder(folder: Path) -> int:
    """Delete every temporary a killed run left in ``folder``, whichever document it
    was for: also one the user deleted or renamed since, whose own rewrite would never
    come to sweep it (a SIGKILL between write and rename leaves one; issue 14)."""
    return _sweep(folder.glob(f".*{TEMP_SUFFIX}"))


def _sweep(candidates: Iterable[Path]) -> int:
    removed = 0
    for candidate in candidates:
        # ".<name>.<pid>.<random>" + suffix; the name may hold dots, the random part not
        owner = candidate.name[: -len(TEMP_SUFFIX)].rsplit(".", 2)
        if len(owner) == 3 and owner[1].isdigit() and _alive(int(owner[1])):
            continue
        with contextlib.suppress(FileNotFoundError):
            candidate.unlink()
            removed += 1
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def replace_document(path: Path, new_text: str, *, was: bytes) -> None:
    """Write ``new_text`` (UTF-8, newlines as they are) over ``path`` if it still holds ``was``."""
    mode = stat.S_IMODE(os.stat(path).st_mode)
    sweep_temporaries(path)

    def unchanged() -> None:
        if path.read_bytes() != was:
            raise DocumentChangedError(f"{path}: changed on disk since it was read; not rewritten")

    write_atomically(
        path,
        new_text.encode("utf-8"),
        mode=mode,
        prefix=f".{path.name}.{os.getpid()}.",
        suffix=TEMP_SUFFIX,
        check=unchanged,
    )
