"""Snapshot choice: which capture stands for a reference, decided from index rows alone.

Pure functions, no I/O, so the rules can be tested one by one:

- Wayback timestamps are read and compared in :mod:`linkrescue.archive.timestamps`.
- Index rows of one URL come in many spellings: the CDX index matches them by SURT,
  :func:`linkrescue.archive.urls.url_key` (docs/wayback-facts.md §6).
- The rescue target is the nearest capture to the wanted time, as the archive's
  playback would land on: an image reference must get an image, an archived error
  page rescues nothing, a captured redirect is followed and its *target* judged (its
  own media type is the redirect page's), and a deep URL redirected to its site's
  front page or to an error page is a soft 404 (:func:`soft_404`), not the content.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from urllib.parse import urljoin, urlsplit

from linkrescue.archive.model import Snapshot, Want
from linkrescue.archive.sniff import UNINFORMATIVE
from linkrescue.archive.timestamps import distance
from linkrescue.archive.urls import encode_original

_WWW = re.compile(r"^www\d*\.")
_ESCAPE = re.compile(r"%([0-9a-fA-F]{2})")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def _fold_escapes(part: str) -> str:
    def fix(m: re.Match[str]) -> str:
        char = chr(int(m.group(1), 16))
        return char if char in _UNRESERVED else "%" + m.group(1).upper()

    return _ESCAPE.sub(fix, part)


def _split(url: str) -> tuple[str, str]:
    """Host (lower-cased; a port that is not its scheme's default kept, with the
    scheme: ``surt`` reads a bare ``x.com:8080/`` as a path) and path (as sent, one
    spelling of its escapes) of ``url``, for naming the directories of listings."""
    if "://" not in url[:12]:
        url = "http://" + url.lstrip("/")
    parts = urlsplit(encode_original(url))
    host = (parts.hostname or "").rstrip(".").lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    scheme = parts.scheme.lower()
    if port is not None and (scheme, port) not in (("http", 80), ("https", 443)):
        host = f"{scheme}://{host}:{port}"
    return host, _fold_escapes(parts.path) or "/"


def group_by_prefix(urls: Iterable[str], *, min_group: int = 20) -> dict[str, list[str]]:
    """Group URLs by the deepest directory shared by at least ``min_group`` of them.

    A CDX prefix query costs one request per page (thousands of rows) while an
    exact lookup costs one per URL, so a group worth a prefix query is one big
    enough to amortise it; smaller leftovers get no prefix (key ``""``).

    Hosts are grouped as the archive's key folds them (one leading ``www``), and a
    directory is named with a spelling of its host the archive folds back to the
    same key: one ``www.`` is not stripped twice (``www.www.x.com``), and a host
    with a port keeps its scheme (:func:`_split`), or the listing would claim URLs
    it never lists.
    """
    dirs: dict[str, list[str]] = defaultdict(list)
    spelled: dict[str, str] = {}
    for url in urls:
        host, path = _split(url)
        folded = _WWW.sub("", host.partition("://")[2] or host)
        spelled[folded] = min(spelled.get(folded, host), host)
        # ``/media/`` is listed under ``/``: its key has no trailing slash (``…)/media``).
        dirs[folded + path[: max(path.rstrip("/").rfind("/"), 0) + 1]].append(url)
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
    return {_respell(directory, spelled): members for directory, members in groups.items()}


def _respell(directory: str, spelled: dict[str, str]) -> str:
    if not directory:
        return directory
    folded, _, path = directory.partition("/")
    return spelled[folded] + "/" + path


# --- media types ----------------------------------------------------------------
# What bytes are is decided in archive.sniff (the store and body checks use it).


def main_type(content_type: str | None) -> str:
    """``image/png; charset=x`` → ``image/png``; empty when unknown."""
    return (content_type or "").split(";", 1)[0].strip().lower()


# --- soft 404s: a deep URL redirected to a front page or an error page -------------

#: Paths of a site's front page: ``/``, ``/index.html``, ``/index.php``, ``/default.aspx``…
_FRONT_PAGE = re.compile(
    r"^/*(?:(?:index|default|home|main|start|portal)(?:\.[a-z0-9]{2,5})?/?)?$", re.IGNORECASE
)
#: Path words of an error or login page (whole words: ``/terror-attack`` is an article).
_ERROR_PAGE = re.compile(
    r"(?:^|[^a-z0-9])(?:404|410|(?:page[-_]?)?not[-_]?found|errors?|error[-_]?\d{3}|"
    r"\d{3}[-_]?error|log[-_]?in|sign[-_]?in)(?:[^a-z0-9]|$)",
    re.IGNORECASE,
)


def _host_path(url: str) -> tuple[str, str]:
    parts = urlsplit(url if "://" in url[:12] else "http://" + url.lstrip("/"))
    return _WWW.sub("", (parts.hostname or "").lower()), parts.path


def is_front_page(url: str) -> bool:
    """Whether ``url`` is a site's front page (``/``, ``/?…``, ``/index.html``…)."""
    return bool(_FRONT_PAGE.match(_host_path(url)[1]))


def soft_404(source: str, target: str) -> str | None:
    """Why a captured redirect from ``source`` to ``target`` is a dead page's answer and
    not its content, or None when it may lead to the content.

    Dead and closing sites redirect every article and image to their front page
    (The Stand News after 2021-12-29) or to an error or login page; following such
    a redirect would store a front page in place of the article. IA's own link-rescue
    bot rejects these captures the same way. Only a deep ``source`` is judged: a
    front page moving to another (http→https, ``www``) is fine. A front page counts
    on the same site only (the hosts equal, or one a subdomain of the other, ``www``
    aside), because a shortened link (``bit.ly/…``) may well lead to a home page.
    """
    if is_front_page(source):
        return None
    source_host, _ = _host_path(source)
    target_host, target_path = _host_path(target)
    same_site = (
        source_host == target_host
        or source_host.endswith("." + target_host)
        or target_host.endswith("." + source_host)
    )
    if same_site and _FRONT_PAGE.match(target_path):
        return f"a redirect to the front page ({target})"
    if _ERROR_PAGE.search(target_path):
        return f"a redirect to an error page ({target})"
    return None


# --- choosing among index rows ---------------------------------------------------


def _status_rank(status: int | None) -> int | None:
    if status is None:
        return 1  # warc/revisit rows ("-"): duplicates of a capture, often playable
    if 200 <= status < 300:
        return 0
    if 300 <= status < 400:
        return 2  # a captured redirect may lead to the content
    return None  # an archived error page rescues nothing


def _is_redirect(row: Snapshot) -> bool:
    return row.status is not None and 300 <= row.status < 400


def _mime_rank(want: Want, row: Snapshot) -> int:
    if want is not Want.IMAGE or _is_redirect(row):
        # A redirect row's media type is the redirect answer's (text/html, unk…), not
        # the target's: the target is judged once playback has followed it.
        return 0
    mime = main_type(row.mimetype)
    if mime.startswith("image/"):
        return 0
    if mime in UNINFORMATIVE:
        return 1
    # Another label (text/html most often) is usually an HTML error page, but origins and
    # CDNs mislabel images too: the bytes decide (archive.sniff, issue 8 item 3). Tried,
    # not dropped, so a listing ends as playback does, which lands on the same capture.
    return 2


def _soft_404(row: Snapshot) -> str | None:
    """A redirect row whose target the index names, judged by :func:`soft_404`."""
    if not _is_redirect(row) or not row.redirect:
        return None
    return soft_404(row.original, urljoin(row.original, row.redirect))


def rank_snapshots(
    rows: Sequence[Snapshot], *, target: str | None, want: Want, requested: str | None = None
) -> list[Snapshot]:
    """Usable rows, best first: nearest to ``target`` (newest without one), then 200
    before revisits before redirects, a fitting media type before an unknown one, then
    the exact spelling of ``requested`` before other spellings of the same key.

    Nearest first because that is what the archive's playback lands on when asked for
    the wanted time: a listing that chose a far 200 over a near redirect would store
    other bytes than a run that found the same URL by playback (its captured redirect
    followed). A redirect row counts whatever its media type; one the index shows
    leading to a front page or an error page (:func:`soft_404`) does not.
    """
    ranked: list[tuple[tuple[float, int, int, int], Snapshot]] = []
    for row in rows:
        status = _status_rank(row.status)
        mime = _mime_rank(want, row)
        if status is None or _soft_404(row):
            continue
        spelling = 0 if requested is None or row.original == requested else 1
        ranked.append(((distance(row.timestamp, target), status, mime, spelling), row))
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


def describe_unusable(rows: Sequence[Snapshot]) -> str:
    """Why none of ``rows`` can be rescued, for the report."""
    statuses = sorted({str(r.status) for r in rows if _status_rank(r.status) is None})
    soft = sorted({reason for r in rows if (reason := _soft_404(r))})
    parts = []
    if statuses:
        parts.append(f"captured only as HTTP {', '.join(statuses)}")
    parts.extend(f"captured only as {reason}" for reason in soft)
    return "; ".join(parts) or "no usable capture"
