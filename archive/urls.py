"""Archive URL grammar and URL identity.

A Wayback playback URL is ``<root>/web/<timestamp><modifiers>/<original>``. The
timestamp is 1 to 14 digits (IA's ``ReplayRequestParser`` regex
``(\\d{1,14})((?:[a-z]{2}[0-9]*_)*)``), optionally ``*`` or ``<digits>*`` for the
capture-list pages; modifiers are ``id_``, ``im_``, ``js_``, ``cs_``, ``if_``,
``fw_``, ``oe_``, ``mp_``, ``cm<N>_`` (docs/wayback-facts.md §1). Scraped corpora write
it every way: ``http://`` and ``https://``, ``wayback.archive.org``, year-only
timestamps (``2021im_``), an original that is percent-encoded
(``http%3A%2F%2F…``), has lost a slash (``http:/host`` — browsers and servers
collapse ``//`` in paths), has no scheme, or is itself an archive URL (a Wayback
capture of an archive.today page, or of another Wayback page).

:func:`parse_archive_url` unwraps all of that to the innermost original and keeps
every layer, outermost first. :func:`resource_key` and :func:`identity_key` give
the two notions of sameness the rest of the program needs: the same resource
(for fetching once and storing once) and the same document (for internal links).

Every comparison of URLs is made with one of the keys here, side by side:

- :func:`resource_key` (:func:`fast_key`, :func:`key_of_parts`): **the same resource**,
  fetched once and stored once; the scheme is kept (``http``/``https`` may differ live);
- :func:`identity_key` (:func:`identity_of_key`): **the same document**, for internal
  links (no scheme, no ``www.``, no trailing slash);
- :func:`url_key`: **the same row of the archive's index**, the archive's own
  canonical form (its SURT), which folds far more (scheme, ``www``, session ids, query
  order); :func:`prefix_key` and :func:`covers`: which keys a prefix listing holds.

The store's browsable path (:func:`linkrescue.archive.store.paths.store_path`) is
deliberately lossy and identifies nothing: the store claims each path for one
resource key, and its ``fold`` says which paths collide on a file system.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast
from urllib.parse import SplitResult, unquote, urljoin, urlsplit, urlunsplit

from w3lib.url import safe_url_string

WAYBACK_ROOT = "https://web.archive.org"

#: Hosts that serve the Internet Archive's Wayback Machine under ``/web/``.
WAYBACK_HOSTS = frozenset({"web.archive.org", "wayback.archive.org", "web-beta.archive.org"})

#: archive.today and its mirrors: ``/<id>`` short forms (no original inside) and
#: ``/<YYYY.MM.DD-hhmmss>/<original>``, ``/newest/<original>``, ``/o/<id>/<original>``.
ARCHIVE_TODAY_HOSTS = frozenset(
    {
        "archive.today",
        "archive.is",
        "archive.ph",
        "archive.md",
        "archive.li",
        "archive.vn",
        "archive.fo",
    }
)

_WAYBACK_PATH = re.compile(
    r"""^/web/
    (?P<ts>\d{1,14}\*?|\*)?            # timestamp as written, or * / 2021* (capture lists)
    (?P<mod>(?:[a-z]{2}\d*_)+)?        # modifiers: id_, im_, cm1252_, if_ ...
    (?:/|(?=[a-zA-Z]))                 # a slash, or straight into the original (/web/http://…)
    (?P<rest>.*)$""",
    re.VERBOSE | re.DOTALL,
)
_TODAY_PATH = re.compile(
    r"^/(?:(?P<ts>\d{4}\.?\d{2}\.?\d{2}-?\d{6})|newest|oldest|o/[A-Za-z0-9]+)/(?P<rest>.+)$",
    re.DOTALL,
)
#: A URI scheme and its colon (RFC 3986 §3.1), matched at the start of a string: the
#: one definition every module that tells an absolute URL from a path uses.
SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_ENCODED_SCHEME = re.compile(r"^https?%3a", re.IGNORECASE)
_ONE_SLASH = re.compile(r"^(https?):(?:/|/{3,})(?=[^/])", re.IGNORECASE)
_HOSTLIKE = re.compile(
    r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?P<tld>[a-z]{2,24})(?::\d+)?$", re.I
)

#: Last labels that look like a TLD but are file extensions: ``index.html`` and
#: ``photo.jpg`` are relative paths, ``bit.ly/x`` and ``fb.com/x`` are hosts.
FILE_EXTENSIONS = frozenset(
    [
        "html",
        "htm",
        "shtml",
        "xhtml",
        "php",
        "asp",
        "aspx",
        "jsp",
        "cgi",
        "md",
        "markdown",
        "txt",
        "json",
        "xml",
        "css",
        "js",
        "png",
        "jpg",
        "jpeg",
        "gif",
        "webp",
        "svg",
        "bmp",
        "ico",
        "tif",
        "tiff",
        "pdf",
        "doc",
        "docx",
        "xls",
        "xlsx",
        "ppt",
        "pptx",
        "zip",
        "gz",
        "rar",
        "mp3",
        "mp4",
        "mov",
        "avi",
        "webm",
        "ogg",
        "wav",
        "csv",
        "rss",
        "atom",
    ]
)


@dataclass(frozen=True, slots=True)
class ArchiveLayer:
    """One archive wrapper: where it is, and the timestamp and modifier as written."""

    root: str
    timestamp: str | None
    modifier: str | None


@dataclass(frozen=True, slots=True)
class ArchiveURL:
    """An archive URL unwrapped: its layers (outermost first) and the innermost original.

    ``original`` is as written inside the archive URL after the repairs described
    in the module docstring, not yet percent-encoded; it is the URL of the resource
    the reference really means.
    """

    layers: tuple[ArchiveLayer, ...]
    original: str

    @property
    def outer(self) -> ArchiveLayer:
        """The outermost archive: the one the document actually links to."""
        return self.layers[0]


def parse_archive_url(url: str) -> ArchiveURL | None:
    """Unwrap ``url`` if it is an archive URL (absolute or scheme-relative), else None.

    A URL of an archive that wraps no original (the archive's home page, an
    archive.today short id such as ``https://archive.ph/AbCd``) is not unwrapped:
    at the top level it is an ordinary URL, and nested inside a Wayback URL it is
    the innermost original (the Wayback Machine captured the archive.today page).
    """
    if "archive." not in url[:40].lower():  # every archive host has it near the start
        return None
    layers: list[ArchiveLayer] = []
    current = url
    for _ in range(8):  # nesting deeper than this is not a real corpus case
        if layers and "archive." not in current[:40].lower():
            break
        layer = _split_layer(current)
        if layer is None:
            break
        root_layer, inner = layer
        layers.append(root_layer)
        current = repair_original(inner)
    if not layers:
        return None
    return ArchiveURL(tuple(layers), current)


def _split_layer(url: str) -> tuple[ArchiveLayer, str] | None:
    if url.startswith("//"):
        url = "https:" + url
    scheme_end = url.find("://")
    if scheme_end <= 0:
        return None
    scheme = url[:scheme_end].lower()
    if scheme not in ("http", "https"):
        return None
    rest = url[scheme_end + 3 :]
    slash = rest.find("/")
    if slash <= 0:
        return None
    host = rest[:slash].lower()
    path = rest[slash:]
    bare_host = host.split(":", 1)[0]
    if bare_host.startswith("www."):
        bare_host = bare_host[4:]
    root = f"{scheme}://{host}"
    if bare_host in WAYBACK_HOSTS:
        m = _WAYBACK_PATH.match(path)
        if m is None or not m.group("rest"):
            return None
        return ArchiveLayer(root, m.group("ts"), m.group("mod")), m.group("rest")
    if bare_host in ARCHIVE_TODAY_HOSTS:
        m = _TODAY_PATH.match(path)
        if m is None:
            return None
        ts = m.group("ts")
        return ArchiveLayer(root, ts, None), m.group("rest")
    return None


def root_relative_archive(path: str, root: str = WAYBACK_ROOT) -> ArchiveURL | None:
    """Parse a root-relative Wayback link (``/web/<ts>/<url>``) against ``root``.

    Pages scraped from the Wayback Machine keep its root-relative links (Citizen
    News: ``[text](/web/20211231120000/https://www.example-news.com/article/…)``);
    they point into the archive, never to the article's own site.
    """
    if not path.startswith("/web/"):
        return None
    return parse_archive_url(root.rstrip("/") + path)


def repair_original(inner: str) -> str:
    """Undo what scrapers and archives do to the original inside an archive URL.

    - percent-encoded whole URL (``https%3A%2F%2Fx``): decoded once, as EDGI's
      ``clean_memento_component`` does;
    - one slash after the scheme (``http:/host/…``: a ``//`` collapsed in a path);
    - no scheme (``/web/2021/www.example.com/x``): the Wayback Machine assumes http.
    """
    if _ENCODED_SCHEME.match(inner):
        inner = unquote(inner)
    inner = _ONE_SLASH.sub(lambda m: m.group(1) + "://", inner, count=1)
    if inner.startswith("//"):
        return "http:" + inner
    if not SCHEME.match(inner) and looks_like_host(inner):
        return "http://" + inner
    return inner


def looks_like_host(target: str) -> bool:
    """True when a scheme-less target starts with a host name (``bit.ly/abc``, ``fb.com/x``).

    The last label must be letters and not a common file extension, so
    ``article.html`` or ``photo.jpg`` stays a relative path.
    """
    first = re.split(r"[/?#]", target, maxsplit=1)[0]
    m = _HOSTLIKE.match(first)
    return m is not None and m.group("tld").lower() not in FILE_EXTENSIONS


#: File endings that name an image: a link to ``…/photo.jpg`` means the photo.
IMAGE_EXTENSIONS = frozenset(
    {"jpg", "jpeg", "jpe", "png", "gif", "webp", "avif", "bmp", "tif", "tiff", "ico", "svg"}
)
_LAST_EXTENSION = re.compile(r"\.([A-Za-z]{2,5})$")


def names_an_image(url: str) -> bool:
    """Whether ``url``'s path ends in an image's file ending (``.jpg``, ``.png`` …).

    A Markdown link (not an image) to ``…/photo.jpg`` still wants the photo: an HTML
    error page or gallery page the archive captured at that URL is no rescue of it
    (the peers benchmark found 13 such links kept as HTML, docs/BENCHMARKS.md)."""
    try:
        path = urlsplit(url).path if "://" in url else url.split("?", 1)[0].split("#", 1)[0]
    except ValueError:  # not a URL a parser takes ("http://[x")
        return False
    m = _LAST_EXTENSION.search(path)
    return m is not None and m.group(1).lower() in IMAGE_EXTENSIONS


_ALREADY_SAFE = re.compile(r"^https?://[a-z0-9.-]+(?:[/?#][A-Za-z0-9\-._~:/?#@!$&'()*+,;=%]*)?$")
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


_SAFE_RELATIVE = re.compile(
    r"^[A-Za-z0-9\-._~:/?@!$&'()*+,;=%]*(?:#[A-Za-z0-9\-._~:/?@!$&'()*+,;=%]*)?$"
)


def encode_relative(target: str) -> str:
    """Percent-encode a relative reference as a browser would, before joining it to a base.

    The Stand News relative links are already percent-encoded ASCII (returned as
    they are); raw Unicode ones (``../../cosmos/加菲證明畢氏定理/``) are encoded.
    """
    if (
        _SAFE_RELATIVE.match(target)
        and not _BAD_PERCENT.search(target)
        and target[-1:] not in ("#", "?")
        and "?#" not in target
    ):
        return target
    return str(safe_url_string(target, encoding="utf-8"))


def encode_url(url: str) -> str:
    """Percent-encode ``url`` the way browsers do (UTF-8, IDNA host), keeping what is already encoded.

    Most URLs of a corpus are already plain ASCII with a lower-case host; those
    are returned as they are (w3lib would return them unchanged, at 10x the cost).
    """
    if _plain(url):
        return url
    if not url.isascii() and url.startswith(("http://", "https://")):
        # Citizen News image URLs: ASCII host, raw Chinese in the path. UTF-8 escapes
        # for the non-ASCII runs is all w3lib would do to them (a test compares).
        slash = url.find("/", url.find("//") + 2)
        if slash != -1 and url[:slash].isascii():
            try:
                encoded = _NON_ASCII.sub(_utf8_escapes, url)
            except UnicodeEncodeError:  # a lone surrogate: let w3lib decide
                encoded = ""
            if encoded and _plain(encoded):
                return encoded
    return str(safe_url_string(url, encoding="utf-8"))


_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def _utf8_escapes(m: re.Match[str]) -> str:
    # bytes.hex with a separator runs in C: a Chinese slug is dozens of escapes, and
    # the identity pass of a 50,000-article corpus encodes one address per article.
    return "%" + m.group(0).encode("utf-8").hex("%").upper()


def _plain(url: str) -> bool:
    """An http(s) URL that a browser would send as it is (w3lib leaves it unchanged).

    A ``'`` in the query is not: the WHATWG URL standard's special-query
    percent-encode set holds it (``?q='a'`` is sent as ``?q=%27a%27``), so w3lib
    escapes it, and two spellings must not make two resources (found by the
    differential test against w3lib). Nor is a ``#`` inside the fragment: the fragment
    percent-encode set has none, but w3lib escapes it (``/##0`` as ``/#%230``).
    """
    return bool(
        _ALREADY_SAFE.match(url)
        and not _BAD_PERCENT.search(url)
        and url[-1] not in "#?"
        and "?#" not in url
        and url.count("#") < 2
        and ("'" not in url or "'" not in url.partition("?")[2].partition("#")[0])
    )


_LOWER_ESCAPE = re.compile(r"%(?:[0-9a-f][a-f]|[a-f][0-9A-F])")
_UNRESERVED_ESCAPE = re.compile(
    r"%(?:2[dDeE]|3[0-9]|4[1-9a-fA-F]|5[0-9aA]|5[fF]|6[1-9a-fA-F]|7[0-9aA]|7[eE])"
)


def _normalize_escapes(part: str) -> str:
    """Upper-case percent escapes and decode those of unreserved characters (RFC 3986 §6.2.2).

    Two rarely-matching regexes instead of one callback per escape: CJK paths
    have dozens of escapes each, almost all already upper-case and reserved.
    """
    if "%" not in part:
        return part
    part = _LOWER_ESCAPE.sub(lambda m: m.group(0).upper(), part)
    return _UNRESERVED_ESCAPE.sub(lambda m: chr(int(m.group(0)[1:], 16)), part)


def resource_key(url: str) -> str:
    """One key per resource however it is written: scheme and host case, default ports,
    percent-encoding case, IDN, fragments. ``url`` should come from :func:`encode_url`.

    The scheme is kept: ``http://x/a`` and ``https://x/a`` may differ on the live web,
    though the archive's SURT index folds them (the client handles that).
    """
    return key_of_parts(urlsplit(url))


_PLAIN_URL = re.compile(r"^(https?)://([a-z0-9-]+(?:\.[a-z0-9-]+)+)(/[^#]*)?(?:#.*)?$", re.DOTALL)


def fast_key(url: str) -> str | None:
    """:func:`resource_key` of a URL that :func:`encode_url` left as it was (lower-case
    host, no port, no userinfo): the common case, without splitting the URL. None otherwise.
    """
    m = _PLAIN_URL.match(url)
    if m is None:
        return None
    scheme, host, rest = m.groups()
    if not rest:
        return f"{scheme}://{host}/"
    path, _, query = rest.partition("?")
    path = _normalize_escapes(path)
    query = _normalize_escapes(query)
    return f"{scheme}://{host}{path}?{query}" if query else f"{scheme}://{host}{path}"


def key_of_parts(parts: SplitResult) -> str:
    """:func:`resource_key` of an already split URL."""
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host
    if port is not None and not (
        (scheme == "http" and port == 80) or (scheme == "https" and port == 443)
    ):
        netloc = f"{host}:{port}"
    path = _normalize_escapes(parts.path) or "/"
    query = _normalize_escapes(parts.query)
    return urlunsplit((scheme, netloc, path, query, ""))


def identity_key(url: str) -> str:
    """A document's identity: its address ignoring scheme, a leading ``www.``, a trailing
    slash and percent-encoding case (``host/path?query``). Used to find internal links.
    """
    return identity_of_key(resource_key(url))


def identity_of_key(key: str) -> str:
    """:func:`identity_key` of a URL whose :func:`resource_key` is ``key`` (saves normalizing twice)."""
    rest = key.split("://", 1)[-1]
    if rest.startswith("www."):
        rest = rest[4:]
    path, sep, query = rest.partition("?")
    path = path.rstrip("/")
    return f"{path}?{query}" if sep and query else path


# --- the archive's canonical form: the same row of its index ---------------------


@functools.cache
def _surt() -> Callable[[str], str]:
    """IA's canonicalizer (PyPI ``surt``), imported on first use: its import pulls in
    ``tldextract`` and ``requests`` (0.15 s), which a scan never needs."""
    from surt import surt

    return cast("Callable[[str], str]", surt)


def encode_original(url: str) -> str:
    """``url`` as it is sent to the archive (playback and CDX alike): UTF-8
    percent-encoded as browsers do, with ``.``/``..`` segments resolved here, where
    they cannot climb out of the original into the archive's path."""
    encoded = str(safe_url_string(url, encoding="utf-8"))
    parts = urlsplit(encoded)
    if "/." in parts.path:
        path = urlsplit(urljoin("http://x/", parts.path.lstrip("/"))).path
        encoded = urlunsplit(parts._replace(path=path))
    return encoded


@functools.lru_cache(maxsize=1 << 12)
def url_key(url: str) -> str:
    """The key the archive's CDX index files ``url`` under: its SURT, made by the
    archive's own canonicalizer (IA ``IAURLCanonicalizer``, the ``surt`` package that
    pywb calls on every row it indexes and every URL it is asked for).

    It drops the scheme, ``www``, default ports, fragments, trailing slashes and
    session ids (``jsessionid=``, ``PHPSESSID=``, ``sid=`` of 32 characters), resolves
    ``/a/../b``, decodes ``%2F``, sorts the query and lower-cases everything, so every
    spelling the index answers for with one row set (raw CJK and ``%E5%9C%96`` alike)
    has one key: ``com,example-news)/news_%e6%96%b0%e8%81%9e/%e5%9c%96%e7%89%87.jpg``.
    A hand-written fold disagreed with it on exactly those cases, and a row filed
    under another key than its reference's is a capture the rescue never sees.

    The SURT is taken of the URL as it is sent (:func:`encode_original`), because
    that is what the archive canonicalizes when asked: ``/a%2Fb/../c`` is ``/c`` to
    a browser and to the request, ``/a/c`` to ``surt`` on the raw spelling.

    Cached for the repeats near each other (a reference's key, then its listing's
    rows); 65,536 entries held 20 MiB in each scan worker and in the rescue at
    50,000 articles for no speed a scan could measure (issue 12, item 9).
    """
    try:
        return _surt()(encode_original(url))
    except ValueError:  # a port that is not a number: no index holds it
        return url.lower()


def prefix_key(prefix: str) -> str:
    """The key range a CDX ``matchType=prefix`` query on ``prefix`` lists: the keys
    starting with its SURT, plus a trailing ``/`` or ``?`` that the query keeps (pywb
    ``calc_search_range``), so ``/media/`` does not claim ``/media-kit``."""
    key = url_key(prefix)
    for tail in "/?":
        if prefix.endswith(tail) and not key.endswith(tail):
            key += tail
    return key


def covers(prefix: str, url: str) -> bool:
    """Whether a prefix query on ``prefix`` lists the captures of ``url``."""
    return url_key(url).startswith(prefix_key(prefix))
