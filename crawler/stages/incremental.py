"""Incremental reading: a ``rescue`` re-reads only the documents that changed (issue 12, item 4).

A nightly run over 50,000 articles that did not change since the last one read and parsed
every one of them again. Now the store's index keeps, per document, its size,
modification time (ns), SHA-256 and what its scan produced
(:class:`~linkrescue.archive.DocumentCache`; the rows of
:mod:`~linkrescue.crawler.stages.docrows`, before the identity index is applied), and:

- **size and modification time unchanged** → the kept scan is used, the file is not even
  opened. This trusts the stat, as ``make`` and git do: an edit that keeps the size and
  puts the old modification time back (``os.utime``) goes unseen. A file changed within
  two seconds of being read (:data:`RACY_NS`) is never trusted on its stat: it is
  re-hashed (git's "racily clean" rule: the same timestamp tick as the read).
- **size or time changed, same SHA-256** (``touch``, a checkout) → the file is read and
  hashed, not parsed; its new stat is kept.
- **content changed, new, or scanned under other settings** → read and parsed, as cold.

The identity pass still sees every file's name (a document added, removed or renamed
changes which links are internal): the identities come from the kept scan too, and the
identity index is applied to every document's rows afresh each run
(:func:`~linkrescue.crawler.stages.docrows.indexed`). A kept scan also records each file
its resolution asked the disk about (a relative ``images/x.png`` is ``local`` only while
the file exists, :func:`~linkrescue.crawler.stages.resolve.recording_probes`); when the
disk answers otherwise now, the document is parsed again.

The settings digest (:func:`settings_digest`) covers the scan's settings, the store's
location and linkrescue's version: any change makes every kept scan unusable. A
documentation site (``[corpus] content_root``) is always read whole: its internal links
depend on the site's paths as well as on the identity index.

``linkrescue scan`` neither reads nor writes the index; a dry run reads it, never writes.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import pickle
import stat
import time
from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import linkrescue
from linkrescue.archive import DocumentCache, KnownDocument, ScannedDocument
from linkrescue.crawler.config import ScanStageSettings
from linkrescue.crawler.stages import scan as scanning
from linkrescue.crawler.stages.corpus import Identity, Problem
from linkrescue.crawler.stages.corpusindex import CorpusItems
from linkrescue.crawler.stages.docrows import DocRows, Row, indexed, rows_of
from linkrescue.crawler.stages.resolve import recording_probes, store_location
from linkrescue.crawler.stages.scan import Corpus, Identified, index_corpus
from linkrescue.crawler.stages.spill import Spill
from linkrescue.rewriters import NotTextError, decode_document
from linkrescue.rewriters.files import fingerprint

#: The kept blobs' layout; a new one makes every kept scan unusable.
FORMAT = 1
#: In :attr:`CorpusReader.stats`: a symbolic link to a file (``isfile`` yes, ``lstat`` no).
LINK_TO_FILE = -2
#: A file modified less than this before it was read may change again unseen by its stat.
RACY_NS = 2_000_000_000


def settings_digest(config: ScanStageSettings) -> str:
    """What a kept scan depends on besides the document: the scan's settings (not the
    number of workers), where the store is (a reference into it is ``local``), the
    version of linkrescue and of the blobs."""
    store = store_location(config.store_dir, absolute_prefix=config.absolute_prefix)
    settings = replace(config, scan=replace(config.scan, workers=0))
    text = repr((FORMAT, linkrescue.__version__, settings, store))
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(slots=True)
class Reading:
    """How a run read its documents: ``parsed`` (read and scanned), ``reused`` (the kept
    scan, not parsed), of which ``rehashed`` (stat changed, content did not)."""

    parsed: int = 0
    reused: int = 0
    rehashed: int = 0


@dataclass(slots=True)
class Kept:
    """What this run learnt for the index: new scans (in a :class:`Spill`) and new stats.

    A new scan costs 12 bytes of memory until it is written: where its blob is in the
    spill, its walked path inside the blob. A list of (path, offsets) tuples held
    17 MiB at 50,000 articles through the whole reading (issue 12, item 9).
    """

    spill: Spill = field(default_factory=Spill)
    at: array[int] = field(default_factory=lambda: array("q"))
    sizes: array[int] = field(default_factory=lambda: array("I"))
    restat: list[tuple[str, int, int, int]] = field(default_factory=list)

    def add(self, path: str, entry: tuple[Any, ...]) -> None:
        """A new scan of ``path``: ``entry`` is (size, mtime, seen, sha, identity, scan)."""
        at, size = self.spill.put(pickle.dumps((path, *entry)))
        self.at.append(at)
        self.sizes.append(size)

    def write(self, cache: DocumentCache, settings: str) -> None:
        """Keep the new scans and stats in the index (once)."""

        def scanned() -> Iterator[ScannedDocument]:
            for at, length in zip(self.at, self.sizes, strict=True):
                path, size, mtime, seen, sha, identity, scan = pickle.loads(
                    self.spill.get((at, length))
                )
                yield ScannedDocument(os.path.abspath(path), size, mtime, seen, sha, identity, scan)

        cache.remember(settings, scanned(), self.restat)
        self.at, self.sizes, self.restat = array("q"), array("I"), []

    def close(self) -> None:
        self.spill.close()


class CorpusReader:
    """The two passes of the scan for a rescue, reusing what the index kept."""

    def __init__(
        self,
        config: ScanStageSettings,
        cache: DocumentCache | None,
        *,
        on_problem: Callable[[Problem], None],
    ) -> None:
        self.config = config
        self.on_problem = on_problem
        usable = cache is not None and not config.corpus.content_root
        self.cache = cache if usable else None
        self.caching = not config.corpus.content_root
        self.settings = settings_digest(config)
        self.reading = Reading()
        self.kept = Kept()
        self._fresh: set[str] = set()
        #: The working directory, read once: ``os.path.abspath`` asks for it every time.
        self._cwd = os.getcwd()
        #: What ``lstat`` said this reading pass of each path a kept scan probed (documents
        #: share most of the store files they point to: asked once each), kept for the
        #: check of those store files (:meth:`Store.damaged_at`): the size of a regular
        #: file, None when not there, negative for anything else (:data:`LINK_TO_FILE`
        #: a symbolic link to a file). An int, not the ``stat_result``: 135,000 of those
        #: held 140 MiB.
        self.stats: dict[str, int | None] = {}
        #: The corpus :meth:`index` found (set by the caller that keeps it).
        self.corpus = Corpus(CorpusItems(), {})
        #: How a news corpus's document is identified (a documentation site is not kept).
        self._identity = Identity.from_settings(config.corpus)
        #: The workers of both passes, forked once before the corpus is held; ended by
        #: the caller once the reading is done (``workers.close()``).
        self.workers = scanning.WorkerPool(scanning.workers_of(config), (config, {}, False))

    # --- identities ------------------------------------------------------------------

    def index(self, roots: Sequence[Path]) -> Corpus:
        """Walk ``roots`` and take every document's identity, from the index when its
        stat (or, failing that, its hash) says it did not change."""
        known = self.cache.known(self.settings) if self.cache is not None else {}
        return index_corpus(
            roots,
            self.config,
            on_problem=self.on_problem,
            identify=lambda p: self._identify(p, known),
        )

    def _identify(
        self, paths: Iterator[str], known: dict[str, KnownDocument]
    ) -> Iterator[Identified]:
        order: list[tuple[str, Identified | None]] = []
        asks: list[tuple[str, bytes | None]] = []
        kept: dict[str, Identified] = {}
        absolute = self._key
        for path in paths:
            key = absolute(path)
            entry = known.get(key)
            identified = _identity_blob(entry.identity, path) if entry is not None else None
            if entry is not None and identified is not None:
                try:
                    st = os.stat(path)
                except OSError:
                    pass
                else:
                    if stat.S_ISREG(st.st_mode):
                        # A kept scan's probes name other documents (an internal link
                        # rewritten to ``../slug.md``: 32,013 of 135,334 probes at 50,000
                        # articles): this look answers them (a file), no ``lstat`` again.
                        # No document lives in a store (the walk skips it), so the
                        # store's quick check never reads these entries.
                        self.stats[key] = st.st_size
                    same = st.st_size == entry.size and st.st_mtime_ns == entry.mtime_ns
                    if same and entry.mtime_ns < entry.seen_ns - RACY_NS:
                        self._fresh.add(path)
                        order.append((path, identified))
                        continue
                kept[path] = identified
            order.append((path, None))
            asks.append((path, entry.sha256 if path in kept and entry is not None else None))
            if len(asks) == scanning.POOL_THRESHOLD and self.workers.workers > 1:
                # enough to ask that the pool will: forked now, not once every path is
                # held here (a worker forked after the walk of 50,000 articles started
                # at 66 MiB RSS, 14 of them this list and the paths, issue 12)
                self.workers.start()
        answers = scanning.mapped(
            _identity_checked,
            asks,
            len(asks),
            self.workers.workers,
            (self.config, {}, False),
            pool=self.workers,
        )
        try:
            for path, identified in order:
                if identified is not None:
                    yield identified
                    continue
                answer = next(answers)
                if answer[0] == "same":  # touched, not changed: not parsed
                    _, size, mtime, seen = answer
                    self._fresh.add(path)
                    self.reading.rehashed += 1
                    self.kept.restat.append((self._key(path), size, mtime, seen))
                    yield kept[path]
                else:
                    yield answer[1]
        finally:
            answers.close()

    # --- references ------------------------------------------------------------------

    def rows(self, corpus: Corpus) -> Iterator[DocRows]:
        """Every document's rows with the identity index applied, in the corpus order;
        new scans are kept (:attr:`kept`) for the index."""
        docsite = bool(self.config.corpus.content_root)
        initargs = (self.config, corpus.index if docsite else {}, False)
        fresh = self._fresh
        # a stream, not a list: the items are made as tuples when read (CorpusItems), and
        # a list of 50,000 of them would be held through the whole reading
        items = corpus.items
        count = sum(1 for path in items.paths if path not in fresh)
        pending = ((p, items.address(n)) for n, p in enumerate(items.paths) if p not in fresh)
        read = scanning.mapped(
            _rows_worker, pending, count, self.workers.workers, initargs, pool=self.workers
        )
        in_main = False
        batch: dict[str, bytes] = {}
        upcoming = (path for path in items.paths if path in fresh)
        try:
            for number, path in enumerate(items.paths):
                doc = None
                if path in self._fresh:
                    if path not in batch:  # the next 500 kept scans, in one query
                        batch = self._batch(path, upcoming)
                    doc = self._reused(path, batch.get(path), probed=True)
                if doc is None:
                    address = items.address(number)
                    if path in self._fresh:  # the disk answers otherwise: parse again
                        if not in_main:
                            scanning.init_worker(*initargs)
                            in_main = True
                        answer = _rows_worker((path, address))
                    else:
                        answer = next(read)
                    doc = self._parsed(answer, address, path)
                else:
                    self.reading.reused += 1
                doc.rows = indexed(doc.rows, corpus.index) if not docsite else doc.rows
                doc.number = number
                yield doc
        finally:
            read.close()

    def reloader(self, cache: DocumentCache) -> Callable[[str], DocRows | None]:
        """Reads a document's kept rows again (the rewrite's plan of an unchanged
        document), the identity index applied; None when the index no longer has them."""

        def reload(path: str) -> DocRows | None:
            doc = self._reused(path, cache.scan_of(os.path.abspath(path), self.settings))
            if doc is not None:
                doc.rows = indexed(doc.rows, self.corpus.index)
            return doc

        return reload

    def _key(self, path: str) -> str:
        """The index's key of walked ``path``: made absolute again when needed, not
        held (a dict of 50,000 absolute paths was 12 MiB through the reading, issue 12)."""
        return os.path.normpath(os.path.join(self._cwd, path))

    def _batch(self, first: str, upcoming: Iterator[str]) -> dict[str, bytes]:
        """The kept scans of ``first`` and the next fresh documents (by walked path)."""
        if self.cache is None:
            return {}
        paths = [first, *itertools.islice(upcoming, 499)]
        keys = [self._key(p) for p in paths]
        found = self.cache.scans_of(keys, self.settings)
        return {p: found.get(k, b"") for p, k in zip(paths, keys, strict=True)}

    def _reused(self, path: str, blob: bytes | None, *, probed: bool = False) -> DocRows | None:
        """The kept rows of ``path``, unless the disk now answers one of its probes
        otherwise; ``probed``: reuse the answers had this pass (the rewrite's reload,
        after the fetching placed new files, asks the disk afresh)."""
        if not blob:
            return None
        fmt, near, digest, reasons, rows, probes = pickle.loads(blob)
        if fmt != FORMAT:
            return None
        for probe, found in probes:
            if not probed:
                now = os.path.isfile(probe)
            elif probe in self.stats:
                size = self.stats[probe]
                now = size is not None and (size >= 0 or size == LINK_TO_FILE)
            else:
                now = self._probe(probe)
            if now is not found:
                return None
        problems = [Problem(path, reason) for reason in reasons]
        return DocRows(path, True, near, digest, problems, rows, reused=True)

    def _probe(self, path: str) -> bool:
        """``os.path.isfile(path)``, what ``lstat`` said kept in :attr:`stats`."""
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            self.stats[path] = None
            return False
        except (OSError, ValueError):
            return False
        if stat.S_ISREG(st.st_mode):
            self.stats[path] = st.st_size
            return True
        found = stat.S_ISLNK(st.st_mode) and os.path.isfile(path)
        self.stats[path] = LINK_TO_FILE if found else -1
        return found

    def _parsed(
        self, answer: tuple[DocRows, tuple[Any, ...] | None], address: str | None, path: str
    ) -> DocRows:
        doc, entry = answer
        # the walked path the corpus holds, not the worker's copy of it: the table of
        # resources, the plans and the kept scans hold it too (7 MiB of copies at
        # 50,000 articles, issue 12)
        if doc.path == path:
            doc.path = path
        self.reading.parsed += 1
        if entry is not None and self.caching:
            size, mtime, seen, sha, scan = entry
            ident = self._identity.of_url(address) if address is not None else None
            identity = pickle.dumps((doc.path, address, ident, ()))
            # the walked path, made absolute when written
            self.kept.add(doc.path, (size, mtime, seen, sha, identity, scan))
        return doc


def _identity_blob(blob: bytes, path: str) -> Identified | None:
    """A kept identity, if it was kept for ``path`` as walked now (the same spelling)."""
    walked, address, ident, others = pickle.loads(blob)
    if walked != path:
        return None
    return (path, address, ident, tuple(others))


# --- worker side -------------------------------------------------------------------------


def _identity_checked(item: tuple[str, bytes | None]) -> tuple[Any, ...]:
    """A document's identity; for one kept with hash ``sha``, ``("same", size, mtime,
    seen)`` when its content still has that hash (a ``touch``: not parsed)."""
    path, sha = item
    if sha is not None:
        seen = time.time_ns()
        try:
            st = os.stat(path)
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError:
            pass
        else:
            if hashlib.sha256(data).digest() == sha:
                return ("same", st.st_size, st.st_mtime_ns, seen)
    return ("new", scanning.identity_of(path))


def _rows_worker(item: tuple[str, str | None]) -> tuple[DocRows, tuple[Any, ...] | None]:
    """Read and scan one document into rows; with what the index may keep of it (its
    stat before the read, its hash, and the scan blob), unless it could not be read."""
    path, address = item
    config: ScanStageSettings = scanning.worker_config()
    docsite = scanning.worker_docsite()
    seen = time.time_ns()
    max_bytes = config.scan.max_file_bytes
    entry: tuple[Any, ...] | None = None
    read: tuple[str, bytes] | Problem
    data = b""
    size = mtime = 0
    try:
        st = os.stat(path)
        size, mtime = st.st_size, st.st_mtime_ns
        if size > max_bytes:
            read = Problem(
                path, f"file is too large ({size} bytes; [scan] max_file_bytes is {max_bytes})"
            )
        else:
            with open(path, "rb") as fh:
                data = fh.read()
            try:
                read = decode_document(data), fingerprint(data)
            except NotTextError as exc:
                read = Problem(path, str(exc))
    except OSError as exc:
        read = Problem(path, f"cannot read: {exc.strerror or exc}")
    probes: list[tuple[str, bool]] = []
    recording_probes(probes)
    try:
        result = scanning.scan_read(path, address, read)
    finally:
        recording_probes(None)
    rows: list[Row] = rows_of(result.records, None if docsite else scanning.worker_identity())
    doc = DocRows(path, result.readable, result.near, result.digest, result.problems, rows)
    if result.readable and not docsite:
        reasons = [p.reason for p in result.problems]
        scan = pickle.dumps((FORMAT, result.near, result.digest, reasons, rows, probes))
        entry = (size, mtime, seen, hashlib.sha256(data).digest(), scan)
    return doc, entry
