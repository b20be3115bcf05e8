"""Resolve what a reference says into the original resource it means.

Three bases exist in real corpora (docs/corpus-patterns.md, "Consequences"):

- the archive: root-relative ``/web/<ts>/<url>`` links scraped from Wayback pages;
- the article's own address (frontmatter ``original_url``, else ``url``): relative
  links such as ``../../international/<slug>/`` (Stand News, depth 2) — never the
  file system, since the file layout has nothing to do with the site's;
- none: absolute URLs, with archive layers unwrapped to the innermost original.

Destinations are never trusted to be clean: a stray ``"`` at the end, whitespace
or newlines inside, raw non-ASCII, HTML leaked in (``<iframe src=``), wiki-cite
junk (``%7Carchive-url=…``). Each is repaired or turned into an ``invalid`` /
``skipped`` value with a reason; nothing here raises on bad input.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from linkrescue.archive import store_at
from linkrescue.archive.urls import (
    SCHEME,
    WAYBACK_ROOT,
    ArchiveLayer,
    encode_relative,
    encode_url,
    fast_key,
    key_of_parts,
    looks_like_host,
    parse_archive_url,
    repair_original,
)
from linkrescue.rewriters.destinations import destination_value
from linkrescue.rewriters.liquid import has_template
from linkrescue.rewriters.model import Reference, RefKind


class Status(StrEnum):
    """The scan contract's ``status`` values."""

    REMOTE = "remote"
    INTERNAL = "internal"
    LOCAL = "local"
    SKIPPED = "skipped"
    INVALID = "invalid"


@dataclass(frozen=True, slots=True)
class Resolution:
    """What one reference means: the original's absolute URL, its archive, and a status."""

    status: Status
    url: str | None = None
    archive: ArchiveLayer | None = None
    reason: str | None = None
    key: str | None = None
    stored: str | None = None
    """For a ``local`` reference into the store: the file's path inside it (POSIX,
    decoded), whether or not the file is still there."""


@dataclass(frozen=True, slots=True)
class StoreLocation:
    """Where the store is, so a reference into it is known as the store's.

    ``root``: the store folder's real path; ``prefix``: the site-absolute prefix of
    ``[rewrite] style = "absolute"`` (``/rescued/``), or None.
    """

    root: str
    prefix: str | None = None


_SKIP_SCHEMES = {
    "mailto": "mailto: link",
    "tel": "tel: link",
    "sms": "sms: link",
    "data": "data: URI (inline content)",
    "javascript": "javascript: link",
    "about": "about: link",
    "blob": "blob: URL",
    "chrome": "browser-internal URL",
}
#: An encoded address with an http(s) scheme and a plain host (no userinfo or port).
_PLAIN_ADDRESS = re.compile(r"https?://[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?(?:[/?#]|\Z)")
_CITE_JUNK = re.compile(r"(?:%7C|\|)(?:archive-?url|archivedate|url-status)=", re.IGNORECASE)
_NOT_URL_CHARS = re.compile(r"[<>\x00-\x1f\x7f]")
#: ``{{ site.url }}``, ``{{ site.baseurl }}`` or both, then a path (Jekyll sites); a raw
#: Markdown destination has lost its spaces by then (``{{site.url}}/news/``).
_SITE_PREFIX = re.compile(
    r"\{\{\s*site\.(?:url\s*\}\}\{\{\s*site\.baseurl|url|baseurl)\s*\}\}(?=[/?#]|\Z)"
)
TEMPLATE_CODE = "template code"
#: Reasons ``check`` reads back: a relative link with nothing to resolve it against (a
#: file of a documentation site without ``[corpus] content_root``), a same-page link.
NO_ADDRESS = "relative link, and the document has no address to resolve it"
SAME_PAGE = "fragment-only link (same page)"
#: A Hugo shortcode (``{{< relref "x" >}}``, ``{{% ref "x" %}}``): the site generator
#: replaces it, so it is template code too, never a URL (documentation sites).
_SHORTCODE = re.compile(r"\{\{[<%].*?[>%]\}\}", re.DOTALL)


def clean_destination(ref: Reference) -> str:
    """The URL a reference's destination stands for, as a browser would read it.

    Its syntax's escapes are undone by :func:`~linkrescue.rewriters.destinations.destination_value`
    (the scanner said which syntax it is). A stray quote left at either end by a
    broken scraper (Stand News: ``…%E8%AD%98")``) is dropped.
    """
    value = destination_value(ref)
    while value[-1:] in ('"', "'", "”", "’") and value.count(value[-1]) % 2 == 1:
        value = value[:-1]
    while value[:1] in ('"', "'") and value.count(value[0]) % 2 == 1:
        value = value[1:]
    return value


def store_location(store_dir: Path, *, absolute_prefix: str | None = None) -> StoreLocation | None:
    """The store at ``store_dir`` as references see it, or None when no store is there yet."""
    root = store_at(store_dir)
    return None if root is None else StoreLocation(str(root), absolute_prefix)


def resolve(
    ref: Reference,
    doc_dir: str,
    address: str | None,
    store: StoreLocation | None = None,
    *,
    site: str | None = None,
) -> Resolution:
    """Resolve one reference of a document whose own address is ``address`` (encoded, absolute).

    A reference into ``store`` (what a rewrite wrote) is ``local`` with its path
    inside the store, even when the file is gone: it is never resolved against the
    document's address (that asked the archive for ``https://<site>/rescued/…``).
    Liquid template code (Jekyll) is ``skipped``, never fetched
    (:mod:`linkrescue.rewriters.liquid`), except ``{{ site.url }}``/``{{ site.baseurl }}``
    before a path when ``site`` (``[corpus] base_url``) says what they stand for.
    A reference-style use (``md-refuse``) means what its definition means, and is
    ``invalid`` when its label is defined nowhere in the document.
    """
    if ref.kind is RefKind.MD_REFUSE:
        if ref.definition is None:
            return Resolution(Status.INVALID, reason=f"no definition for the label [{ref.key}]")
        return resolve(ref.definition, doc_dir, address, store, site=site)
    target = clean_destination(ref)
    if "{" in target and (has_template(target) or _SHORTCODE.search(target)):
        expanded = _expand_site(target, site)
        if expanded is None:
            return Resolution(Status.SKIPPED, reason=TEMPLATE_CODE)
        target = expanded
    if store is not None and target:
        inside = _store_reference(ref, target, doc_dir, store)
        if inside is not None:
            return Resolution(Status.LOCAL, url=target, stored=inside)
    if not target:
        return Resolution(Status.SKIPPED, reason="empty URL")
    if target.startswith("#"):
        return Resolution(Status.SKIPPED, reason=SAME_PAGE)
    if _NOT_URL_CHARS.search(target):
        return Resolution(Status.INVALID, reason="not a URL: contains markup or control characters")
    cite = _CITE_JUNK.search(target) if "=" in target else None
    if cite:
        target = target[: cite.start()]

    scheme_match = SCHEME.match(target)
    scheme = scheme_match.group(0)[:-1].lower() if scheme_match else ""
    if scheme in _SKIP_SCHEMES:
        return Resolution(Status.SKIPPED, reason=_SKIP_SCHEMES[scheme])
    if scheme == "file":
        return Resolution(Status.LOCAL, url=target)

    if scheme in ("http", "https") or target.startswith("//"):
        absolute = target
    elif scheme and not looks_like_host(target):
        # "host:port/x" is host-like; any other scheme is not ours to fetch.
        return Resolution(Status.SKIPPED, reason=f"unsupported scheme {scheme}:")
    elif target.startswith("/web/"):
        # Root-relative Wayback links resolve against the archive, not the site.
        absolute = WAYBACK_ROOT + target
    elif looks_like_host(target):
        absolute = "https://" + target
    else:
        local = _local_file(doc_dir, target)
        if local is not None:
            return Resolution(Status.LOCAL, url=local)
        if address is None:
            return Resolution(Status.INVALID, reason=NO_ADDRESS)
        if not target.startswith(("/", ".")) and "/" not in target and _is_prose(target):
            return Resolution(Status.INVALID, reason="destination is text, not a URL")
        absolute = urljoin(address, encode_relative(target))
    return resolve_absolute(absolute)


@lru_cache(maxsize=4096)
def resolve_absolute(absolute: str) -> Resolution:
    """Resolve an absolute (or scheme-relative) URL: unwrap archives, encode, key.

    Cached: a corpus repeats the same targets many times (the frontmatter image
    is the body's first image; links to the outlet's own pages recur), and the
    result depends on nothing but the string. The repeats are near each other: 4,096
    entries scan 50,000 articles as fast as 16,384 did (16.7 s against 17.0 s, two
    runs each), and a scan worker stays at 48 MiB instead of growing to 77 with the
    corpus (issue 12, item 9).
    """
    layer = None
    archived = parse_archive_url(absolute)
    if archived is not None:
        layer = archived.outer
        absolute = archived.original
        if not SCHEME.match(absolute):
            return Resolution(
                Status.INVALID, archive=layer, reason="archive URL does not wrap a URL"
            )
    if absolute.startswith("//"):
        absolute = "https:" + absolute
    try:
        url = encode_url(absolute)
        key = fast_key(url)
        if key is not None:  # plain http(s) URL with a dotted lower-case host
            return _remote(url, layer, key)
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError for a non-numeric or out-of-range port
    except (ValueError, UnicodeError) as exc:
        return Resolution(Status.INVALID, archive=layer, reason=f"malformed URL: {exc}")
    if parts.scheme not in ("http", "https"):
        reason = _SKIP_SCHEMES.get(parts.scheme, f"unsupported scheme {parts.scheme}:")
        return Resolution(Status.SKIPPED, url=url, archive=layer, reason=reason)
    if not parts.hostname or ("." not in parts.hostname and parts.hostname != "localhost"):
        return Resolution(Status.INVALID, url=url, archive=layer, reason="URL has no valid host")
    return _remote(url, layer, key_of_parts(parts))


def _remote(url: str, layer: ArchiveLayer | None, key: str) -> Resolution:
    """A remote resource; its key is its URL object itself when they are equal (most
    resources): pickle then sends one string across the scan's pool and into the
    index's kept scans, and the rescue's task for it keeps one (issue 12, item 9)."""
    return Resolution(Status.REMOTE, url=url, archive=layer, key=url if key == url else key)


def _expand_site(target: str, site: str | None) -> str | None:
    """``target`` with its leading ``{{ site.url }}``/``{{ site.baseurl }}`` replaced by
    ``site``, or None when there is no base URL or template code remains."""
    if not site:
        return None
    m = _SITE_PREFIX.match(target)
    if m is None:
        return None
    expanded = site.rstrip("/") + target[m.end() :]
    return None if has_template(expanded) else expanded


def document_address(value: object) -> str | None:
    """A document's own address from its frontmatter value, encoded and absolute.

    Stand News writes it without a scheme and with raw Chinese
    (``thestandnews.com/china/clubhouse-聊天…``): it gets ``https://``. An address
    that is itself an archive URL stands for its original, so relative links
    resolve against the original site, not against the archive's path.
    """
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not value:
        return None
    if value.startswith("//"):
        value = "https:" + value
    elif not SCHEME.match(value):
        value = "https://" + value
    archived = parse_archive_url(value)
    if archived is not None:
        value = repair_original(archived.original)
        if not SCHEME.match(value):
            return None
    try:
        url = encode_url(value)
        if _PLAIN_ADDRESS.match(url):  # http(s), a plain host: nothing to split (50,000 a run)
            return url
        parts = urlsplit(url)
    except (ValueError, UnicodeError):
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return url


def _store_reference(ref: Reference, target: str, doc_dir: str, store: StoreLocation) -> str | None:
    """The path inside the store that ``target`` names, or None when it points elsewhere.

    A raw Markdown destination loses its white space in :func:`clean_destination`
    (scraping junk), but a store path may hold an ideographic space (U+3000, in
    Chinese titles) that an older rewrite wrote unescaped: the destination as
    written is tried first, so that path is found.
    """
    written = ref.raw.strip()
    candidates = (
        [written, target] if ref.kind is not RefKind.HTML and written != target else [target]
    )
    found = None
    for candidate in candidates:
        inside = _inside_store(candidate, doc_dir, store)
        if inside is not None and _is_file(os.path.join(store.root, inside)):
            return inside
        found = found or inside
    return found


def _inside_store(target: str, doc_dir: str, store: StoreLocation) -> str | None:
    path_part = target.split("#", 1)[0].split("?", 1)[0]
    if not path_part or SCHEME.match(path_part) or path_part.startswith("//"):
        return None
    try:
        name = unquote(path_part) if "%" in path_part else path_part
    except ValueError:
        return None
    if store.prefix and name.startswith(store.prefix):
        inside = os.path.normpath(name[len(store.prefix) :])
    elif name.startswith("/"):
        return None
    else:
        full = os.path.normpath(os.path.join(_real_dir(doc_dir), name))
        if not full.startswith(store.root + os.sep):
            return None
        inside = full[len(store.root) + 1 :]
    if inside.startswith(("..", "/")) or inside == ".":
        return None
    return inside.replace(os.sep, "/")


#: The files a resolution asked the disk about, with the answers, while a caller records
#: them (:func:`recording_probes`): a kept scan of a document holds only while the disk
#: still answers the same (a relative image link is ``local`` only while its file exists).
_probes: list[tuple[str, bool]] | None = None


def _is_file(path: str) -> bool:
    found = os.path.isfile(path)
    if _probes is not None:
        _probes.append((os.path.abspath(path), found))
    return found


def recording_probes(probes: list[tuple[str, bool]] | None) -> None:
    """Record each file asked about in ``probes`` from now on (None: stop recording).

    One scan worker reads one document at a time, so a module variable is enough.
    """
    global _probes
    _probes = probes


@lru_cache(maxsize=1024)
def _real_dir(doc_dir: str) -> str:
    return os.path.realpath(doc_dir or ".")


def _local_file(doc_dir: str, target: str) -> str | None:
    """A relative target that names an existing file next to the document is already local.

    This is what a rescued document links to (``../rescued/host/x.png``); checking
    the disk is only for that verdict, never for resolving a remote link.
    """
    path_part = target.split("#", 1)[0].split("?", 1)[0]
    if not path_part or path_part.startswith("/") or path_part.endswith("/"):
        return None  # a folder URL (the Stand News ../../section/slug/ links) is never a file
    try:
        name = unquote(path_part) if "%" in path_part else path_part
        if _is_file(os.path.join(doc_dir, name)):
            return path_part
    except (OSError, ValueError):
        return None
    return None


def _is_prose(target: str) -> bool:
    """Citizen News has bare Chinese text as a destination: not a URL of anything."""
    return any(ord(c) > 127 for c in target) and "." not in target
