"""Map a resource's URL to a human-browsable, provably contained path in the store.

The store is browsed by people (``rescued/www.example-news.com/news_新聞/圖片.jpg``)
and linked from rewritten Markdown, so a path reads like the URL; but URLs in real
corpora are hostile or broken (``..``, ``%2F``, NUL, 5,000-character slugs, raw
CJK, mojibake), so every component is sanitized until it is a plain file name on
Linux, macOS and Windows alike. The rules, in order:

- The scheme, userinfo and fragment are dropped; ``http`` and ``https`` copies of a
  page share a folder. A default port is dropped, another kept as ``host_8080``.
- The host is lowercased and IDNA labels are shown in **Unicode** (``xn--…`` is
  decoded), because the store is for reading; a label that fails to decode stays
  as written. A URL without ``//`` and without a scheme (``bit.ly/x``, Stand News'
  ``original_url``) takes its first segment as the host; a URL with a scheme but
  no authority (``mailto:``, ``data:``, ``C:\\x``) goes under ``_<scheme>``.
- ``\\`` separates segments like ``/`` (as browsers do for web URLs); dot segments
  (``.``, ``..``, ``%2e%2E``) are resolved like a browser resolves them, never
  above the host. Each segment is then percent-decoded as UTF-8 (bytes that are
  not UTF-8 stay as ``%XX`` text) and NFC-normalized.
- Sanitizing a component: ``/`` and ``\\`` from ``%2F``/``%5C``, control and format
  characters, surrogates and Windows-reserved ``<>:"|?*`` become ``_``; leading
  and trailing spaces and dots are stripped (Windows drops trailing ones; a leading
  dot would hide the file and could name the store's own ``.objects``); an empty
  result is ``_``; Windows device names (``CON``, ``nul.txt``…) get a ``_``.
- A query becomes part of the file name before its extension:
  ``photo.jpg?w=300`` → ``photo@q=w=300.jpg``.
- A directory URL (empty path, trailing ``/``) becomes ``index`` plus the
  mimetype's extension, ``index.html`` when the mimetype is unknown. A file whose
  extension does not match a known mimetype gets that mimetype's extension
  appended (``page.php`` served as HTML → ``page.php.html``), like wget's
  ``--adjust-extension``, so the file opens correctly from disk.
- A component longer than :data:`MAX_COMPONENT_BYTES` UTF-8 bytes is truncated and
  tagged ``~<hash>`` (hash of the untruncated text, so distinct long names stay
  distinct), keeping its extension; a path longer than :data:`MAX_PATH_BYTES`
  folds its middle folders into one ``_~<hash>`` folder (macOS's PATH_MAX is 1024).

This mapping is deliberately lossy (``a:b`` and ``a_b``, ``A.png`` and ``a.png``,
``http`` and ``https`` meet), so it is not the store's identity: :mod:`linkrescue.archive.store.store`
claims each path for one resource key in the index and, on any clash (including
a clash only a case-insensitive or normalizing file system would see, see
:func:`fold`), re-tags the clashing component with :func:`tagged`.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from array import array
from collections import Counter
from collections.abc import Callable, Collection, Iterable
from pathlib import PurePosixPath
from urllib.parse import unquote, unquote_to_bytes

from linkrescue.archive.urls import SCHEME

MAX_COMPONENT_BYTES = 200
"""Bytes per path component: under every file system's 255 limit, with room for a ``~tag``."""

MAX_PATH_BYTES = 768
"""Bytes of a whole relative path, so root + path stays under macOS's PATH_MAX of 1024."""

QUERY_MARK = "@q="
"""Separates a file name from its query (wget uses ``@`` for ``?`` on Windows, too)."""

TAG_MARK = "~"
"""Introduces a disambiguating or truncation hash tag."""

INDEX_FILENAME = "index.sqlite3"
OBJECTS_DIRNAME = ".objects"
STAGING_DIRNAME = ".staging"
RESERVED_TOP_LEVEL = frozenset(
    {
        INDEX_FILENAME,
        f"{INDEX_FILENAME}-wal",
        f"{INDEX_FILENAME}-shm",
        f"{INDEX_FILENAME}-journal",
    }
)
"""Names the store itself uses at its root; a host cannot take them (dot names are impossible)."""


def holds_store(names: Collection[str]) -> bool:
    """Whether a folder with these entry names is a linkrescue store (its index and objects).

    Both names are needed: an ``index.sqlite3`` alone may be anyone's database,
    while the pair is what :class:`linkrescue.archive.store.Store` creates on opening. A
    store holds captured pages (a GitHub README saved as ``README.md``), which a
    corpus walk must never read as articles and rewrite.
    """
    return INDEX_FILENAME in names and OBJECTS_DIRNAME in names


_SPECIAL_SCHEMES = {"http": 80, "https": 443, "ws": 80, "wss": 443, "ftp": 21}
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,8}\Z")
_WINDOWS_RESERVED_CHARS = frozenset('<>:"|?*/\\')
_BAD_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_WINDOWS_DEVICES = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"{dev}{n}" for dev in ("COM", "LPT") for n in (*"123456789", "¹", "²", "³")}
)
_DOT_SEGMENTS = frozenset({".", "%2e"})
_DOUBLE_DOT_SEGMENTS = frozenset({"..", ".%2e", "%2e.", "%2e%2e"})
_C0_AND_SPACE = "".join(map(chr, range(0x21)))
_EDGE_JUNK = re.compile(r"\A[\s.]+|[\s.]+\Z")

# Media types a browser opens from disk by extension: primary extension first,
# then the spellings that already count as a match. An explicit table, not the
# ``mimetypes`` module, because that reads /etc/mime.types and the same URL must
# map to the same path on every machine.
_MIME_EXTENSIONS: dict[str, tuple[str, ...]] = {
    "text/html": (".html", ".htm"),
    "application/xhtml+xml": (".xhtml", ".html", ".htm"),
    "text/css": (".css",),
    "text/javascript": (".js", ".mjs"),
    "application/javascript": (".js", ".mjs"),
    "application/x-javascript": (".js", ".mjs"),
    "application/json": (".json",),
    "text/plain": (".txt", ".text"),
    "text/xml": (".xml",),
    "application/xml": (".xml",),
    "application/rss+xml": (".rss", ".xml"),
    "application/atom+xml": (".atom", ".xml"),
    "image/jpeg": (".jpg", ".jpeg", ".jpe", ".jfif"),
    "image/pjpeg": (".jpg", ".jpeg", ".jpe", ".jfif"),
    "image/png": (".png",),
    "image/gif": (".gif",),
    "image/webp": (".webp",),
    "image/avif": (".avif",),
    "image/svg+xml": (".svg", ".svgz"),
    "image/bmp": (".bmp",),
    "image/tiff": (".tif", ".tiff"),
    "image/x-icon": (".ico",),
    "image/vnd.microsoft.icon": (".ico",),
    "application/pdf": (".pdf",),
    "application/zip": (".zip",),
    "application/gzip": (".gz", ".tgz"),
    "video/mp4": (".mp4", ".m4v"),
    "video/webm": (".webm",),
    "audio/mpeg": (".mp3",),
    "audio/ogg": (".ogg", ".oga"),
    "font/woff": (".woff",),
    "font/woff2": (".woff2",),
    "application/font-woff": (".woff",),
}


def store_path(url: str, mimetype: str | None = None) -> PurePosixPath:
    """The browsable path of ``url`` relative to the store root, before clash handling.

    Total: it never raises, whatever the string, and the result is always relative,
    has at least two components (host, name), and has no ``.``/``..``, separator,
    NUL, control or Windows-reserved character in any component.
    """
    host, segments, is_dir, query = _split(url)
    host_name = _fit(_reserved_top_level(_clean(host)), host)
    raw_name = "" if is_dir else _clean(_decode(segments.pop()))
    folders = [_fit(_clean(_decode(seg)), seg) for seg in segments]
    leaf = _leaf_name(raw_name, is_dir, query, mimetype, raw=url)
    return PurePosixPath(host_name, *_fold_long_middle(host_name, folders, leaf, raw=url), leaf)


def fold(path: PurePosixPath | str) -> str:
    """The form of ``path`` under which two paths collide on *some* file system.

    macOS and Windows compare names case-insensitively and macOS also ignores the
    Unicode normalization form, so ``A.png``/``a.png`` and NFC/NFD spellings are one
    file there. Casefolding over-approximates (``ß`` = ``ss``), which only costs a tag.
    """
    text = unicodedata.normalize("NFC", str(path))
    return unicodedata.normalize("NFC", text.casefold())


#: Bits of :func:`deferring`'s bitmaps (a hash that falls on a bit set by another is
#: counted exactly: about 1.3% of them at 113,083 resources).
_BITMAP = 1 << 23


def deferring(resources: Callable[[], Iterable[tuple[str, str]]]) -> frozenset[str]:
    """The keys, among ``resources()`` (key, URL; read twice), that leave their store
    path to another.

    The first resource to claim a path gets it plain and a clashing one gets it
    tagged (:func:`tagged`), so with eight fetching threads the names depended on
    which finished first: ``http://`` and ``https://`` copies of one government press
    release were stored the other way round by one run and by three budgeted nights
    over the same corpus (issue 12, item 3: "the same documents and store"). Among
    the resources a run will store, the smallest key of each group sharing a path
    keeps it; the others defer (:meth:`Store.put`), whatever the order.

    Grouped first by a cheap key (host and path percent-decoded and case-folded,
    without scheme and fragment: what ``http``/``https``, case and encoding variants
    share), then by the path itself; a clash the cheap key misses (``a:b`` and
    ``a_b``) is still resolved, in the order stored.
    """
    # hashes first: a dict of 113,083 cheap keys would cost 25 MiB at the fetching's
    # start, a set of their hashes 8 MiB; two bitmaps of 1 MiB find the few hashes
    # that may come twice, and only those are counted
    hashes = array("q", (hash(_cheap(url)) for _, url in resources()))
    seen, again = bytearray(_BITMAP // 8), bytearray(_BITMAP // 8)
    for h in hashes:
        bit = h & (_BITMAP - 1)
        byte, mask = bit >> 3, 1 << (bit & 7)
        if seen[byte] & mask:
            again[byte] |= mask
        else:
            seen[byte] |= mask
    del seen
    maybe = Counter(h for h in hashes if again[(h & (_BITMAP - 1)) >> 3] & (1 << (h & 7)))
    twice = {h for h, count in maybe.items() if count > 1}
    groups: dict[str, list[tuple[str, str]]] = {}
    for (key, url), h in zip(resources(), hashes, strict=True):
        if h in twice:
            groups.setdefault(_cheap(url), []).append((key, url))
    out: set[str] = set()
    for members in groups.values():
        if len(members) < 2:
            continue
        by_path: dict[str, list[str]] = {}
        for key, url in members:
            by_path.setdefault(fold(store_path(url)), []).append(key)
        for keys in by_path.values():
            out.update(sorted(keys)[1:])
    return frozenset(out)


def _cheap(url: str) -> str:
    return unquote(url.partition("#")[0].partition("://")[2] or url).casefold()


def tagged(component: str, tag_source: str, *, is_file: bool) -> str:
    """``component`` with ``~<hash of tag_source>`` added, before the extension of a file.

    Used by the store to disambiguate a clashing component; deterministic, so the
    same resource gets the same tagged name on every run.
    """
    tag = TAG_MARK + _digest(tag_source)
    stem, ext = _split_extension(component) if is_file else (component, "")
    stem = _truncate_bytes(stem, MAX_COMPONENT_BYTES - len((tag + ext).encode()))
    return stem + tag + ext


def _split(url: str) -> tuple[str, list[str], bool, str]:
    """Split leniently into (host with port, raw path segments, is-directory, raw query).

    Not :func:`urllib.parse.urlsplit`: that raises on some inputs (``http://[x``)
    and keeps ``\\``; a store must accept any string it is handed.
    """
    text = re.sub(r"[\t\n\r]", "", url).strip(_C0_AND_SPACE)
    text = text.partition("#")[0].replace("\\", "/")
    scheme = ""
    match = SCHEME.match(text)
    if match:
        scheme, text = match.group(0)[:-1].lower(), text[match.end() :]
    if scheme in _SPECIAL_SCHEMES:
        text = "//" + text.lstrip("/")  # http:/host and http:///host mean //host.
    text, _, query = text.partition("?")
    if text.startswith("//"):
        authority, _, path = text[2:].partition("/")
        host = _host(authority, _SPECIAL_SCHEMES.get(scheme))
    elif not scheme:
        authority, _, path = text.partition("/")
        host = _host(authority, None)
    else:
        host, path = "_" + scheme, text
    segments: list[str] = []
    parts = path.split("/")
    for raw in parts:
        lowered = raw.lower()
        if lowered in _DOUBLE_DOT_SEGMENTS:
            if segments:
                segments.pop()
        elif lowered not in _DOT_SEGMENTS and raw:
            segments.append(raw)
    # Empty segments (a//b) are dropped: a folder cannot be named "".
    last = parts[-1].lower()
    is_dir = not segments or not last or last in _DOT_SEGMENTS | _DOUBLE_DOT_SEGMENTS
    return host, segments, is_dir, query


def _host(authority: str, default_port: int | None) -> str:
    """Host and port of an authority, lowercased, userinfo dropped, IDNA in Unicode."""
    hostport = authority.rpartition("@")[2]
    host, port = hostport, ""
    if hostport.startswith("["):
        end = hostport.find("]")
        if end != -1:
            host, rest = hostport[: end + 1], hostport[end + 1 :]
            port = rest[1:] if rest.startswith(":") else ""
    elif ":" in hostport:
        host, _, port = hostport.rpartition(":")
    if port and not (port.isascii() and port.isdigit()):
        host, port = hostport, ""  # Not a port: keep the text, it is sanitized later.
    elif port and default_port is not None and int(port) == default_port:
        port = ""
    host = _decode(host).lower().rstrip(".")
    host = ".".join(_idna_label(label) for label in host.split("."))
    return f"{host}_{int(port)}" if port else host


def _idna_label(label: str) -> str:
    if not label.startswith("xn--"):
        return label
    try:
        return label[4:].encode("ascii").decode("punycode").lower()
    except (UnicodeError, ValueError):
        return label


def _decode(text: str) -> str:
    """Percent-decode as UTF-8; bytes that are not UTF-8 stay visible as ``%XX``."""
    raw = unquote_to_bytes(text.encode("utf-8", "surrogatepass"))
    decoded = raw.decode("utf-8", "surrogateescape")
    return "".join(
        f"%{ord(ch) - 0xDC00:02X}" if "\udc80" <= ch <= "\udcff" else ch for ch in decoded
    )


def _clean(text: str) -> str:
    """A component safe on every common file system (see the module docstring)."""
    text = unicodedata.normalize("NFC", text)
    text = "".join(
        "_" if ch in _WINDOWS_RESERVED_CHARS or unicodedata.category(ch) in _BAD_CATEGORIES else ch
        for ch in text
    )
    text = _EDGE_JUNK.sub("", text) or "_"
    stem = text.split(".", 1)[0].rstrip(" ")
    if stem.upper() in _WINDOWS_DEVICES:
        text = stem + "_" + text[len(stem) :]
    return text


def _reserved_top_level(host: str) -> str:
    return host + "_" if fold(host) in RESERVED_TOP_LEVEL else host


def _leaf_name(name: str, is_dir: bool, query: str, mimetype: str | None, *, raw: str) -> str:
    """File name from the last segment, query and mimetype (see the module docstring)."""
    stem, ext = ("index", "") if is_dir else _split_extension(name)
    if query:
        stem += QUERY_MARK + _clean(_decode(query))
    known = _MIME_EXTENSIONS.get(_bare_mimetype(mimetype))
    if known is not None:
        if ext.lower() not in known:
            ext += known[0]
    elif is_dir:
        ext = ".html"
    leaf = stem + ext
    if len(leaf.encode()) <= MAX_COMPONENT_BYTES:
        return leaf
    return tagged(leaf, raw, is_file=bool(ext))


def _bare_mimetype(mimetype: str | None) -> str:
    return (mimetype or "").partition(";")[0].strip().lower()


def _split_extension(name: str) -> tuple[str, str]:
    match = _EXTENSION.search(name)
    if match is None or match.start() == 0:
        return name, ""
    return name[: match.start()], match.group(0)


def _fit(component: str, raw: str) -> str:
    """``component`` itself, or truncated and tagged when it exceeds the byte limit."""
    if len(component.encode()) <= MAX_COMPONENT_BYTES:
        return component
    return tagged(component, raw, is_file=False)


def _fold_long_middle(host: str, folders: list[str], leaf: str, *, raw: str) -> list[str]:
    """Keep leading folders while the path fits; fold the rest into one tagged folder."""
    budget = MAX_PATH_BYTES - len(host.encode()) - len(leaf.encode()) - 2
    if sum(len(f.encode()) + 1 for f in folders) <= budget:
        return folders
    tail = "_" + TAG_MARK + _digest(raw)
    budget -= len(tail) + 1
    kept: list[str] = []
    for folder in folders:
        size = len(folder.encode()) + 1
        if size > budget:
            break
        kept.append(folder)
        budget -= size
    return [*kept, tail]


def _truncate_bytes(text: str, limit: int) -> str:
    """At most ``limit`` UTF-8 bytes of ``text``, cut on a character boundary."""
    cut = text.encode()[: max(limit, 0)].decode("utf-8", "ignore")
    return cut.rstrip(" .") or "_"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:10]
