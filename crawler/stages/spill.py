"""A temporary file of blobs: what a run keeps from one stage to a later one, off the heap."""

from __future__ import annotations

import tempfile
import weakref
from typing import IO


class Spill:
    """An append-only temporary file of blobs: what a run must keep until a later stage
    without holding it in memory (50,000 documents' rows)."""

    def __init__(self) -> None:
        self._file: IO[bytes] | None = None
        self._end = 0
        self._at_end = True  # a seek flushes the write buffer: only after a read

    def put(self, blob: bytes) -> tuple[int, int]:
        if self._file is None:
            # closed by close(), or when the spill is collected (a run's table of
            # resources lives as long as its report), or with the process: a
            # temporary file has no name, so nothing is left on disk either way
            self._file = tempfile.TemporaryFile(prefix="linkrescue-")  # noqa: SIM115
            weakref.finalize(self, self._file.close)
        if not self._at_end:
            self._file.seek(self._end)
            self._at_end = True
        self._file.write(blob)
        at = (self._end, len(blob))
        self._end += len(blob)
        return at

    def get(self, at: tuple[int, int]) -> bytes:
        assert self._file is not None
        self._at_end = False
        self._file.seek(at[0])
        return self._file.read(at[1])

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
