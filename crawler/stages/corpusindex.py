"""The corpus's documents and its identity index, held compactly: they stay in memory
from the identity pass to the run's end.

Held as a list of ``(path, address)`` tuples and a dict of identity strings, the corpus
was 31 MiB at 50,000 articles (about 650 bytes a document: the tuple, the address and
the identity as strings of their own, the dict's entry), a third of what the reading
left in the rescue's main process and most of its growth from 10,000 to 50,000
articles (issue 12, item 9: ×1.3 at most; docs/BENCHMARKS.md). Here:

- :class:`CorpusItems` keeps the paths as strings (the rest of a run shares them) and
  the addresses in a temporary file; an item is made as a tuple when it is read;
- :class:`IdentityIndex` keeps no identity string: a sorted array of the first 64
  bits of each identity's BLAKE2b digest, the next 64 bits beside it (a lookup
  compares both: a false match needs 128 bits to agree) and the document's number,
  with a bitmap of CRC-32s in front that turns most identities away at once.
  BLAKE2b, not ``hash()``: the index is pickled to the scan's workers, which are
  spawned where fork is missing and would ``hash()`` strings otherwise.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
import weakref
import zlib
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import IO

from linkrescue.crawler.views import MadeOnRead

Item = tuple[str, str | None]
#: Addresses gathered before they are written to the file (about 500 of them).
_FLUSH = 64 * 1024


class CorpusItems(MadeOnRead[Item]):
    """The walked documents, in walk order, as ``(path, own address or None)``.

    The addresses are in a temporary file: a document's is read when it is parsed (in
    the reading, by the rewrite if the document changed meanwhile); one unchanged since
    the last run never needs it. Read with ``os.pread``, which moves no file position:
    the scan's pool takes the items it maps in a thread of its own while the main
    thread reads others.
    """

    def __init__(self, items: Iterable[Item] = ()) -> None:
        self.paths: list[str] = []
        self._file: IO[bytes] | None = None
        self._written = 0  # bytes in the file; the rest of the addresses still in _tail
        self._tail = bytearray()
        self._lock = threading.Lock()
        # where each address ends (it starts where the one before ends)
        self._ends = array("Q")
        self._none = bytearray()  # 1: a document without an address
        for item in items:
            self.append(item)

    def append(self, item: Item) -> None:
        path, address = item
        self.paths.append(path)
        self._none.append(address is None)
        if address is not None:
            self._tail += address.encode("utf-8")
            if len(self._tail) >= _FLUSH:
                with self._lock:
                    self._flush()
        self._ends.append(self._written + len(self._tail))

    def _flush(self) -> None:
        if self._file is None:
            # a temporary file has no name: nothing is left on disk, however the run ends
            self._file = tempfile.TemporaryFile(prefix="linkrescue-")  # noqa: SIM115
            weakref.finalize(self, self._file.close)
        os.pwrite(self._file.fileno(), self._tail, self._written)
        self._written += len(self._tail)
        self._tail.clear()

    def address(self, number: int) -> str | None:
        """Document ``number``'s own address."""
        if self._none[number]:
            return None
        start = self._ends[number - 1] if number else 0
        end = self._ends[number]
        if start == end:
            return ""
        with self._lock:
            if end <= self._written:
                assert self._file is not None
                raw = os.pread(self._file.fileno(), end - start, start)
            elif start >= self._written:
                raw = bytes(self._tail[start - self._written : end - self._written])
            else:  # across the last write: the file's part and the tail's
                assert self._file is not None
                raw = os.pread(self._file.fileno(), self._written - start, start)
                raw += self._tail[: end - self._written]
        return raw.decode("utf-8")

    def __len__(self) -> int:
        return len(self.paths)

    def _at(self, index: int) -> Item:
        return self.paths[index], self.address(index)


def _digest(identity: bytes) -> bytes:
    return hashlib.blake2b(identity, digest_size=16).digest()


class IdentityIndex(Mapping[str, str]):
    """Identity (:func:`~linkrescue.archive.urls.identity_key`) → the path of the document
    that has it: the corpus's internal links. Read only once built (:meth:`build`).

    Nearly every identity asked is not there (a link to another site): a bitmap of
    CRC-32s (64 bits a document, about 1.5% false positives) answers those without
    digesting; a second run over an unchanged 50,000-article corpus asks it 250,000
    times (issue 12, item 4). Iterating it is not possible (no identity is kept);
    nothing does: the scan and the rescue only ask it (``get``) and whether it is empty.
    """

    def __init__(self, paths: Sequence[str], size: int = 0) -> None:
        self._paths = paths
        self._high = array("Q")
        self._low = array("Q")
        self._doc = array("I")
        self._mask = (1 << max(10, (size * 64).bit_length())) - 1
        self._bits = bytearray((self._mask + 1) // 8)

    @classmethod
    def build(
        cls, paths: Sequence[str], entries: Iterable[tuple[str, int]]
    ) -> tuple[IdentityIndex, list[tuple[int, int, int]]]:
        """The index of ``entries`` (identity, document number), the first entry of an
        identity winning; and the entries that lost, as (their place in ``entries``,
        their document, the winner's), in the order given (a documentation site names
        them). Each identity is digested as it comes: none is held."""
        keys: list[bytes] = []  # digest + place in entries: sorted, the first place wins
        docs = array("I")
        crcs = array("I")
        for order, (identity, doc) in enumerate(entries):
            raw = identity.encode("utf-8")
            keys.append(_digest(raw) + order.to_bytes(4, "big"))
            docs.append(doc)
            crcs.append(zlib.crc32(raw))
        keys.sort()
        index = cls(paths, len(keys))
        bits, mask = index._bits, index._mask
        for crc in crcs:
            bits[(crc & mask) >> 3] |= 1 << (crc & 7)
        lost: list[tuple[int, int, int]] = []
        last = b""
        for key in keys:
            order = int.from_bytes(key[16:], "big")
            if key[:16] == last:
                lost.append((order, docs[order], index._doc[-1]))
                continue
            last = key[:16]
            index._high.append(int.from_bytes(key[:8], "big"))
            index._low.append(int.from_bytes(key[8:16], "big"))
            index._doc.append(docs[order])
        return index, sorted(lost)

    def number(self, identity: str) -> int | None:
        """The document number of ``identity``, or None."""
        raw = identity.encode("utf-8")
        crc = zlib.crc32(raw) & self._mask
        if not self._bits[crc >> 3] & (1 << (crc & 7)):
            return None
        digest = _digest(raw)
        high = int.from_bytes(digest[:8], "big")
        low = int.from_bytes(digest[8:], "big")
        at = bisect_left(self._high, high)
        while at < len(self._high) and self._high[at] == high:
            if self._low[at] == low:
                return self._doc[at]
            at += 1
        return None

    def get(self, identity: str, default: str | None = None) -> str | None:  # type: ignore[override]
        number = self.number(identity)
        return default if number is None else self._paths[number]

    def __getitem__(self, identity: str) -> str:
        number = self.number(identity)
        if number is None:
            raise KeyError(identity)
        return self._paths[number]

    def __contains__(self, identity: object) -> bool:
        return isinstance(identity, str) and self.number(identity) is not None

    def __len__(self) -> int:
        return len(self._high)

    def __iter__(self) -> Iterator[str]:
        raise TypeError("an IdentityIndex keeps no identities to iterate")

    def __eq__(self, other: object) -> bool:
        """Equal to an index of the same entries. Asked when the scan's worker pool is
        reused for the next pass (its settings compared); Mapping's own ``__eq__``
        would iterate."""
        if not isinstance(other, IdentityIndex):
            return NotImplemented
        return (self._high, self._low, self._doc, list(self._paths)) == (
            other._high,
            other._low,
            other._doc,
            list(other._paths),
        )

    __hash__ = None  # type: ignore[assignment]
