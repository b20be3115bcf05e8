"""Streaming a capture's body into a sink: decoded, hashed, size-limited, checked.

The body is never held in memory: chunks go from the socket to the sink (the
store's staging file) while SHA-256 and SHA-1 are computed, so memory stays flat
in body size. Checks, and the archive quirk behind each:

- Media type, before the first byte is written: an image reference must get
  image *bytes* (:func:`linkrescue.archive.sniff.fits_image`), not the HTML error page a
  site served at crawl time, whatever either was labelled.
- Size: ``Content-Length`` over the limit is refused before reading; a body without
  one is cut off as soon as it passes the limit.
- Truncation: fewer bytes than ``Content-Length`` (a dropped connection mid-body);
  or, when a proxy on the way cut the body *and* its ``Content-Length`` (or the
  Wayback Machine's chunked answer, which has none, ended early), fewer than the
  archive's own ``X-Archive-Orig-Content-Length``: in ``id_`` mode the Wayback
  Machine states there the stored payload's length, equal to the bytes it sends
  (recordings: 13031, 40310, 2084, 18420 bytes, gzipped bodies included), unless the
  archive re-encoded the payload (see Digest) or the index digest already proved the
  bytes. A capture the site itself cut short at crawl time fails this check every
  time: it stays a reported failure rather than a stored half.
- Digest: the CDX ``digest`` is the base32 SHA-1 of the *stored* payload, which for
  a capture the site sent gzipped is the gzipped bytes. ``id_`` on the Wayback
  Machine returns it as stored (with ``Content-Encoding: gzip``, sometimes next to a
  bogus empty ``content-encoding``, web-monitoring-processing#309), so the raw bytes
  are hashed as well as the decoded ones; pywb decodes such captures and says so in
  ``X-Archive-Orig-Content-Encoding``, and then the digest cannot be checked.
"""

from __future__ import annotations

import base64
import hashlib
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

import brotli
import httpx

from linkrescue.archive.errors import (
    ArchiveTimeout,
    BodyTooLarge,
    CaptureRejected,
    DigestMismatch,
    FetchError,
    MediaTypeMismatch,
    TruncatedBody,
)
from linkrescue.archive.model import Sink, Want
from linkrescue.archive.remote.snapshots import main_type
from linkrescue.archive.sniff import SNIFF_BYTES, fits_image, sniff


@dataclass(frozen=True, slots=True)
class BodyLimits:
    """How much of one body is accepted: ``max_bytes``, and ``seconds`` for the whole
    transfer (0 = no limit). ``read_timeout`` only bounds the wait between bytes, so
    a body trickling in just under it would otherwise hold a worker for hours."""

    max_bytes: int
    seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class Body:
    """What was written to the sink, and its hashes."""

    size: int
    sha256: str
    sha1_base32: str
    raw_sha1_base32: str
    verified: bool


def sha1_base32(digest: bytes) -> str:
    return base64.b32encode(digest).decode("ascii")


def _encodings(response: httpx.Response) -> list[str]:
    values = ",".join(response.headers.get_list("content-encoding"))
    return [
        v.strip().lower() for v in values.split(",") if v.strip().lower() not in ("", "identity")
    ]


#: The most one decoding step hands on at once: a decompression bomb (a few KiB of
#: gzip that inflate to gigabytes; gzip inside gzip) is cut off by the size limit, which
#: counts decoded bytes, after at most this much more per stage, never after inflating
#: a whole 64 KiB read (64 MiB of zeros) or a whole inner layer.
PIECE = 1 << 20


class _Stage(Protocol):
    def pieces(self, data: bytes, /) -> Iterator[bytes]: ...

    def flush(self) -> bytes: ...


class _Zlib:
    """gzip or deflate, inflated at most :data:`PIECE` bytes at a time."""

    def __init__(self, wbits: int) -> None:
        self._decompressor = zlib.decompressobj(wbits)

    def pieces(self, data: bytes, /) -> Iterator[bytes]:
        d = self._decompressor
        yield d.decompress(data, PIECE)
        while d.unconsumed_tail:
            yield d.decompress(d.unconsumed_tail, PIECE)

    def flush(self) -> bytes:
        return self._decompressor.flush()


class _Brotli:
    """brotli's streaming decompressor, at most :data:`PIECE` bytes at a time."""

    def __init__(self) -> None:
        self._decompressor = brotli.Decompressor()

    def pieces(self, data: bytes, /) -> Iterator[bytes]:
        d = self._decompressor
        yield bytes(d.process(data, output_buffer_limit=PIECE))
        while not d.can_accept_more_data():
            yield bytes(d.process(b"", output_buffer_limit=PIECE))

    def flush(self) -> bytes:
        if not self._decompressor.is_finished():
            raise brotli.error("brotli stream cut short")
        return b""


class _Decoder:
    """Undo ``Content-Encoding`` (gzip, deflate, br; stacked in order), a bounded
    piece at a time (:data:`PIECE`).

    Brotli: a capture made by a browser-based crawler (Brozzler, Webrecorder) keeps
    the ``Content-Encoding: br`` the site sent, and ``id_`` on the Wayback Machine
    returns the payload as stored.
    """

    def __init__(self, encodings: list[str]) -> None:
        self._stages: list[_Stage] = []
        for enc in reversed(encodings):
            if enc in ("gzip", "x-gzip"):
                self._stages.append(_Zlib(16 + zlib.MAX_WBITS))
            elif enc == "deflate":
                self._stages.append(_Zlib(zlib.MAX_WBITS))
            elif enc == "br":
                self._stages.append(_Brotli())
            else:
                rejection = CaptureRejected(f"unsupported Content-Encoding {enc!r}")
                rejection.try_others = False
                raise rejection

    def feed(self, data: bytes) -> Iterator[bytes]:
        """The decoded bytes of ``data``, in pieces of at most :data:`PIECE`."""
        return self._through(0, data)

    def flush(self) -> Iterator[bytes]:
        """What the stages hold once the body has ended, in pieces."""
        for i, stage in enumerate(self._stages):
            yield from self._through(i + 1, stage.flush())

    def _through(self, first: int, data: bytes) -> Iterator[bytes]:
        if first == len(self._stages):
            if data:
                yield data
            return
        for piece in self._stages[first].pieces(data):
            yield from self._through(first + 1, piece)


def _transformed(response: httpx.Response) -> bool:
    """Whether the archive re-encoded the stored payload (so its digest cannot match)."""
    orig = response.headers.get("x-archive-orig-content-encoding", "").strip().lower()
    sent = ",".join(_encodings(response))
    return (orig not in ("", "identity") and orig != sent) or bool(
        response.headers.get("x-archive-orig-transfer-encoding")
    )


def _stored_length(response: httpx.Response) -> int | None:
    """The payload's length as the archive stored it, when it says so and sends the
    payload as stored (not for an archived 429's ``-1``, nor a re-encoded payload)."""
    value = response.headers.get("x-archive-orig-content-length", "").strip()
    if not value.isdigit() or _transformed(response):
        return None
    return int(value)


def stream_body(
    response: httpx.Response,
    sink: Sink,
    *,
    want: Want,
    limits: BodyLimits,
    digest: str | None,
) -> Body:
    """Write ``response``'s decoded body to ``sink`` (rewound first) and check it."""
    url = str(response.request.url)
    content_type = response.headers.get("content-type")
    declared = response.headers.get("content-length")
    expected = int(declared) if declared and declared.isdigit() else None
    max_bytes = limits.max_bytes
    deadline = time.monotonic() + limits.seconds if limits.seconds > 0 else None
    if expected is not None and expected > max_bytes:
        raise BodyTooLarge(f"body of {expected} bytes is over the {max_bytes}-byte limit")

    decoder = _Decoder(_encodings(response))
    sha256, sha1, raw_sha1 = hashlib.sha256(), hashlib.sha1(), hashlib.sha1()
    size = received = 0
    head = b""
    deciding = True
    sink.seek(0)
    sink.truncate()

    def write(data: bytes) -> None:
        nonlocal size
        if not data:
            return
        size += len(data)
        if size > max_bytes:
            raise BodyTooLarge(f"body is over the {max_bytes}-byte limit")
        sha256.update(data)
        sha1.update(data)
        sink.write(data)

    def decide(final: bool) -> None:
        nonlocal deciding, head
        if deciding and (final or len(head) >= SNIFF_BYTES):
            deciding = False
            if want is Want.IMAGE and not fits_image(head):
                found = sniff(head) or ("empty" if not head else "not a known image format")
                label = main_type(content_type) or "no Content-Type"
                raise MediaTypeMismatch(f"capture is not an image (bytes: {found}; {label})")
            write(head)
            head = b""

    def take(data: bytes) -> None:
        """A decoded piece: gathered until the media type is decided, then written."""
        nonlocal head
        if deciding:
            head += data
            decide(final=False)
        else:
            write(data)

    try:
        # As the network delivers (at most 64 KiB a read): ``iter_raw(n)`` would gather
        # n bytes first, and a trickling body would pass the deadline unnoticed.
        for chunk in response.iter_raw():
            if deadline is not None and time.monotonic() > deadline:
                raise ArchiveTimeout(
                    f"body from {url} took over {limits.seconds:g} s ({received} bytes so far)"
                )
            received += len(chunk)
            raw_sha1.update(chunk)
            for data in decoder.feed(chunk):
                take(data)
        for data in decoder.flush():
            take(data)
    except httpx.RemoteProtocolError as exc:
        if expected is not None:
            raise TruncatedBody(url, received, expected) from exc
        raise FetchError(f"connection dropped mid-body ({url}): {exc}") from exc
    except (zlib.error, brotli.error) as exc:
        raise FetchError(f"corrupt compressed body from {url}: {exc}") from exc
    if deciding:
        decide(final=True)
    if expected is not None and received != expected:
        raise TruncatedBody(url, received, expected)
    sink.flush()

    decoded_b32 = sha1_base32(sha1.digest())
    raw_b32 = sha1_base32(raw_sha1.digest())
    verified = digest is not None and digest.upper() in (decoded_b32, raw_b32)
    stored = _stored_length(response)
    if not verified and stored is not None and received < stored:
        raise TruncatedBody(url, received, stored, "X-Archive-Orig-Content-Length")
    if digest is not None and not verified and not _transformed(response):
        raise DigestMismatch(
            f"bytes hash to {decoded_b32}, the index says {digest.upper()} (corrupt capture?)"
        )
    return Body(size, sha256.hexdigest(), decoded_b32, raw_b32, verified)
