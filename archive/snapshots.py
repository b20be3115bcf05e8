"""Snapshot choice: which capture stands for a reference, decided from index rows alone.

Pure functions, no I/O, so the rules can be tested one by one:

- Wayback timestamps: 1 to 14 digits; a partial one means "somewhere in that
  period" and the Wayback Machine aims at its *end* (wayback-facts.md §1,
  ``ReplayRequestParser``; pywb pads ``2020`` to ``20201231235959`` too).
- Index rows of one URL come in many spellings: the CDX index matches by SURT, which
  folds scheme, ``www``, case, a trailing slash and query order (wayback-facts.md
  §6), so :func:`url_key` folds the same way to match rows to references.
- The rescue target is the nearest capture to the wanted time, but an image
  reference must get an image and a 200 beats a redirect or an error page.
"""

from __future__ import annotations

import calendar
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from urllib.parse import urlsplit

from w3lib.url import safe_url_string

from archive.model import Snapshot, Want

_DIGITS = re.compile(r"^\d{1,14}$")
_WWW = re.compile(r"^www\d*\.")
_ESCAPE = re.compile(r"%([0-9a-fA-F]{2})")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

#: Media types that say nothing about the bytes: an image reference may still be served one.
UNKNOWN_TYPES = frozenset(
    {"", "unk", "warc/revisit", "application/octet-stream", "binary/octet-stream", "unknown"}
)


# --- timestamps ---------------------------------------------------------------


def is_timestamp(value: str) -> bool:
    """1 to 14 digits: the Wayback timestamp grammar (IA ``ReplayRequestParser``)."""
    return bool(_DIGITS.match(value))


def pad_timestamp(ts: str) -> str:
    """Complete a partial timestamp to the *last* second of its period, as the Wayback
    Machine does when it plays ``/web/2021im_/…`` (it aims at the end of 2021)."""
    if not is_timestamp(ts):
        raise ValueError(f"not a Wayback timestamp: {ts!r}")
    if len(ts) == 14:
        return ts
    template = ts[:4].ljust(4, "9") + "1231235959"
    full = ts + template[len(ts) :]
    year, month = int(full[:4]), min(max(int(full[4:6]), 1), 12)
    last_day = calendar.monthrange(year, month)[1]
    day = last_day if len(ts) <= 6 else min(max(int(full[6:8]), 1), last_day)
    return f"{year:04d}{month:02d}{day:02d}{full[8:]}"


def timestamp_datetime(ts: str) -> datetime:
    """A 14-digit timestamp as an aware UTC datetime, tolerating the ``00`` months and
    days of year-2000 captures (EDGI ``parse_timestamp``)."""
    ts = pad_timestamp(ts)
    year, month, day = int(ts[0:4]), int(ts[4:6]), int(ts[6:8])
    month = min(max(month, 1), 12)
    day = min(max(day, 1), calendar.monthrange(year, month)[1])
    hour, minute, second = min(int(ts[8:10]), 23), min(int(ts[10:12]), 59), min(int(ts[12:14]), 59)
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def to_timestamp(value: str | date | datetime | None) -> str | None:
    """A frontmatter ``date`` (``"2021-02-07T20:58:00"``, ``2021-02-07``, a YAML datetime)
    as a 14-digit UTC timestamp; None when absent or unreadable (2% of Citizen News
    files have ``date: ""``)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value if value.tzinfo is None else value.astimezone(UTC).replace(tzinfo=None)
        return moment.strftime("%Y%m%d%H%M%S")
    if isinstance(value, date):
        return value.strftime("%Y%m%d") + "000000"
    text = value.strip()
    if is_timestamp(text):
        return pad_timestamp(text)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return to_timestamp(parsed)


def wanted_timestamp(written: str | None, document_date: str | None) -> str | None:
    """The moment a reference wants, as 14 digits (None: no preference, the latest).

    The timestamp written in the reference wins; a partial one (``2021im_``) is
    narrowed by the document's date when that falls inside it (an article's images
    were captured around its publication), else aimed at the period's end like the
    Wayback Machine does. Without a written timestamp, the document's date.
    """
    if written and is_timestamp(written):
        if len(written) == 14:
            return written
        if document_date and document_date.startswith(written):
            return document_date
        return pad_timestamp(written)
    return document_date


def distance(ts: str, target: str | None) -> float:
    """Seconds between two timestamps; with no target, newer is nearer."""
    if target is None:
        return -timestamp_datetime(ts).timestamp()
    return abs((timestamp_datetime(ts) - timestamp_datetime(target)).total_seconds())


# --- URL identity as the archive's index sees it ------------------------------


def _fold_escapes(part: str) -> str:
    def fix(m: re.Match[str]) -> str:
        char = chr(int(m.group(1), 16))
        return char if char in _UNRESERVED else "%" + m.group(1).upper()

    return _ESCAPE.sub(fix, part)


def _split(url: str) -> tuple[str, str, str]:
    if "://" not in url[:12]:
        url = "http://" + url.lstrip("/")
    parts = urlsplit(safe_url_string(url, encoding="utf-8"))
    host = (parts.hostname or "").rstrip(".").lower()
    host = _WWW.sub("", host)
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is not None and port not in (80, 443):
        host = f"{host}:{port}"
    return host, _fold_escapes(parts.path) or "/", _fold_escapes(parts.query)


def url_key(url: str) -> str:
    """Fold ``url`` the way the CDX index's SURT canonicalizer does (IA
    ``IAURLCanonicalizer``): no scheme, lower case, no ``www``/default port/fragment/
    trailing slash, sorted query, one percent-encoding (raw CJK and ``%E5%9C%96``
    alike). Two URLs with the same key are one index entry."""
    host, path, query = _split(url)
    path = path.rstrip("/") or "/"
    key = host + path
    if query:
        key += "?" + "&".join(sorted(query.split("&")))
    return key.lower()


def prefix_key(prefix: str) -> str:
    """The key prefix a CDX ``matchType=prefix`` query on ``prefix`` covers (a trailing
    slash kept, so ``/media/`` does not claim ``/media-kit``)."""
    host, path, _ = _split(prefix)
    return (host + path).lower()


def covers(prefix: str, url: str) -> bool:
    """Whether a prefix query on ``prefix`` lists the captures of ``url``."""
    return url_key(url).startswith(prefix_key(prefix))


def group_by_prefix(urls: Iterable[str], *, min_group: int = 20) -> dict[str, list[str]]:
    """Group URLs by the deepest directory shared by at least ``min_group`` of them.

    A CDX prefix query costs one request per page (thousands of rows) while an
    exact lookup costs one per URL, so a group worth a prefix query is one big
    enough to amortise it; smaller leftovers get no prefix (key ``""``).
    """
    dirs: dict[str, list[str]] = defaultdict(list)
    for url in urls:
        host, path, _ = _split(url)
        dirs[host + path[: path.rfind("/") + 1]].append(url)
    groups: dict[str, list[str]] = defaultdict(list)
    # Deepest directories first, so that a directory's own URLs and those its
    # subdirectories hand up are counted together (``blog/about.html`` with
    # ``blog/2021/a.html`` and ``blog/2021/b.html`` make a group of three).
    while dirs:
        depth = max(directory.count("/") for directory in dirs)
        for directory in [d for d in dirs if d.count("/") == depth]:
            members = dirs.pop(directory)
            parent = directory.rstrip("/")
            if len(members) >= min_group:
                groups[directory].extend(members)
            elif "/" in parent:
                dirs[parent[: parent.rfind("/") + 1]].extend(members)
            else:
                groups[""].extend(members)
    return dict(groups)


# --- media types ----------------------------------------------------------------

_IMAGE_MAGIC: tuple[bytes, ...] = (
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",
    b"GIF87a",
    b"GIF89a",
    b"BM",
    b"\x00\x00\x01\x00",
    b"II*\x00",
    b"MM\x00*",
)


def sniff_image(head: bytes) -> bool:
    """Whether the first bytes are an image format (magic numbers, plus WebP/AVIF/SVG)."""
    if head.startswith(_IMAGE_MAGIC):
        return True
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return True
    if head[4:12] in (b"ftypavif", b"ftypheic", b"ftypmif1"):
        return True
    text = head[:512].lstrip().lower()
    return text.startswith(b"<svg") or (text.startswith(b"<?xml") and b"<svg" in text)


def main_type(content_type: str | None) -> str:
    """``image/png; charset=x`` → ``image/png``; empty when unknown."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def body_fits(want: Want, content_type: str | None, head: bytes) -> bool:
    """Whether fetched bytes can stand for a reference wanting ``want``.

    An image reference needs an image: ``image/*``, or bytes that are one whatever
    the label says (captures with ``text/plain`` or no type exist). A page or
    other link takes whatever the page was.
    """
    if want is not Want.IMAGE:
        return True
    return main_type(content_type).startswith("image/") or sniff_image(head)


# --- choosing among index rows ---------------------------------------------------


def _status_rank(status: int | None) -> int | None:
    if status is None:
        return 1  # warc/revisit rows ("-"): duplicates of a capture, often playable
    if 200 <= status < 300:
        return 0
    if 300 <= status < 400:
        return 2  # a captured redirect may lead to the content
    return None  # an archived error page rescues nothing


def _mime_rank(want: Want, mimetype: str | None) -> int | None:
    mime = main_type(mimetype)
    if want is not Want.IMAGE:
        return 0
    if mime.startswith("image/"):
        return 0
    if mime in UNKNOWN_TYPES:
        return 1
    return None  # text/html for an image: the HTML error page the issue warns about


def rank_snapshots(
    rows: Sequence[Snapshot], *, target: str | None, want: Want, requested: str | None = None
) -> list[Snapshot]:
    """Usable rows, best first: 200 before revisits before redirects, a fitting media
    type before an unknown one, then nearest to ``target`` (newest without one), then
    the exact spelling of ``requested`` before other spellings of the same key."""
    ranked: list[tuple[tuple[int, int, float, int], Snapshot]] = []
    for row in rows:
        status = _status_rank(row.status)
        mime = _mime_rank(want, row.mimetype)
        if status is None or mime is None:
            continue
        spelling = 0 if requested is None or row.original == requested else 1
        ranked.append(((status, mime, distance(row.timestamp, target), spelling), row))
    ranked.sort(key=lambda pair: pair[0])
    # The index can list one timestamp twice with different digests (the recorded
    # zew.de 1997 capture); playback serves one of them, so neither can be checked.
    digests: dict[str, set[str | None]] = defaultdict(set)
    for row in rows:
        digests[row.timestamp].add(row.digest)
    best: dict[str, Snapshot] = {}
    for _, row in ranked:
        if row.timestamp not in best:
            ambiguous = len(digests[row.timestamp]) > 1
            best[row.timestamp] = replace(row, digest=None) if ambiguous else row
    return list(best.values())


def describe_unusable(rows: Sequence[Snapshot], want: Want) -> str:
    """Why none of ``rows`` can be rescued, for the report."""
    statuses = sorted({str(r.status) for r in rows if _status_rank(r.status) is None})
    mimes = sorted({main_type(r.mimetype) for r in rows if _mime_rank(want, r.mimetype) is None})
    parts = []
    if mimes:
        parts.append(f"captured only as {', '.join(mimes)} (wanted {want.value})")
    if statuses:
        parts.append(f"captured only as HTTP {', '.join(statuses)}")
    return "; ".join(parts) or "no usable capture"
