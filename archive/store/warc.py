"""The store's captures as a WARC file (ISO 28500), and a WARC file into the store.

A WARC is what every web archive tool reads and writes (pywb, ReplayWeb.page, the
Wayback Machine's own crawlers, Heritrix, wget): ``export_warc`` hands the rescued
captures to any of them, ``import_warc`` fills a store from a WARC made anywhere, so
that a later ``rescue`` finds those resources "already in the store" and asks no
archive. The records are read and written by warcio (Webrecorder's library), never
by a WARC writer of our own: gzip members per record, digests, record ids and the
header grammar are its business.

What is exported is the *original* captured bytes: the content object
``.objects/<ab>/<sha256>`` the index names, not the browsable file, which may become
a rewritten view of the capture (an HTML page whose links point into the store).
Each object is checked against its name as it streams; one that does not hash to it
is left out with a reason (a WARC must not vouch for bytes that are not the
capture's). Bodies are streamed, never held whole, in both directions.

Built on the run state like the rest of the store; it never imports the remote client.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import secrets
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from warcio.archiveiterator import ArchiveIterator, WARCIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from linkrescue.archive.model import Capture, Outcome
from linkrescue.archive.state.index import Index
from linkrescue.archive.state.schema import IndexedResource
from linkrescue.archive.store.entrance import open_state
from linkrescue.archive.store.errors import StoreError, StoreIntegrityError
from linkrescue.archive.store.fs import CHUNK, StagingFile
from linkrescue.archive.store.paths import OBJECTS_DIRNAME
from linkrescue.archive.store.store import Store
from linkrescue.archive.timestamps import format_timestamp, timestamp_datetime
from linkrescue.archive.urls import encode_url, resource_key
from linkrescue.atomic import rename_durably

__all__ = [
    "ExportSummary",
    "ImportSummary",
    "NotAWarc",
    "Skipped",
    "WarcProblem",
    "check_warc",
    "export_warc",
    "import_warc",
]

#: The WARC version written: 1.1 allows a WARC-Date of whole seconds, which is what a
#: Wayback timestamp knows (``2021-06-24T01:02:03Z``).
WARC_VERSION = "WARC/1.1"
FORMAT = "WARC File Format 1.1"
#: Record types that carry a capture's payload (a revisit through an earlier record).
_PAYLOAD_TYPES = frozenset({"response", "resource", "revisit"})
_HTTP = re.compile(r"https?://", re.IGNORECASE)
#: How a record starts, to find the next one after damage: a gzip member (a ``.warc.gz``
#: is one member per record), or a version line at the start of a line.
_GZIP_MAGIC = b"\x1f\x8b\x08"
_WARC_LINE = b"\nWARC/1."


class NotAWarc(StoreError):
    """The file is not a WARC file at all (nothing in it reads as a WARC record)."""


@dataclass(frozen=True, slots=True)
class Skipped:
    """A resource (export: its key) or a record (import: its target URI) left out, and why."""

    key: str
    url: str
    reason: str


@dataclass(frozen=True, slots=True)
class ExportSummary:
    """What :func:`export_warc` wrote: ``records`` response records holding ``bytes``
    bytes of payload in a file of ``warc_bytes`` bytes at ``path``; ``skipped``: the
    rescued resources left out (a damaged or missing content object), each with why."""

    path: Path
    records: int
    bytes: int
    warc_bytes: int
    skipped: tuple[Skipped, ...]


@dataclass(frozen=True, slots=True)
class WarcProblem:
    """A damaged part of a WARC file: where (the byte offset of the record in the file
    as stored, compressed or not) and what was wrong, in one line."""

    offset: int
    reason: str

    def __str__(self) -> str:
        return f"record at offset {self.offset}: {self.reason}"


@dataclass(frozen=True, slots=True)
class ImportSummary:
    """What :func:`import_warc` did: ``imported`` captures (``bytes`` bytes) put in the
    store; ``skipped``: records well formed but not imported, counted by reason
    (``HTTP 404``, ``already in the store`` …), most frequent first; ``problems``: the
    damaged parts of the file, each named once."""

    source: Path
    imported: int
    bytes: int
    skipped: tuple[tuple[str, int], ...]
    problems: tuple[WarcProblem, ...]

    @property
    def skipped_total(self) -> int:
        return sum(count for _, count in self.skipped)


# --- export -----------------------------------------------------------------------


def export_warc(
    store: Store | Path,
    destination: Path,
    keys: Iterable[str] | None = None,
    *,
    software: str,
) -> ExportSummary:
    """Write every rescued capture of ``store`` (of ``keys`` only, when given) to the WARC
    file ``destination``, and return what was written.

    ``store`` is an open :class:`Store` or the folder of one, which is then only read (no
    staging folder, no lock: an export may run beside a rescue, reading the index's last
    committed state). One ``warcinfo`` record (``software``: ``linkrescue/<version>``)
    comes first, then per resource one ``response`` record: the captured URL, the
    capture's time, ``HTTP/1.1 200 OK`` with ``Content-Type`` and ``Content-Length``,
    the original bytes. Gzipped record by record when the name ends ``.gz``. The file
    appears whole or not at all (a temporary file beside it, renamed when complete).
    Raises :class:`~linkrescue.archive.store.NoStoreError` for a folder with no store.
    """
    if isinstance(store, Store):
        return _export(store.index, store.root, destination, keys, software)
    with open_state(store) as index:
        return _export(index, Path(os.path.realpath(store)), destination, keys, software)


def _export(
    index: Index, root: Path, destination: Path, keys: Iterable[str] | None, software: str
) -> ExportSummary:
    destination.parent.mkdir(parents=True, exist_ok=True)
    temporary, out = _new_file_beside(destination)
    records = payload = 0
    skipped: list[Skipped] = []
    try:
        with out:
            writer = WARCWriter(
                out, gzip=destination.name.endswith(".gz"), warc_version=WARC_VERSION
            )
            info = writer.create_warcinfo_record(
                destination.name, {"software": software, "format": FORMAT}
            )
            writer.write_record(info)
            for resource in _rescued(index, keys):
                left_out = _write_resource(writer, root, resource)
                if left_out is not None:
                    skipped.append(left_out)
                else:
                    records += 1
                    payload += resource.size or 0
            out.flush()
            os.fsync(out.fileno())
            size = out.tell()
        rename_durably(temporary, destination)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        raise
    return ExportSummary(destination, records, payload, size, tuple(skipped))


def _new_file_beside(destination: Path) -> tuple[Path, BinaryIO]:
    """A new temporary file in ``destination``'s folder (same file system: the rename is
    atomic), created with the mode the umask gives any new file: a WARC is meant to be
    shared. (``tempfile`` would make it 0600, and reading the umask means setting it.)"""
    while True:
        candidate = destination.with_name(f".{destination.name}.{secrets.token_hex(6)}.part")
        try:
            fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        return candidate, os.fdopen(fd, "wb")


def _rescued(index: Index, keys: Iterable[str] | None) -> Iterator[IndexedResource]:
    """The rescued resources, all of them (by key, read a page at a time) or those of
    ``keys`` (a key not rescued, such as a link to another document, has nothing to export)."""
    if keys is None:
        yield from index.resources(Outcome.RESCUED)
        return
    wanted = sorted(set(keys))
    found = index.lookup_many(wanted)
    for key in wanted:
        resource = found.get(key)
        if resource is not None and resource.outcome is Outcome.RESCUED:
            yield resource


def _write_resource(writer: WARCWriter, root: Path, resource: IndexedResource) -> Skipped | None:
    """Write the response record of ``resource``; None when written, else why not."""
    url = resource.captured_url or resource.url

    def skip(reason: str) -> Skipped:
        return Skipped(resource.key, url, reason)

    sha256, size = resource.sha256, resource.size
    if sha256 is None or size is None or resource.timestamp is None:
        return skip("the index records no content digest or capture time for it")
    relative = f"{OBJECTS_DIRNAME}/{sha256[:2]}/{sha256}"
    try:
        blob = open(root / relative, "rb")  # noqa: SIM115 -- closed below, whatever happens
    except FileNotFoundError:
        return skip(f"its content object {relative} is missing")
    with blob:
        held = os.fstat(blob.fileno()).st_size
        if held != size:
            return skip(f"its content object {relative} holds {held} bytes, not {size} (damaged)")
        checked = _CheckedObject(blob, sha256, size)
        fields = [("Content-Length", str(size))]
        content_type = _content_type(resource)
        if content_type is not None:
            fields.insert(0, ("Content-Type", content_type))
        http = StatusAndHeaders("200 OK", fields, protocol="HTTP/1.1")
        date = timestamp_datetime(resource.timestamp).strftime("%Y-%m-%dT%H:%M:%SZ")
        try:
            # warcio reads the payload once here for its WARC-Payload-Digest: the first
            # complete read, checked against the object's name before anything is written.
            record = writer.create_warc_record(
                encode_url(url),
                "response",
                payload=checked,
                length=size,
                http_headers=http,
                warc_headers_dict={"WARC-Date": date},
            )
        except _Damaged:
            return skip(f"its content object {relative} does not hash to its name (damaged)")
        try:
            writer.write_record(record)
        except _Damaged:
            # Checked a moment ago, changed since: part of the record may be written.
            raise StoreIntegrityError(
                f"{root / relative} changed while it was exported; nothing was written"
            ) from None
    return None


def _content_type(resource: IndexedResource) -> str | None:
    """The capture's media type as the store decided it from the bytes; the header it was
    played back with when that says the same type (its ``charset`` matters to a replay)."""
    decided, header = resource.mimetype, resource.header_mimetype
    if decided is None:
        return header
    if header is not None and header.split(";")[0].strip().lower() == decided.lower():
        return header
    return decided


class _Damaged(Exception):
    """A content object does not hold the bytes its name (their SHA-256) promises."""


class _CheckedObject:
    """A content object as warcio reads a payload: from the start, several times (once
    per digest it computes, once to write), never past the recorded size; each complete
    read is checked against the object's SHA-256 and raises :class:`_Damaged` when it
    differs, before the last bytes are handed over."""

    def __init__(self, file: BinaryIO, sha256: str, size: int) -> None:
        self._file = file
        self._sha256 = sha256
        self._size = size
        self._position = 0
        self._digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        left = self._size - self._position
        wanted = left if size is None or size < 0 else min(size, left)
        data = self._file.read(wanted) if wanted else b""
        self._digest.update(data)
        self._position += len(data)
        if wanted and not data:  # shorter than its recorded size
            raise _Damaged
        if self._position >= self._size and self._digest.hexdigest() != self._sha256:
            raise _Damaged
        return data

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        """Back to the start (all warcio asks, after computing a digest): the check starts over."""
        if offset != 0 or whence != io.SEEK_SET:
            raise io.UnsupportedOperation("a content object is read from its start")
        self._file.seek(0)
        self._position = 0
        self._digest = hashlib.sha256()
        return 0


# --- import -----------------------------------------------------------------------


def check_warc(source: Path) -> None:
    """Raise :class:`NotAWarc` unless the first record of ``source`` reads as a WARC
    record (an ARC file, a text file, an empty file, a WARC gzipped as a whole …).

    Called before a store is created for an import, so that a wrong file leaves nothing
    behind."""
    with open(source, "rb") as file, _quiet():
        try:
            first = next(iter(ArchiveIterator(file)), None)
        except Exception as exc:  # warcio's parser: its failures are not a closed set
            raise NotAWarc(f"{source}: not a WARC file ({_damage(exc)})") from None
        if first is None or first.format != "warc":
            what = "empty" if first is None else f"{first.format} format"
            raise NotAWarc(f"{source}: not a WARC file ({what})")


def import_warc(
    store: Store, source: Path, *, archive_label: str, replace: bool = False
) -> ImportSummary:
    """Put every capture of the WARC file ``source`` into ``store``; return the counts.

    Read: ``response`` records with an HTTP status 2xx (others are skipped, counted by
    status), ``resource`` records, and ``revisit`` records whose payload (by
    ``WARC-Payload-Digest``) an earlier record of the file brought in. The payload is the
    body as the client keeps it (transfer and content encoding undone). Each is stored
    under the resource key of its target URI, the key a ``rescue`` gives a reference to
    that URL, and recorded as rescued from ``archive_label``; ``verified`` when the
    record's own digest matched what was read. A resource the store already holds is
    kept as it is, unless ``replace``. A damaged record is a :class:`WarcProblem` and the
    import goes on with the next record that reads (a record whose digest does not match
    its bytes is not imported). Raises :class:`NotAWarc` when nothing in the file is a WARC.

    The caller holds the store's run lock. warcio's own warnings (written to stderr)
    are caught and reported as problems instead: this is a single-threaded reader.
    """
    check_warc(source)
    with open(source, "rb") as file:
        return _Importer(store, source, file, archive_label, replace).run()


class _Payload(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


@dataclass(frozen=True, slots=True)
class _Known:
    """A payload imported from this file, by its WARC-Payload-Digest: for later revisits."""

    sha256: str
    size: int
    mimetype: str | None


class _Importer:
    def __init__(
        self, store: Store, source: Path, file: BinaryIO, label: str, replace: bool
    ) -> None:
        self.store = store
        self.source = source
        self.file = file
        self.label = label
        self.replace = replace
        self.size = os.fstat(file.fileno()).st_size
        self.gzipped = file.read(2) == _GZIP_MAGIC[:2]
        self.imported = 0
        self.bytes = 0
        self.skipped: Counter[str] = Counter()
        self.problems: list[WarcProblem] = []
        self.known: dict[str, _Known] = {}

    def run(self) -> ImportSummary:
        start: int | None = 0
        damage: WarcProblem | None = None  # reported once the reading resumes, or not
        while start is not None:
            self.file.seek(start)
            records = WARCIterator(self.file, check_digests=True)
            last = start  # the start of the last record read
            while True:
                try:
                    with _quiet() as noise:
                        record = next(records, None)
                except OSError:
                    raise
                except Exception as exc:  # warcio's parser on damaged input: not a closed set
                    # The iterator stopped at the start of the record it could not read
                    # (its offset is meaningless in a file gzipped as a whole).
                    offset = max(records.offset, last)
                    if damage is None:
                        damage = WarcProblem(offset, _damage(exc))
                    start = self._next_start(offset + 1)
                    break
                self._noise(noise, records.offset)
                if record is None:
                    end = records.offset
                    if end < self.size and damage is None:
                        damage = WarcProblem(end, "the file ends inside this record (truncated)")
                    start = None
                    break
                last = records.offset  # the start of the record just read
                if damage is not None:
                    self._problem(damage.offset, f"{damage.reason}; read again from offset {last}")
                    damage = None
                self._record(record, last)
            if start is None and damage is not None:
                self._problem(damage.offset, f"{damage.reason}; nothing readable after it")
                damage = None
        return ImportSummary(
            self.source,
            self.imported,
            self.bytes,
            tuple(self.skipped.most_common()),
            tuple(self.problems),
        )

    def _problem(self, offset: int, reason: str) -> None:
        self.problems.append(WarcProblem(offset, " ".join(reason.split())))

    def _noise(self, noise: io.StringIO, offset: int) -> None:
        """warcio's warnings, written to stderr: a record whose length is wrong, for one."""
        said = "; ".join(line.strip() for line in noise.getvalue().splitlines() if line.strip())
        if said and not said.startswith("Replacing spaces in invalid WARC-Target-URI"):
            self._problem(offset, said[:300])

    def _next_start(self, after: int) -> int | None:
        """The offset of the next place that may start a record, from ``after`` on."""
        marker = _GZIP_MAGIC if self.gzipped else _WARC_LINE
        self.file.seek(after)
        base, tail = after, b""
        while chunk := self.file.read(CHUNK):
            data = tail + chunk
            found = data.find(marker)
            if found != -1:
                return base - len(tail) + found + (0 if self.gzipped else 1)
            tail = data[-(len(marker) - 1) :]
            base += len(chunk)
        return None

    def _record(self, record: Any, offset: int) -> None:
        rec_type: str | None = record.rec_type
        if rec_type is None:
            self._problem(offset, "the record is cut short or its header cannot be read")
            return
        warc: StatusAndHeaders = record.rec_headers
        if sum(name.lower() == "warc-record-id" for name, _ in warc.headers) > 1:
            # An uncompressed record cut short, the next one's header read into its own.
            self._problem(offset, "two records run together (the first one is cut short)")
            return
        if rec_type not in _PAYLOAD_TYPES:
            return  # warcinfo, request, metadata: not a capture
        http: StatusAndHeaders | None = record.http_headers
        uri = (warc.get_header("WARC-Target-URI") or "").strip().strip("<>")
        if not _HTTP.match(uri):
            self.skipped["not an http(s) URL"] += 1
            return
        timestamp = _timestamp(warc.get_header("WARC-Date"))
        if timestamp is None:
            self._problem(offset, f"{uri}: no readable WARC-Date")
            return
        mimetype: str | None
        if rec_type == "resource":  # the payload itself: its type is the record's
            mimetype = warc.get_header("Content-Type")
        elif http is not None:
            status = http.get_statuscode()
            if not (status.isdigit() and 200 <= int(status) < 300):
                self.skipped[f"HTTP {status}" if status.isdigit() else "no HTTP status"] += 1
                return
            mimetype = http.get_header("Content-Type")
        else:
            mimetype = None  # a revisit without HTTP headers: the original's type, below
        url = encode_url(uri)
        key = resource_key(url)
        if not self.replace:
            held = self.store.index.lookup(key)
            if held is not None and held.outcome is Outcome.RESCUED:
                self.skipped["already in the store"] += 1
                return
        digest = _digest_key(warc.get_header("WARC-Payload-Digest"))
        with self.store.staging() as sink:
            if rec_type == "revisit":
                known = self.known.get(digest or "")
                if known is None:
                    self.skipped["a revisit of a payload not imported from this file"] += 1
                    return
                if not self._copy_known(known, sink):
                    self._problem(offset, f"{uri}: the store's copy of its payload is damaged")
                    return
                verified, mimetype = True, mimetype or known.mimetype
            else:
                checked = self._stage(record, offset, uri, sink)
                if checked is None:
                    return
                verified = checked
            capture = Capture(
                requested=url,
                original=url,
                timestamp=timestamp,
                archive_url=f"warc:{self.source.name}#{offset}",
                mimetype=mimetype,
                size=sink.size,
                sha256=sink.sha256,
                sha1_base32=sink.sha1_base32,
                cdx_digest=None,
                verified=verified,
            )
            self.store.put(sink, capture, key=key, url=url, archive=self.label)
        if digest is not None and rec_type != "revisit":
            self.known[digest] = _Known(capture.sha256, capture.size, mimetype)
        self.imported += 1
        self.bytes += capture.size

    def _stage(self, record: Any, offset: int, uri: str, sink: StagingFile) -> bool | None:
        """Stream the record's payload into ``sink``: whether the record's digests matched
        (False: it has none), or None when the record is damaged (a problem said so)."""
        raw: _Payload = record.raw_stream
        try:
            with _quiet():
                body: _Payload = record.content_stream()
                while chunk := body.read(CHUNK):
                    sink.write(chunk)
                while raw.read(CHUNK):  # the rest (a trailer), so the digests are checked
                    pass
        except OSError:
            raise
        except Exception as exc:  # a damaged body: bad gzip, brotli, chunking
            self._problem(offset, f"{uri}: its body cannot be read ({_first_line(exc)})")
            return None
        if getattr(raw, "limit", 0) > 0:
            self._problem(offset, f"{uri}: the record is cut short (truncated)")
            return None
        checker = record.digest_checker
        if checker.problems:
            self._problem(
                offset, f"{uri}: its bytes do not match the record's digest (damaged): not imported"
            )
            return None
        return checker.passed is True

    def _copy_known(self, known: _Known, sink: StagingFile) -> bool:
        """Copy a payload imported earlier from the store's content object into ``sink``;
        False when the object no longer holds those bytes."""
        blob = self.store.root / OBJECTS_DIRNAME / known.sha256[:2] / known.sha256
        try:
            with open(blob, "rb") as file:
                while chunk := file.read(CHUNK):
                    sink.write(chunk)
        except FileNotFoundError:
            return False
        return (sink.sha256, sink.size) == (known.sha256, known.size)


def _timestamp(date: str | None) -> str | None:
    """A WARC-Date (ISO 8601, UTC, any precision) as a 14-digit Wayback timestamp."""
    if not date:
        return None
    try:
        moment = datetime.fromisoformat(date.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return format_timestamp(moment)


def _digest_key(digest: str | None) -> str | None:
    """A WARC-Payload-Digest as a key (``sha1:BASE32``): algorithm names compared in lower case."""
    if not digest or ":" not in digest:
        return None
    algorithm, _, value = digest.strip().partition(":")
    return f"{algorithm.lower()}:{value}"


def _damage(exc: BaseException) -> str:
    """What warcio's exception says about a damaged part of the file, in one readable line
    (its messages quote the bytes it found, which are binary in a damaged gzip member)."""
    text = str(exc)
    if "non-chunked gzip" in text:
        return (
            "the file is gzipped as a whole, not record by record "
            "(warcio recompress makes it a WARC every tool reads)"
        )
    text = re.split(r",? first line:", _first_line(exc))[0]
    return "".join(c if c.isprintable() else "?" for c in text)


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    text = lines[0].strip() if lines else type(exc).__name__
    return text[:200]


@contextlib.contextmanager
def _quiet() -> Iterator[io.StringIO]:
    """warcio writes its warnings to ``sys.stderr``: kept here, to be told as problems."""
    caught = io.StringIO()
    with contextlib.redirect_stderr(caught):
        yield caught
