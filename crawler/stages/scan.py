"""The inventory: every reference of every document, resolved, streamed.

Two passes over the corpus, both in a process pool:

1. *identities*: each document's own address (frontmatter only, read cheaply), so
   that a link to another document of the corpus can be recognised as internal;
2. *references*: each document read into references with exact spans and each
   reference resolved. Workers return finished output (UTF-8 JSON lines, or rows for
   the table) per file, in the input order, so the main process only writes.

Memory stays flat in corpus size: no list of file contents, only the identity
index (one short string per document) and counters.
"""

from __future__ import annotations

import gc
import itertools
import multiprocessing
import os
import signal
from collections import Counter
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from hashlib import blake2b
from json.encoder import encode_basestring as _encode_string  # the C escaper json uses
from pathlib import Path
from typing import Any, TypeVar

from linkrescue.archive.timestamps import to_timestamp
from linkrescue.crawler.config import ScanStageSettings
from linkrescue.crawler.stages.corpus import Identity, Problem, iter_documents
from linkrescue.crawler.stages.corpusindex import CorpusItems, IdentityIndex
from linkrescue.crawler.stages.docsite import Site, site_frontmatter
from linkrescue.crawler.stages.resolve import (
    Resolution,
    Status,
    document_address,
    resolve,
    store_location,
)
from linkrescue.rewriters import (
    NotTextError,
    decode_document,
    find_frontmatter,
    identity_value,
    read_document,
)
from linkrescue.rewriters.files import fingerprint
from linkrescue.rewriters.model import Reference

T = TypeVar("T")

#: Below this many documents a pool costs more than it saves.
POOL_THRESHOLD = 64


@dataclass(frozen=True, slots=True)
class Record:
    """One reference with its resolution: the scan contract's record."""

    file: str
    ref: Reference
    res: Resolution
    document: str | None
    #: An internal link of a documentation site (``[corpus] content_root``): it works on
    #: the published site as written, so a rewrite leaves it (it would point it at the
    #: Markdown file, which the site does not serve).
    on_site: bool = False

    def as_dict(self) -> dict[str, Any]:
        """The contract's field names and values (json/jsonl output)."""
        ref, res = self.ref, self.res
        archive = None
        if res.archive is not None:
            archive = {
                "root": res.archive.root,
                "timestamp": res.archive.timestamp,
                "modifier": res.archive.modifier,
            }
        return {
            "file": self.file,
            "line": ref.line,
            "column": ref.column,
            "start": ref.start,
            "end": ref.end,
            "kind": ref.kind.value,
            "element": ref.element,
            "attribute": ref.attribute,
            "key": ref.key,
            "raw": ref.raw,
            "url": res.url,
            "resource": res.key,
            "archive": archive,
            "status": res.status.value,
            "document": self.document,
            "reason": res.reason,
            "definition": _definition(ref),
        }

    def json_line(self, file_json: str) -> str:
        """:meth:`as_dict` as one JSON line, written directly (``file_json``: the file, encoded once).

        Same text as ``json.dumps(self.as_dict(), ensure_ascii=False)``; a scan writes
        a quarter of a million of these, and building a dict for each first cost a
        tenth of the scan's time.
        """
        ref, res = self.ref, self.res
        archive = "null"
        if res.archive is not None:
            layer = res.archive
            archive = (
                f'{{"root": {_s(layer.root)}, "timestamp": {_s(layer.timestamp)}, '
                f'"modifier": {_s(layer.modifier)}}}'
            )
        return (
            f'{{"file": {file_json}, "line": {ref.line}, "column": {ref.column}, '
            f'"start": {ref.start}, "end": {ref.end}, "kind": "{ref.kind.value}", '
            f'"element": {_s(ref.element)}, "attribute": {_s(ref.attribute)}, '
            f'"key": {_s(ref.key)}, "raw": {_s(ref.raw)}, "url": {_s(res.url)}, '
            f'"resource": {_s(res.key)}, "archive": {archive}, "status": "{res.status.value}", '
            f'"document": {_s(self.document)}, "reason": {_s(res.reason)}, '
            f'"definition": {_definition_json(ref.definition)}}}'
        )


def _definition(ref: Reference) -> dict[str, Any] | None:
    """Where a reference-style use's definition is, and its destination as written."""
    d = ref.definition
    if d is None:
        return None
    return {"line": d.line, "column": d.column, "start": d.start, "end": d.end, "raw": d.raw}


def _definition_json(d: Reference | None) -> str:
    """:func:`_definition` as JSON, written directly like the rest of the line."""
    if d is None:
        return "null"
    return (
        f'{{"line": {d.line}, "column": {d.column}, "start": {d.start}, "end": {d.end}, '
        f'"raw": {_s(d.raw)}}}'
    )


def _s(value: str | None) -> str:
    """A JSON string (not ASCII-escaped, like ``ensure_ascii=False``), or ``null``."""
    return "null" if value is None else _encode_string(value)


@dataclass(slots=True)
class FileResult:
    """What a worker sends back for one file: output, counts, problems, resource hashes."""

    path: str
    readable: bool = True
    near: str | None = None
    blob: bytes = b""
    records: list[Record] = field(default_factory=list)
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    problems: list[Problem] = field(default_factory=list)
    resources: set[int] = field(default_factory=set)
    #: What the references were read from (:func:`~linkrescue.rewriters.files.fingerprint`):
    #: the rewrite edits the document only if it still holds exactly this.
    digest: bytes = b""

    def __reduce__(self) -> tuple[type[FileResult], tuple[Any, ...]]:
        # Crosses the process pool once per document: a plain tuple of fields
        # unpickles in a third of the time of a dataclass's state.
        return (
            FileResult,
            (
                self.path,
                self.readable,
                self.near,
                self.blob,
                self.records,
                self.counts,
                self.problems,
                self.resources,
                self.digest,
            ),
        )


@dataclass(slots=True)
class Summary:
    """Counts for the closing summary (stderr)."""

    documents: int = 0
    references: int = 0
    by_kind: Counter[str] = field(default_factory=Counter)
    by_status: Counter[str] = field(default_factory=Counter)
    problems: int = 0
    resources: set[int] = field(default_factory=set)

    def add(self, result: FileResult) -> None:
        self.documents += result.readable
        for (kind, status), n in result.counts.items():
            self.by_kind[kind] += n
            self.by_status[status] += n
            self.references += n
        self.problems += len(result.problems)
        self.resources |= result.resources


# --- worker side -----------------------------------------------------------------

_STATE: dict[str, Any] = {}


def _init_worker(
    config: ScanStageSettings,
    index: Mapping[str, str],
    as_json: bool,
    then: Callable[[FileResult], Any] | None = None,
) -> None:
    # Per document the scan allocates thousands of small, acyclic objects (YAML
    # nodes, references, dicts) that reference counting frees at once; the cyclic
    # collector would walk the whole heap (with the identity index) every 700 of
    # them for nothing, which cost a third of the scan's time.
    if multiprocessing.parent_process() is not None:  # a pool worker, not the CLI itself
        gc.freeze()
        # The kernel's own SIGTERM, not a handler inherited from the run it was forked
        # from (crawler/commands/signals.py): Pool.terminate ends its workers with SIGTERM,
        # and one worker that lived on through it (seen once in a nightly run's third
        # night) held the run forever in Pool.join. Ctrl-C is the run's to handle.
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    _STATE["config"] = config
    _STATE["index"] = index
    site = Site.from_settings(config.corpus)
    _STATE["site"] = site
    _STATE["identity"] = Identity.from_settings(
        config.corpus, site.prefix if site is not None else None
    )
    _STATE["json"] = as_json
    _STATE["then"] = then
    _STATE["store"] = store_location(config.store_dir, absolute_prefix=config.absolute_prefix)


def _read_text(path: str, max_bytes: int) -> tuple[str, bytes] | Problem:
    """The document's text and its :func:`fingerprint`, or why it cannot be read."""
    try:
        size = os.stat(path).st_size
        if size > max_bytes:
            return Problem(
                path, f"file is too large ({size} bytes; [scan] max_file_bytes is {max_bytes})"
            )
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        return Problem(path, f"cannot read: {exc.strerror or exc}")
    try:
        return decode_document(data), fingerprint(data)
    except NotTextError as exc:
        return Problem(path, str(exc))


#: The identity pass reads this much of a file: frontmatter comes first, and is short.
HEAD_BYTES = 16384


Identified = tuple[str, str | None, str | None, tuple[str, ...]]
"""A document's path, own address, identity and its aliases' identities."""


def _identity_of(path: str) -> Identified:
    """A document's own address (from its frontmatter, read cheaply), or None, its
    identity, and the identities of its aliases (documentation sites only).

    Reads only the head of the file when the frontmatter closes within it; an
    unreadable file gets None here and is reported once, by the reference pass.
    On a documentation site (``[corpus] content_root``) a file under the content
    folder gets its address from its path (:class:`~linkrescue.crawler.stages.docsite.Site`).
    """
    config: ScanStageSettings = _STATE["config"]
    try:
        with open(path, "rb") as fh:
            head = fh.read(HEAD_BYTES)
            if len(head) == HEAD_BYTES:
                text = head.decode("utf-8", errors="ignore")
                if find_frontmatter(text) is None:  # frontmatter longer than the head
                    rest = fh.read(max(0, config.scan.max_file_bytes - HEAD_BYTES))
                    text = (head + rest).decode("utf-8", errors="ignore")
            else:
                text = head.decode("utf-8", errors="ignore")
    except OSError:
        return path, None, None, ()
    identity: Identity = _STATE["identity"]
    site: Site | None = _STATE["site"]
    page = site.page_path(path) if site is not None else None
    if site is not None and page is not None:
        keys = config.corpus.address_keys
        address, aliases = site.address_of(page, site_frontmatter(text, keys), keys)
        others = tuple(i for a in aliases if (i := identity.of_url(a)) is not None)
    else:
        address = document_address(identity_value(text, config.corpus.address_keys))
        others = ()
    return path, address, identity.of_url(address) if address is not None else None, others


def _scan_file(item: tuple[str, str | None]) -> FileResult:
    path, address = item
    config: ScanStageSettings = _STATE["config"]
    return _scan_read(path, address, _read_text(path, config.scan.max_file_bytes))


def _scan_read(path: str, address: str | None, read: tuple[str, bytes] | Problem) -> FileResult:
    """The references of the document at ``path``, from what :func:`_read_text` gave."""
    config: ScanStageSettings = _STATE["config"]
    index: Mapping[str, str] = _STATE["index"]
    identity: Identity = _STATE["identity"]
    as_json: bool = _STATE["json"]
    docsite: Site | None = _STATE["site"]
    site = config.corpus.base_url or None
    result = FileResult(path)
    if isinstance(read, Problem):
        result.problems.append(read)
        result.readable = False
        return result
    text, result.digest = read
    doc = read_document(text, resource_keys=config.scan.frontmatter_keys, data_keys=("date",))
    if doc.frontmatter_error:
        result.problems.append(Problem(path, doc.frontmatter_error))
    doc_dir = os.path.dirname(path)
    result.near = to_timestamp(_date_value(doc.frontmatter.get("date")))
    lines: list[str] = []
    records, counts, resources = (
        result.records,
        result.counts,
        result.resources,
    )
    file_json = _encode_string(path)
    for ref in doc.references:
        res = resolve(ref, doc_dir, address, _STATE["store"], site=site)
        target = None
        on_site = False
        key = res.key
        if res.status is Status.REMOTE and key is not None and (index or docsite):
            ident = identity.of_resource(key)
            target = index.get(ident) if ident is not None else None
            if target is not None:
                res = Resolution(Status.INTERNAL, res.url, res.archive, None, key)
                on_site = docsite is not None and docsite.owns(key)
            elif docsite is not None:
                res, target = _site_link(docsite, res, key, doc_dir, index, identity)
                on_site = target is not None
        record = Record(path, ref, res, target, on_site)
        if as_json:
            lines.append(record.json_line(file_json))
        else:
            records.append(record)
        counts[(ref.kind.value, res.status.value)] += 1
        if res.key is not None:
            resources.add(hash_key(res.key))
    if lines:
        result.blob = "\n".join(lines).encode("utf-8")
    return result


def _site_link(
    site: Site,
    res: Resolution,
    key: str,
    doc_dir: str,
    index: Mapping[str, str],
    identity: Identity,
) -> tuple[Resolution, str | None]:
    """A ``remote`` link that matched no document, on a documentation site: the page a
    ``.html`` link means (``internal``, with its document), a file of the site, or a
    broken internal link (:meth:`~linkrescue.crawler.stages.docsite.Site.unmatched`)."""
    page = site.html_page(key)
    ident = identity.of_resource(page) if page is not None else None
    target = index.get(ident) if ident is not None else None
    if target is not None:
        return Resolution(Status.INTERNAL, res.url, res.archive, None, key), target
    return site.unmatched(res, doc_dir), None


def hash_key(key: str) -> int:
    """A 64-bit digest of a resource key: counts distinct resources across processes
    (Python's ``hash`` differs between them) in a fraction of the key's memory."""
    return int.from_bytes(blake2b(key.encode(), digest_size=8).digest())


def _date_value(value: object) -> str | date | datetime | None:
    """The frontmatter ``date`` as YAML gave it (str, date or datetime); anything else is none.

    Citizen News has ``date: ""`` in about 2% of files: the capture is then chosen
    by the timestamp written in the reference alone.
    """
    return value if isinstance(value, str | date | datetime) else None


# --- driver --------------------------------------------------------------------


def _mapped(
    func: Callable[[Any], Any],
    items: Iterable[Any],
    count: int | None,
    workers: int,
    initargs: tuple[Any, ...],
    *,
    pool: WorkerPool | None = None,
) -> Generator[Any, None, None]:
    """``map(func, items)`` in order, on a process pool unless there is little to do.

    ``count`` None: ``items`` is a stream of unknown length (the folder walk), fed
    to the pool while it is still being walked. ``pool``: run on it when it serves
    these settings (kept for the next pass), else on a pool of this call's own.
    """
    source = iter(items)
    if count is None:
        head = list(itertools.islice(source, POOL_THRESHOLD))
        count = len(head) if len(head) < POOL_THRESHOLD else None
        source = itertools.chain(head, source)
    if workers <= 1 or (count is not None and count < POOL_THRESHOLD):
        _init_worker(*initargs)
        yield from map(func, source)
        return
    chunk = 64 if count is None else max(1, min(256, count // (workers * 8)))
    if pool is not None and pool.serves(workers, initargs):
        delivered, ended = 0, False
        try:
            for answer in pool.imap(func, source, chunk):
                delivered += 1
                yield answer
            ended = True
        finally:
            if not ended and delivered != count:  # work left queued: not for the next pass
                pool.close()
        return
    with _context().Pool(workers, initializer=_init_worker, initargs=initargs) as own:
        yield from own.imap(func, source, chunksize=chunk)


def _context() -> Any:
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


class WorkerPool:
    """One process pool for every pass of a reading (a rescue's identities, then its
    references), started when a pass first needs it and ended by :meth:`close`.

    Forked workers hold, as far as the kernel's RSS says, every page of the process
    they were forked from. A pool forked for the references, after the identity pass,
    counted the rescue's heap of that moment in each worker: two workers of 105 MiB
    beside a main process of 187 at 50,000 articles, against 57 at 10,000 (issue 12,
    item 9). Forked once, before the corpus is held, they stay as small as the
    modules they run. (Workers started by ``spawn`` or ``forkserver`` would import a
    caller's ``__main__``: see ``tests/crawler/test_scan_workers.py``.)
    """

    def __init__(self, workers: int, initargs: tuple[Any, ...]) -> None:
        self.workers = workers
        self.initargs = initargs
        self._pool: Any = None

    def serves(self, workers: int, initargs: tuple[Any, ...]) -> bool:
        """Whether a pass with these workers and worker settings can run on it."""
        return workers == self.workers and initargs == self.initargs

    def start(self) -> None:
        """Fork the workers now, if they are not running: before the caller holds what
        it is about to gather (a pass that collects every path before it maps them)."""
        if self._pool is None:
            self._pool = _context().Pool(
                self.workers, initializer=_init_worker, initargs=self.initargs
            )

    def imap(self, func: Callable[[Any], Any], source: Iterable[Any], chunk: int) -> Any:
        self.start()
        return self._pool.imap(func, source, chunksize=chunk)

    def close(self) -> None:
        """End the workers (as leaving a ``with Pool`` block does); a later pass starts
        new ones."""
        if self._pool is not None:
            self._pool.terminate()
            self._pool = None


@dataclass(frozen=True, slots=True)
class Corpus:
    """The documents under the roots with their own addresses, and the identity index."""

    items: CorpusItems
    index: Mapping[str, str]


def index_corpus(
    roots: Sequence[Path],
    config: ScanStageSettings,
    *,
    on_problem: Callable[[Problem], None],
    identify: Callable[[Iterator[str]], Iterable[Identified]] | None = None,
) -> Corpus:
    """Walk ``roots`` and read every document's own address (the first pass).

    Problems found while walking go to ``on_problem``; unreadable documents are
    reported by the reference pass, once. On a documentation site a second document
    at an address already taken is named (links reach the first, in walk order).
    ``identify``: how the walked paths get their identities (a rescue takes those of
    unchanged documents from the index, :mod:`~linkrescue.crawler.stages.incremental`);
    by default each document's head is read in the pool.
    """

    def documents() -> Iterator[str]:
        # Walked while the pool already reads the first documents.
        for item in iter_documents(roots, config.corpus):
            if isinstance(item, Problem):
                on_problem(item)
            else:
                yield item

    root = config.corpus.content_root
    if root and not os.path.isdir(root):
        on_problem(
            Problem(root, "[corpus] content_root is not a folder: only frontmatter gives addresses")
        )
    items = CorpusItems()
    owned = 0  # entries of documents' own addresses (the aliases' come after)
    aliases: list[tuple[str, int]] = []
    found: Iterable[Identified]
    if identify is None:
        found = _mapped(_identity_of, documents(), None, _workers(config), (config, {}, False))
    else:
        found = identify(documents())

    def entries() -> Iterator[tuple[str, int]]:
        nonlocal owned
        for number, (path, address, ident, others) in enumerate(found):
            items.append((path, address))
            if ident is not None:
                owned += 1
                yield ident, number
            aliases.extend((other, number) for other in others)
        yield from aliases  # a page's own address wins over another's alias

    index, lost = IdentityIndex.build(items.paths, entries())
    if root:
        for order, doc, first in lost:
            if order < owned:
                # Hugo too publishes one of them ("a.md" and "a/_index.md", "Range.md"
                # and "range.md"): which one a link reaches is worth a line.
                path, address = items[doc]
                first_path = items.paths[first]
                on_problem(
                    Problem(path, f"same address as {first_path} ({address}): links go there")
                )
    return Corpus(items, index)


def _scan_then(item: tuple[str, str | None]) -> Any:
    then: Callable[[FileResult], Any] = _STATE["then"]
    return then(_scan_file(item))


def scan_items_then(
    items: Sequence[tuple[str, str | None]],
    corpus: Corpus,
    config: ScanStageSettings,
    then: Callable[[FileResult], T],
) -> Iterator[T]:
    """``then`` of each of ``items``' results, computed in the worker that read it, in order.

    For a command that keeps little of a document's references (``check`` keeps its
    findings): a worker hands back that, not every record (pickling a quarter of a
    million references to the main process cost more than the scan). ``then`` must be
    picklable (a module-level function, or a ``functools.partial`` of one).
    """
    args = (config, corpus.index, False, then)
    yield from _mapped(_scan_then, items, len(items), _workers(config), args)


def scan_items(
    items: Sequence[tuple[str, str | None]],
    corpus: Corpus,
    config: ScanStageSettings,
    *,
    as_json: bool,
) -> Iterator[FileResult]:
    """Read and resolve the references of ``items`` (documents of ``corpus``), in order."""
    args = (config, corpus.index, as_json)
    yield from _mapped(_scan_file, items, len(items), _workers(config), args)


def scan(
    roots: Sequence[Path],
    config: ScanStageSettings,
    *,
    as_json: bool,
    on_problem: Callable[[Problem], None],
) -> Iterator[FileResult]:
    """Scan ``roots``; yield one :class:`FileResult` per document, in a stable order."""
    corpus = index_corpus(roots, config, on_problem=on_problem)
    yield from scan_items(corpus.items, corpus, config, as_json=as_json)


def _workers(config: ScanStageSettings) -> int:
    return config.scan.workers or os.cpu_count() or 1


# --- for the incremental reader (crawler/stages/incremental.py), which runs its own
# --- workers on the same pool, with the same per-worker state

mapped = _mapped
init_worker = _init_worker
identity_of = _identity_of
scan_read = _scan_read
workers_of = _workers


def worker_config() -> ScanStageSettings:
    config: ScanStageSettings = _STATE["config"]
    return config


def worker_identity() -> Identity:
    identity: Identity = _STATE["identity"]
    return identity


def worker_docsite() -> bool:
    """Whether the worker scans a documentation site (``[corpus] content_root``)."""
    return _STATE["site"] is not None
