#!/usr/bin/env python3
"""Peers side by side (issue 14, item 6): one corpus, one local archive, every tool.

Usage::

    python benchmarks/bench_peers.py [--articles 300] [--seed 1] [--hosts 6]
        [--uncaptured 0.1] [--hard 12] [--runs 3] [--concurrency 8]

In one invocation:

1. installs the peers, pinned, into ``benchmarks/out/`` (git-ignored), unless there
   already: ``waybackpack``, ``waybackpy`` and ``archive-md-urls`` from PyPI into the venv
   ``benchmarks/out/peers-venv``, ``linkinator`` and ``markdown-link-check`` from npm
   into ``benchmarks/out/peers-npm``;
2. generates (or reuses) ``benchmarks/out/corpus-<articles>`` with ``gen_corpus.py``,
   asks the crawler's inventory which unique resources it references (the links:
   ``archive_corpus.inventory``), builds their capture plan (``archive_corpus``: one
   capture 1 min to 3 days from the timestamp written, 10% uncaptured) and replaces the
   captures of ``--hard`` resources per hard case with captures that separate a correct
   result from a wrong one (:data:`CASES`), then starts ONE pywb on them and the
   ``peers/ia_shim.py`` in front of it (the Internet Archive's CDX shape and
   availability API, for the peers written for web.archive.org);
3. runs, ``--runs`` times in turn, every tool on the same links against that pywb:

   - ``linkrescue rescue <copy>`` (limits off, ``live_links = "off"``,
     ``[crawl] requisites = false``: the links' own bytes, as the peers fetch them);
   - ``peers/fetchers.py waybackpack`` and ``peers/fetchers.py waybackpy``: the capture
     nearest the written timestamp of every link, through the shim;
   - ``peers/archive_md_urls_run.py``: archive-md-urls over a copy of the corpus whose
     archive links are put back to the live URLs they wrap (what it takes as input),
     its availability API answered by the shim;
   - ``linkrescue check <corpus> --format json`` and, over a copy whose archive links
     point at the pywb, ``linkinator`` and ``markdown-link-check`` (archive links only);

4. counts every request each run made from pywb's access log (CDX and timemap apart
   from playback; the shim asks pywb exactly once per request it gets, and its own
   counts are printed beside), judges each tool's result for every link against the
   capture plan (correct, wrong, missing), and prints Markdown for
   ``docs/BENCHMARKS.md``: wall time, CPU, requests per link, results, the floor of the
   time the same requests need under the Internet Archive's published limits
   (``max(cdx / 0.5, playback / 10)`` s), each as a ratio to linkrescue in the same run,
   and the exact commands.

Everything goes under ``benchmarks/out/bench-peers/``; progress to stderr.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import archive_corpus as ac  # noqa: E402
from bench_scan import REPO, ensure_corpus, rel, warm  # noqa: E402
from peers.fetchers import moment  # noqa: E402

from linkrescue.archive.model import Want  # noqa: E402
from linkrescue.archive.urls import parse_archive_url, url_key  # noqa: E402
from tests.support.archive_content import Cap, html, jpeg_like, moved, png_bytes  # noqa: E402

#: The Internet Archive's published limits (wayback-facts.md §5): CDX 30/min, playback 600/min.
IA_CDX = 0.5
IA_PLAYBACK = 10.0
#: linkrescue's defaults, 80% of those.
OWN_CDX = 0.4
OWN_PLAYBACK = 8.0

PYPI = {"waybackpack": "0.6.4", "waybackpy": "3.0.6", "archive-md-urls": "0.0.8"}
NPM = {"linkinator": "7.6.1", "markdown-link-check": "3.15.0"}
WAYBACK_ROOT = re.compile(r"^(?:https?:)?//(?:www\.)?(?:web|wayback)\.archive\.org(?=/)", re.I)
MOVED_BODY = b"<html><body>Moved</body></html>"
NESTED = (
    "dead said of an archived link written as a Wayback URL inside a Wayback URL "
    "(`/web/<ts>/https://web.archive.org/web/<ts>/<url>`: the archive holds no capture of "
    "the inner archive URL)"
)

# -- the peers ---------------------------------------------------------------------------


def ensure_peers(venv: Path, npm: Path) -> dict[str, str]:
    """Install the pinned peers unless present; their installed versions."""
    python = venv / "bin" / "python"
    if not python.exists():
        print(f"creating {rel(venv)}", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    probe = "import importlib.metadata as m, json, sys; print(json.dumps({n: m.version(n) for n in sys.argv[1:]}))"
    got = subprocess.run([str(python), "-c", probe, *PYPI], capture_output=True, text=True)
    if got.returncode != 0 or json.loads(got.stdout or "{}") != PYPI:
        pins = [f"{name}=={version}" for name, version in PYPI.items()]
        print(f"installing {' '.join(pins)} into {rel(venv)}", file=sys.stderr)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", *pins], check=True, stdout=sys.stderr
        )
        got = subprocess.run(
            [str(python), "-c", probe, *PYPI], capture_output=True, text=True, check=True
        )
    versions: dict[str, str] = json.loads(got.stdout)
    for name, version in NPM.items():
        package = npm / "node_modules" / name / "package.json"
        if not package.is_file() or json.loads(package.read_text())["version"] != version:
            pins = [f"{n}@{v}" for n, v in NPM.items()]
            print(f"npm install --prefix {rel(npm)} {' '.join(pins)}", file=sys.stderr)
            subprocess.run(
                ["npm", "install", "--prefix", str(npm), *pins], check=True, stdout=sys.stderr
            )
        versions[name] = json.loads(package.read_text())["version"]
    node = subprocess.run(["node", "--version"], capture_output=True, text=True)
    versions["node"] = node.stdout.strip()
    return versions


# -- the capture plan and its hard cases ---------------------------------------------------

#: Hard cases, each given to ``--hard`` resources that are written with one 14-digit
#: timestamp ``w``. "Good" captures sit 1-3 days before ``w``, "bad" ones 1-60 min after
#: it (the site broke after the image or page was captured), so the capture nearest ``w``
#: is the bad one.
CASES: dict[str, str] = {
    "image-soft404": "image: nearest capture an HTML error page served 200; the image 1-3 days before",
    "image-redirect-html": "image: nearest capture a 302 to an HTML page; the image 1-3 days before",
    "image-moved": "image captured only as a 301 to another image URL (a new CDN path), captured",
    "image-two-versions": "image captured twice with different bytes: the one 10-120 min from `w` is right, not the one 1-3 days before",
    "image-html-only": "image captured only as an HTML error page served 200: not archived",
    "page-front-redirect": "page: nearest capture a 302 to its site's front page; the page 1-3 days before",
    "page-gone": "page captured only as a 302 to its site's front page: not archived",
}
PLAIN = {
    "image": "image, one capture 1 min-3 days from the written timestamp (or in the year written)",
    "page": "page (or PDF), one capture 1 min-3 days from the written timestamp",
    "uncaptured": "no capture at all (10%, seeded): not archived",
}


@dataclass(frozen=True, slots=True)
class Truth:
    """What a link must give, as the capture plan says."""

    case: str
    kind: str  # image | page
    accept: frozenset[str]  # SHA-256 of the right bytes; empty: not archived
    linked: bool = False  # an image URL only linked to (``[text](….jpg)``), never shown as an image

    @property
    def archived(self) -> bool:
        return bool(self.accept)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def kind_of(res: ac.Resource) -> str:
    path = res.url.split("?", 1)[0].lower()
    return "image" if res.want is Want.IMAGE or path.endswith(ac.IMAGE_EXTS) else "page"


def linked_image(res: ac.Resource) -> bool:
    return kind_of(res) == "image" and res.want is not Want.IMAGE


def other_image(res: ac.Resource, tag: str) -> tuple[bytes, str]:
    """Image bytes unlike ``res``'s own, of the same type."""
    if res.url.split("?", 1)[0].lower().endswith(".png"):
        h = int(sha(f"{tag}:{res.key}".encode())[:8], 16)
        rgb = (h & 255, (h >> 8) & 255, (h >> 16) & 255)
        return png_bytes(2 + h % 6, 2 + h % 5, rgb), "image/png"
    return jpeg_like(f"{tag}:{res.key}".encode()), "image/jpeg"


def error_page(url: str) -> bytes:
    return html("404 Not Found", f"<p>The file you asked for is not here: {urlsplit(url).path}</p>")


@dataclass(slots=True)
class World:
    captures: list[Cap]
    truth: dict[str, Truth]  # by url_key of the resource's URL
    urls: dict[str, str]  # url_key -> the resource's URL
    hard: dict[str, list[str]]  # case -> resource keys
    by_key: dict[str, list[Cap]] = field(init=False)

    def __post_init__(self) -> None:
        self.by_key = defaultdict(list)
        for cap in self.captures:
            self.by_key[url_key(cap.url)].append(cap)

    def land(self, url: str, ts: str, hops: int = 0) -> Cap | None:
        """What playback at ``ts`` serves for ``url`` (nearest capture, captured
        redirects followed, at most 10): the capture, or None (a 404)."""
        caps = self.by_key.get(url_key(url))
        if not caps:
            return None
        want = moment(ts)
        cap = min(caps, key=lambda c: abs((moment(c.timestamp) - want).total_seconds()))
        if 300 <= cap.status < 400 and hops < 10:
            location = dict(cap.headers).get("Location", "")
            return self.land(urljoin(cap.url, location), cap.timestamp, hops + 1)
        return cap if cap.status == 200 else None


def build_world(resources: list[ac.Resource], *, seed: int, uncaptured: float, hard: int) -> World:
    """The capture plan of ``archive_corpus`` with ``hard`` resources per hard case
    given captures of that case instead (seeded); the truth for every resource."""
    plan = ac.plan_captures(resources, seed=seed, uncaptured=uncaptured)
    keys = Counter(url_key(r.url) for r in resources)
    captures: dict[str, list[Cap]] = defaultdict(list)
    for cap in plan.captures:
        captures[url_key(cap.url)].append(cap)
    truth: dict[str, Truth] = {}
    for res in resources:
        k = url_key(res.url)
        accept = frozenset(sha(c.body) for c in captures.get(k, ()) if c.status == 200)
        case = kind_of(res) if accept else "uncaptured"
        truth[k] = Truth(case, kind_of(res), accept, linked_image(res))

    def eligible(res: ac.Resource, kind: str) -> bool:
        parts = urlsplit(res.url)
        front = f"{parts.scheme}://{parts.netloc}/"
        return (
            keys[url_key(res.url)] == 1
            and res.key in plan.captured
            and res.timestamp is not None
            and len(res.timestamp) == 14
            and len(res.written) <= 1
            and kind_of(res) == kind
            and parts.path not in ("", "/")
            and url_key(front) not in keys
            and not res.url.split("?", 1)[0].lower().endswith(".pdf")
        )

    rng = random.Random(f"bench-peers:{seed}")
    pools = {kind: [r for r in resources if eligible(r, kind)] for kind in ("image", "page")}
    for pool in pools.values():
        rng.shuffle(pool)
    chosen: dict[str, list[str]] = {}
    for case in CASES:
        pool = pools["image" if case.startswith("image") else "page"]
        if len(pool) < hard:
            raise SystemExit(f"only {len(pool)} resources left for {case}: lower --hard")
        picked, pool[:] = pool[:hard], pool[hard:]
        chosen[case] = [r.key for r in picked]
        for res in picked:
            k = url_key(res.url)
            captures[k] = []
            add, accept = hard_captures(case, res, rng, seed)
            for cap in add:
                captures[url_key(cap.url)].append(cap)
            truth[k] = Truth(case, kind_of(res), frozenset(map(sha, accept)), linked_image(res))
    everything = [c for caps in captures.values() for c in caps]
    urls = {url_key(r.url): r.url for r in resources}
    return World(everything, truth, urls, chosen)


def hard_captures(
    case: str, res: ac.Resource, rng: random.Random, seed: int
) -> tuple[list[Cap], list[bytes]]:
    """The captures of one hard case for ``res``, and the bytes that are right."""
    assert res.timestamp is not None
    w = moment(res.timestamp)
    good = ac._ts(w - timedelta(days=rng.randint(1, 2), seconds=rng.randint(0, 86400)))
    bad_at = w + timedelta(seconds=rng.randint(60, 3600))
    bad = ac._ts(bad_at)
    later = ac._ts(bad_at + timedelta(seconds=5))
    body, ctype = ac.body_for(res, seed)
    parts = urlsplit(res.url)
    site = f"{parts.scheme}://{parts.netloc}"
    tag = sha(res.key.encode())[:10]
    if case == "image-soft404":
        return [
            Cap(res.url, good, body, ctype),
            Cap(res.url, bad, error_page(res.url), "text/html; charset=utf-8"),
        ], [body]
    if case == "image-redirect-html":
        gallery = f"{site}/gallery/{tag}"
        return [
            Cap(res.url, good, body, ctype),
            moved(res.url, bad, gallery, 302, MOVED_BODY),
            Cap(gallery, later, html(f"Gallery {tag}", "<p>photos</p>")),
        ], [body]
    if case == "image-moved":
        ext = ".png" if ctype == "image/png" else ".jpg"
        target = f"{site}/media/CACHE/images/{tag}{ext}"
        new, new_type = other_image(res, "moved")
        return [
            moved(res.url, bad, target, 301, MOVED_BODY),
            Cap(target, later, new, new_type),
        ], [new]
    if case == "image-two-versions":
        near = ac._ts(w + timedelta(seconds=rng.randint(600, 7200)))
        old, old_type = other_image(res, "older")
        return [Cap(res.url, near, body, ctype), Cap(res.url, good, old, old_type)], [body]
    if case == "image-html-only":
        return [Cap(res.url, bad, error_page(res.url), "text/html; charset=utf-8")], []
    front = f"{site}/"
    home = html(f"Front page of {parts.netloc}", "<p>This site has closed.</p>")
    if case == "page-front-redirect":
        return [
            Cap(res.url, good, body, ctype),
            moved(res.url, bad, front, 302, MOVED_BODY),
            Cap(front, later, home),
        ], [body]
    if case == "page-gone":
        return [moved(res.url, bad, front, 302, MOVED_BODY), Cap(front, later, home)], []
    raise ValueError(case)


# -- judging ------------------------------------------------------------------------------


def what_is(body: bytes, truth: Truth) -> str:
    """Why bytes kept (or linked to) for a link are wrong, in a few words."""
    head = body[:200].lstrip().lower()
    if body in (b"", MOVED_BODY):
        why = "a captured redirect's body kept"
    elif truth.kind == "image" and head.startswith((b"<!doctype", b"<html")):
        why = "HTML kept for an image"
        if truth.linked:
            why += " URL only linked to (`[text](….jpg)`)"
    elif truth.kind == "page" and b"front page of" in body[:400].lower():
        why = "the site's front page kept for an article"
    else:
        why = "another capture kept"
    return why if truth.archived else why + " (no right capture exists)"


@dataclass(slots=True)
class Judged:
    """One tool's results for every link: by url_key, ``correct``/``wrong``/``missing``."""

    verdict: dict[str, str] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)  # of the wrong ones

    def count(self, what: str) -> int:
        return sum(1 for v in self.verdict.values() if v == what)

    def add(self, key: str, verdict: str, why: str | None = None) -> None:
        self.verdict[key] = verdict
        if why:
            self.reasons[key] = why

    @property
    def why(self) -> Counter[str]:
        return Counter(self.reasons.values())


def judge_bytes(world: World, stored: dict[str, bytes | None]) -> Judged:
    """A fetcher's bytes per link (None: nothing kept) against the truth."""
    got = Judged()
    for key, truth in world.truth.items():
        body = stored.get(key)
        if body is None:
            if truth.archived:
                got.add(key, "missing", "nothing kept")
            else:
                got.add(key, "correct")
        elif sha(body) in truth.accept:
            got.add(key, "correct")
        else:
            got.add(key, "wrong", what_is(body, truth))
    return got


def judge_verdicts(world: World, dead: dict[str, bool], nested: set[str] | None = None) -> Judged:
    """A checker's verdict per link (True: dead; absent: not checked) against the truth
    (alive when the archive holds a right capture). ``nested``: links found dead only
    where written as a Wayback URL inside a Wayback URL."""
    got = Judged()
    for key, truth in world.truth.items():
        if key not in dead:
            got.add(key, "missing", "not checked")
        elif dead[key] == (not truth.archived):
            got.add(key, "correct")
        elif not dead[key]:
            got.add(key, "wrong", "alive said of a link not archived")
        elif nested and key in nested:
            got.add(key, "wrong", NESTED)
        else:
            got.add(key, "wrong", "dead said of an archived link")
    return got


def key_of_written(url: str, roots: Iterable[str]) -> str | None:
    """The url_key of the original inside an archive URL as a tool wrote or reported it
    (on web.archive.org, the pywb or the shim)."""
    for root in roots:
        if url.startswith(root + "/web/"):
            url = "https://web.archive.org" + url[len(root) :]
            break
    parsed = parse_archive_url(url)
    return url_key(parsed.original) if parsed else None


# -- corpus copies -----------------------------------------------------------------------


def scan_records(corpus: Path) -> list[dict[str, Any]]:
    cmd = [*ac.linkrescue_cmd(), "scan", str(corpus), "--format", "jsonl"]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=REPO)
    return [json.loads(line) for line in done.stdout.splitlines()]


LINK_KINDS = ("md-link", "md-refuse", "md-refdef", "autolink")


def linked_keys(records: list[dict[str, Any]]) -> set[str]:
    """The links written as links (Markdown links, ``<a href>``), not images or frontmatter."""
    return {
        url_key(rec["url"])
        for rec in records
        if rec.get("archive")
        and rec.get("url")
        and (rec["kind"] in LINK_KINDS or (rec["kind"] == "html" and rec.get("element") == "a"))
    }


def rewrite_copy(
    src: Path,
    dst: Path,
    records: list[dict[str, Any]],
    new: Callable[[dict[str, Any]], str | None],
) -> int:
    """Copy ``src`` to ``dst`` with every archive reference's URL text replaced by
    ``new(record)`` (exact spans from ``linkrescue scan``); the number replaced."""
    ac.copy_corpus(src, dst)
    edits: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    for rec in records:
        if rec.get("archive") and rec["status"] == "remote":
            text = new(rec)
            if text is not None:
                edits[rec["file"]].append((rec["start"], rec["end"], text))
    for name, spans in edits.items():
        path = dst / (REPO / name).resolve().relative_to(src.resolve())
        data = path.read_bytes().decode("utf-8")
        for start, end, text in sorted(spans, reverse=True):
            data = data[:start] + text + data[end:]
        path.write_bytes(data.encode("utf-8"))
    return sum(len(s) for s in edits.values())


def pointed_at(root: str) -> Callable[[dict[str, Any]], str | None]:
    """An archive reference as written, its archive's root swapped for ``root``."""

    def new(rec: dict[str, Any]) -> str | None:
        raw: str = rec["raw"]
        if raw.startswith("/web/"):
            return root + raw
        swapped = WAYBACK_ROOT.sub(root, raw, count=1)
        return swapped if swapped != raw else None

    return new


def live_url(rec: dict[str, Any]) -> str | None:
    """An archive reference put back to the live URL it wraps (as resolved by the scan)."""
    return str(rec["url"]) if rec.get("url") else None


# -- requests, from pywb's access log -----------------------------------------------------

_ACCESS = re.compile(r'"(?:GET|HEAD|POST) (\S+) HTTP/1\.[01]" (\d{3}) ')
_INTERNAL = re.compile(r"^/[^/]+/(?:index|resource)(?:/|$)")


@dataclass(slots=True)
class Requests:
    cdx: int = 0
    playback: int = 0
    other: int = 0
    statuses: Counter[str] = field(default_factory=Counter)  # playback answers

    @property
    def total(self) -> int:
        return self.cdx + self.playback + self.other

    @property
    def floor(self) -> float:
        """Seconds these requests need at the Internet Archive's published limits."""
        return max(self.cdx / IA_CDX, self.playback / IA_PLAYBACK)

    @property
    def own_floor(self) -> float:
        return max(self.cdx / OWN_CDX, self.playback / OWN_PLAYBACK)


def count_requests(log: str) -> Requests:
    got = Requests()
    for target, status in _ACCESS.findall(log):
        path = target.split("?", 1)[0]
        if _INTERNAL.match(path):
            continue  # pywb asking its own warcserver: one or two per request it serves
        if path.startswith(("/cdx/", "/web/cdx", "/web/search/cdx", "/web/timemap")):
            got.cdx += 1
        elif path.startswith("/web/"):
            got.playback += 1
            got.statuses[status] += 1
        else:
            got.other += 1
    return got


@contextmanager
def logged(archive: ac.Archive) -> Iterator[list[str]]:
    """pywb's access lines written while the block runs (in the list yielded)."""
    log = archive.server.log_path
    before = log.stat().st_size
    out: list[str] = []
    yield out
    time.sleep(0.3)  # pywb writes its access line after the response
    with log.open("rb") as f:
        f.seek(before)
        out.append(f.read().decode("utf-8", "replace"))


# -- the shim ----------------------------------------------------------------------------


@dataclass(slots=True)
class ShimProcess:
    url: str
    process: subprocess.Popen[bytes]

    def call(self, path: str, method: str = "GET") -> dict[str, int]:
        req = urllib.request.Request(
            self.url + path, method=method, data=b"" if method == "POST" else None
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            data: dict[str, int] = json.loads(resp.read())
        return data

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@contextmanager
def start_shim(upstream: str, work: Path) -> Iterator[ShimProcess]:
    ready = work / "shim.url"
    ready.unlink(missing_ok=True)
    cmd = [sys.executable, str(HERE / "peers" / "ia_shim.py"), "--upstream", upstream]
    log = (work / "shim.log").open("wb")
    process = subprocess.Popen([*cmd, "--ready", str(ready)], stdout=log, stderr=log, cwd=REPO)
    deadline = time.monotonic() + 20
    while not ready.is_file() or not ready.read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"ia_shim did not start: {(work / 'shim.log').read_text()}")
        time.sleep(0.05)
    shim = ShimProcess(ready.read_text().strip(), process)
    try:
        yield shim
    finally:
        shim.stop()
        log.close()


# -- the tools ---------------------------------------------------------------------------


@dataclass(slots=True)
class ToolRun:
    run: ac.Measured
    requests: Requests
    judged: Judged
    shim: dict[str, int] | None = None
    handled: int = 0  # links the tool answered for at all (fetched, linked, checked)


@dataclass(slots=True)
class Tool:
    name: str
    version: str
    limits: str  # its rate limiting, from its documentation and source
    runs: list[ToolRun] = field(default_factory=list)

    @property
    def first(self) -> ToolRun:
        return self.runs[0]

    @property
    def wall(self) -> float:
        return statistics.median(r.run.wall for r in self.runs)

    @property
    def cpu(self) -> float:
        return statistics.median(r.run.cpu for r in self.runs)

    def stable(self) -> bool:
        """Every run made the same requests and gave the same results."""
        first = self.first
        return all(
            (r.requests.cdx, r.requests.playback, r.judged.verdict)
            == (first.requests.cdx, first.requests.playback, first.judged.verdict)
            for r in self.runs
        )


@dataclass(slots=True)
class Setup:
    args: argparse.Namespace
    world: World
    archive: ac.Archive
    shim: ShimProcess
    work: Path
    corpus: Path
    links: Path  # JSONL of every link: id, url, timestamp
    live: Path  # the corpus with its archive links put back to the live URLs
    pointed: Path  # the corpus with its archive links on the pywb
    python: Path  # the peers' venv
    npm: Path
    ids: dict[int, str] = field(default_factory=dict)  # link id -> url_key
    linked: set[str] = field(default_factory=set)  # url_keys written as links somewhere

    def config(self, name: str, store: Path, exclude: list[str] | None = None) -> Path:
        path = self.work / name / "config.toml"
        path.parent.mkdir(parents=True, exist_ok=True)
        lines = [
            "[archive]",
            f'url = "{self.archive.url}"',
            "cdx_per_second = 0.0",
            "playback_per_second = 0.0",
            "",
            "[store]",
            f'dir = "{store}"',
            "",
            "[rescue]",
            'live_links = "off"',
            f"concurrency = {self.args.concurrency}",
            "",
            "[crawl]",
            "requisites = false",
        ]
        if exclude:
            lines += ["", "[check]", "exclude = [" + ", ".join(f"'{x}'" for x in exclude) + "]"]
        path.write_text("\n".join(lines) + "\n")
        return path


def measured(
    setup: Setup, cmd: list[str], stdout: Path | None = None, shim: bool = False
) -> tuple[ac.Measured, Requests, dict[str, int] | None]:
    if shim:
        setup.shim.call("/__shim__/reset", "POST")
    with logged(setup.archive) as text:
        run = ac.measure(cmd, stdout=stdout, server=setup.archive)
    counts = setup.shim.call("/__shim__/stats") if shim else None
    if run.rc not in (0, 1):
        raise SystemExit(f"{cmd[0]} failed (exit {run.rc}):\n{run.stderr[-3000:]}")
    return run, count_requests(text[0]), counts


def run_rescue(setup: Setup, i: int) -> ToolRun:
    base = setup.work / "linkrescue-rescue"
    copy = ac.copy_corpus(setup.corpus, base / "corpus")
    store = base / "store"
    if store.exists():
        shutil.rmtree(store)
    warm(copy)
    config = setup.config("linkrescue-rescue", store)
    report = base / f"report-{i}.json"
    cmd = [
        *ac.linkrescue_cmd(),
        "rescue",
        str(copy),
        "--config",
        str(config),
        "--report",
        str(report),
    ]
    run, reqs, _ = measured(setup, cmd)
    data = json.loads(report.read_text())
    objects = store_objects(store)
    stored: dict[str, bytes | None] = {}
    for item in data["items"]:
        key = url_key(item["url"])
        if item["outcome"] == "rescued" and item.get("sha256"):
            if item["sha256"] not in objects:
                raise SystemExit(f"the store holds no bytes of SHA-256 {item['sha256']}")
            stored[key] = objects[item["sha256"]]
        elif key not in stored:
            stored[key] = None
    judged = judge_bytes(setup.world, stored)
    handled = sum(1 for v in stored.values() if v is not None)
    return ToolRun(run, reqs, judged, handled=handled)


def store_objects(store: Path) -> dict[str, bytes]:
    """Every file the store keeps in ``.objects``, by the SHA-256 of its bytes (hashed
    here, not taken from its name)."""
    found: dict[str, bytes] = {}
    for path in (store / ".objects").rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            found[sha(data)] = data
    return found


def run_fetcher(setup: Setup, tool: str, i: int) -> ToolRun:
    out = setup.work / tool / f"run-{i}"
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    cmd = [
        str(setup.python),
        str(HERE / "peers" / "fetchers.py"),
        tool,
        "--archive",
        setup.shim.url,
        "--links",
        str(setup.links),
        "--out",
        str(out),
    ]
    run, reqs, shim = measured(setup, cmd, shim=True)
    stored: dict[str, bytes | None] = {}
    for line in (out / "manifest.jsonl").read_text().splitlines():
        rec = json.loads(line)
        stored[setup.ids[rec["id"]]] = Path(rec["file"]).read_bytes() if rec["file"] else None
    handled = sum(1 for v in stored.values() if v is not None)
    return ToolRun(run, reqs, judge_bytes(setup.world, stored), shim, handled)


_SNAPSHOT = re.compile(r"\(http://web\.archive\.org/web/(\d{14})/([^)\s]+)\)")


def run_archive_md_urls(setup: Setup, i: int) -> ToolRun:
    copy = ac.copy_corpus(setup.live, setup.work / "archive-md-urls" / "corpus")
    warm(copy)
    cmd = [
        str(setup.python),
        str(HERE / "peers" / "archive_md_urls_run.py"),
        "--archive",
        setup.shim.url,
        str(copy),
    ]
    run, reqs, shim = measured(setup, cmd, shim=True)
    written: dict[str, set[str]] = defaultdict(set)
    for path in copy.rglob("*.md"):
        for ts, url in _SNAPSHOT.findall(path.read_text(encoding="utf-8", errors="replace")):
            written[url_key(url)].add(ts)
    got = Judged()
    for key, truth in setup.world.truth.items():
        stamps = written.get(key)
        if not stamps:
            if not truth.archived:
                got.add(key, "correct")
            elif key in setup.linked:
                got.add(key, "missing", "a link it left as it was")
            else:
                got.add(
                    key, "missing", "not a link (an image or frontmatter): it reads `<a href>` only"
                )
            continue
        landed = [setup.world.land(setup.world.urls[key], ts) for ts in sorted(stamps)]
        bad = [c for c in landed if c is None or sha(c.body) not in truth.accept]
        if not bad:
            got.add(key, "correct")
        else:
            cap = bad[0]
            got.add(key, "wrong", what_is(cap.body, truth) if cap else "a link to no capture")
    return ToolRun(
        run, reqs, got, shim, handled=len([k for k in written if k in setup.world.truth])
    )


def run_check(setup: Setup, i: int) -> ToolRun:
    base = setup.work / "linkrescue-check"
    exclude = [r"^(?!(?:https?:)?//(?:www\.)?(?:web|wayback)\.archive\.org/|/web/\d)"]
    config = setup.config("linkrescue-check", base / "no-store", exclude)
    out = base / f"findings-{i}.json"
    cmd = [
        *ac.linkrescue_cmd(),
        "check",
        str(setup.corpus),
        "--format",
        "json",
        "--config",
        str(config),
    ]
    run, reqs, _ = measured(setup, cmd, stdout=out)
    findings = json.loads(out.read_text())
    dead: dict[str, bool] = dict.fromkeys(setup.world.truth, False)
    for f in findings:
        if f["kind"] == "not-archived" and f.get("url"):
            key = key_of_written(f["url"], ()) or url_key(f["url"])
            if key in dead:
                dead[key] = True
    return ToolRun(run, reqs, judge_verdicts(setup.world, dead), handled=len(dead))


def link_verdicts(setup: Setup, pairs: Iterable[tuple[str, bool]]) -> Judged:
    """Per link (url_key): dead when any of its archive URLs was found dead; judged."""
    dead: dict[str, bool] = {}
    plain_dead: set[str] = set()  # found dead where written as a plain archive URL
    for url, broken in pairs:
        key = key_of_written(url, (setup.archive.url,))
        if key is None or key not in setup.world.truth:
            continue
        dead[key] = dead.get(key, False) or broken
        parsed = parse_archive_url(url.replace(setup.archive.url, "https://web.archive.org", 1))
        if broken and parsed is not None and len(parsed.layers) == 1:
            plain_dead.add(key)
    nested = {k for k, d in dead.items() if d and k not in plain_dead}
    return judge_verdicts(setup.world, dead, nested)


def run_linkinator(setup: Setup, i: int) -> ToolRun:
    base = setup.work / "linkinator"
    base.mkdir(parents=True, exist_ok=True)
    port = re.escape(setup.archive.url.rsplit(":", 1)[1])
    config = base / "linkinator.config.json"
    config.write_text(
        json.dumps(
            {
                "markdown": True,
                "format": "json",
                "skip": [
                    rf"^https?://(?!127\.0\.0\.1:{port}/|localhost)",  # archive links only
                    r"^http://localhost:\d+/(?!.*\.md$)",  # not the corpus's own relative links
                ],
            }
        )
    )
    out = base / f"result-{i}.json"
    cmd = [
        str(setup.npm / "node_modules" / ".bin" / "linkinator"),
        f"{rel(setup.pointed)}/**/*.md",
        "--config",
        str(config),
    ]
    run, reqs, _ = measured(setup, cmd, stdout=out)
    links = json.loads(out.read_text())["links"]
    judged = link_verdicts(setup, ((x["url"], x["state"] == "BROKEN") for x in links))
    return ToolRun(run, reqs, judged, handled=len(judged.verdict) - judged.count("missing"))


_MLC = re.compile(r"^\s*\[(✓|✖)\] (\S+)", re.M)


def run_mlc(setup: Setup, i: int) -> ToolRun:
    base = setup.work / "markdown-link-check"
    base.mkdir(parents=True, exist_ok=True)
    port = re.escape(setup.archive.url.rsplit(":", 1)[1])
    config = base / "mlc.config.json"
    config.write_text(
        json.dumps({"ignorePatterns": [{"pattern": rf"^(?!http://127\.0\.0\.1:{port}/)"}]})
    )
    out = base / f"result-{i}.txt"
    cmd = [
        str(setup.npm / "node_modules" / ".bin" / "markdown-link-check"),
        "-c",
        str(config),
        rel(setup.pointed),
    ]
    run, reqs, _ = measured(setup, cmd, stdout=out)
    text = out.read_text(encoding="utf-8", errors="replace")
    judged = link_verdicts(setup, ((url, mark == "✖") for mark, url in _MLC.findall(text)))
    return ToolRun(run, reqs, judged, handled=len(judged.verdict) - judged.count("missing"))


# -- the Markdown ------------------------------------------------------------------------


def ratio(a: float, b: float) -> str:
    if b == 0:
        return "–" if a == 0 else "∞"
    return f"×{a / b:.2f}"


def per_link(n: int, links: int) -> str:
    return f"{n / links:.3f}"


HEADER = [
    "| tool | wall s | CPU s | peak RSS MiB | CDX req | playback req | CDX / link "
    "| playback / link | correct | wrong | missing | floor at IA limits, s "
    "| wall × | CDX / link × | playback / link × | correct × | floor × |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
    "| ---: | ---: | ---: | ---: | ---: |",
]


def summary_rows(tools: list[Tool], links: int) -> list[str]:
    """One row per tool; ratios to the first (linkrescue, same run)."""
    rows = []
    base, b = tools[0], tools[0].first
    for t in tools:
        f = t.first
        rq = f.requests
        walls = ", ".join(f"{r.run.wall:.2f}" for r in t.runs)
        rss = max(r.run.peak_rss for r in t.runs)
        rows.append(
            f"| {t.name} {t.version} | {t.wall:.2f} ({walls}) | {t.cpu:.1f} | {ac.mib(rss)} "
            f"| {rq.cdx} | {rq.playback} | {per_link(rq.cdx, links)} "
            f"| {per_link(rq.playback, links)} | {f.judged.count('correct')} "
            f"| {f.judged.count('wrong')} | {f.judged.count('missing')} | {rq.floor:.0f} "
            f"| {ratio(t.wall, base.wall)} | {ratio(rq.cdx, b.requests.cdx)} "
            f"| {ratio(rq.playback, b.requests.playback)} "
            f"| {ratio(f.judged.count('correct'), b.judged.count('correct'))} "
            f"| {ratio(rq.floor, b.requests.floor)} |"
        )
    return rows


def case_table(world: World, tools: list[Tool]) -> list[str]:
    lines = [
        "| links (what the plan holds) | n | " + " | ".join(t.name for t in tools) + " |",
        "| --- | ---: | " + " | ".join("---" for _ in tools) + " |",
    ]
    cases = [*PLAIN, *CASES]
    by_case: dict[str, list[str]] = defaultdict(list)
    for key, truth in world.truth.items():
        by_case[truth.case].append(key)
    for case in cases:
        keys = by_case.get(case, [])
        if not keys:
            continue
        cells = []
        for t in tools:
            v = Counter(t.first.judged.verdict[k] for k in keys)
            cells.append(f"{v['correct']} / {v['wrong']} / {v['missing']}")
        label = CASES.get(case) or PLAIN[case]
        lines.append(f"| `{case}`: {label} | {len(keys)} | " + " | ".join(cells) + " |")
    return lines


def report(
    setup: Setup,
    fetchers: list[Tool],
    checkers: list[Tool],
    stats: dict[str, object],
    commands: list[str],
) -> str:
    args = setup.args
    world = setup.world
    tools = fetchers + checkers
    links = len(world.truth)
    archived = sum(1 for t in world.truth.values() if t.archived)
    images = sum(1 for t in world.truth.values() if t.kind == "image")
    linked = sum(1 for t in world.truth.values() if t.linked)
    unstable = [t.name for t in tools if not t.stable()]
    lines = [
        ac.machine_line(),
        "",
        f"Corpus `corpus-{args.articles}` (gen_corpus seed {args.seed}, {args.hosts} hosts): "
        f"{stats['files']} articles, {stats['refs']} body references. The crawler's inventory "
        f"gives **{links} links** (unique resources; each tool is judged on all of them): "
        f"{images} images ({linked} of them only linked to, `[text](….jpg)`, never shown as an "
        f"image) and {links - images} pages; {archived} archived (a right capture exists), "
        f"{links - archived} not. One pywb for every tool: {setup.archive.captures} captures "
        f"(WARC {setup.archive.warc_bytes / 1e6:.2f} MB, set up in {setup.archive.seconds:.1f} s), "
        f"{args.hard} links per hard case. Each tool ran {args.runs} times, in turn with the "
        "others (wall: median, the runs in brackets); requests and results are the first "
        "run's, "
        + (
            "the same in every run."
            if not unstable
            else f"NOT the same in every run for {', '.join(unstable)}."
        ),
        "",
        "**Fetching each link's capture.** Correct: the bytes kept are the right capture's "
        "(for a link not archived: nothing kept); wrong: other bytes kept; missing: nothing "
        "kept though the archive holds it. archive-md-urls keeps no bytes: its result is "
        "the archive link it wrote, followed as a reader's browser would.",
        "",
        *HEADER,
        *summary_rows(fetchers, links),
        "",
        "**Checking each link.** Correct: dead said of a link not archived, alive of one "
        "archived; wrong: the other way; missing: not checked.",
        "",
        *HEADER,
        *summary_rows(checkers, links),
        "",
        "Ratios are to linkrescue in the same run (`rescue` for the fetchers, `check` for "
        "the checkers). Floor at IA limits: `max(CDX / 0.5, playback / 10)` seconds, the "
        "least time these requests take at the Internet Archive's published limits (CDX "
        "30/min, playback 600/min) with perfect politeness; linkrescue keeps to 80% of them "
        "by default, `max(CDX / 0.4, playback / 8)` = "
        f"{fetchers[0].first.requests.own_floor:.0f} s for this rescue and "
        f"{checkers[0].first.requests.own_floor:.0f} s for this check. Rate limiting of each "
        "tool (its documentation and source; none here for linkrescue, limits off):",
        "",
        *(f"- {t.name}: {t.limits}" for t in tools if t.limits),
        "",
        "Results by case, correct / wrong / missing:",
        "",
        *case_table(world, fetchers),
        "",
        *case_table(world, checkers),
        "",
        "Why wrong, why missing:",
        "",
    ]
    for t in tools:
        j = t.first.judged
        parts = []
        for verdict in ("wrong", "missing"):
            why = Counter(j.reasons[k] for k, v in j.verdict.items() if v == verdict)
            if why:
                parts.append(f"{verdict}: " + "; ".join(f"{n} {w}" for w, n in why.most_common()))
        if parts:
            lines.append(f"- {t.name}: " + ". ".join(parts))
    lines += ["", "Requests (pywb's access log; the shim's own counts beside):", ""]
    for t in tools:
        f = t.first
        answers = ", ".join(f"{n} × {s}" for s, n in sorted(f.requests.statuses.items()))
        shim = f"; shim: {json.dumps(f.shim, sort_keys=True)}" if f.shim is not None else ""
        lines.append(
            f"- {t.name}: {f.requests.cdx} CDX + {f.requests.playback} playback"
            + (f" + {f.requests.other} other" if f.requests.other else "")
            + f" (playback answers: {answers or 'none'}){shim}; answered for {f.handled} links"
        )
    lines += ["", "Commands (from the repository root):", "", "```sh", *commands, "```"]
    return "\n".join(lines)


# -- main --------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Peers side by side on one corpus and one pywb.")
    ap.add_argument("--articles", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--hosts", type=int, default=6)
    ap.add_argument("--uncaptured", type=float, default=0.1)
    ap.add_argument("--hard", type=int, default=12, help="links per hard case")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--out", type=Path, default=HERE / "out")
    args = ap.parse_args(argv)
    args.out = Path(os.path.abspath(args.out))
    venv, npm = args.out / "peers-venv", args.out / "peers-npm"
    versions = ensure_peers(venv, npm)
    versions["linkrescue"] = git_commit()
    stats = ensure_corpus(args.out, args.articles, args.seed, args.hosts)
    corpus = args.out / f"corpus-{args.articles}"
    inv = ac.inventory(corpus)
    world = build_world(inv.resources, seed=args.seed, uncaptured=args.uncaptured, hard=args.hard)
    work = args.out / "bench-peers"
    work.mkdir(parents=True, exist_ok=True)
    print(
        f"{len(inv.resources)} links, {len(world.captures)} captures; starting pywb",
        file=sys.stderr,
    )
    with (
        ac.start_archive(work / "pywb", world.captures) as archive,
        start_shim(archive.url, work) as shim,
    ):
        print(
            f"  pywb {archive.url} ready in {archive.seconds:.1f} s; shim {shim.url}",
            file=sys.stderr,
        )
        links = work / "links.jsonl"
        ids: dict[int, str] = {}
        with links.open("w") as f:
            for i, res in enumerate(inv.resources):
                ids[i] = url_key(res.url)
                f.write(
                    json.dumps({"id": i, "url": res.url, "timestamp": res.timestamp or ""}) + "\n"
                )
        records = scan_records(corpus)
        live = work / "corpus-live"
        n_live = rewrite_copy(corpus, live, records, live_url)
        pointed = work / "corpus-on-pywb"
        n_pointed = rewrite_copy(corpus, pointed, records, pointed_at(archive.url))
        print(
            f"  copies: {n_live} links put back to live URLs, {n_pointed} pointed at pywb",
            file=sys.stderr,
        )
        setup = Setup(
            args,
            world,
            archive,
            shim,
            work,
            corpus,
            links,
            live,
            pointed,
            venv / "bin" / "python",
            npm,
            ids,
            linked_keys(records),
        )
        py = versions
        own = f"at {versions['linkrescue']}"
        limits = (
            "0.4 CDX/s and 8 playback/s by default (0 = off here), all workers paused 60 s "
            "after a 429"
        )
        fetchers = [
            Tool("linkrescue rescue", own, limits),
            Tool(
                "waybackpack",
                py["waybackpack"],
                "none: one request at a time, back to back (its `--delay` sleeps only between "
                "the snapshots of one URL, off by default); a 4xx/5xx retried 3 times, 5 s apart",
            ),
            Tool(
                "waybackpy",
                py["waybackpy"],
                "none on the CDX API: one request at a time, back to back (only its "
                "availability API waits 5 s between two calls of one object)",
            ),
            Tool(
                "archive-md-urls",
                py["archive-md-urls"],
                "none: every link of a file asked at once; any failure (a 429 too) retried "
                "2 s later, 5 tries",
            ),
        ]
        checkers = [
            Tool("linkrescue check", own, "as `rescue`"),
            Tool(
                "linkinator",
                py["linkinator"],
                "none: 100 requests at once; a 429 retried only with `--retry` and a "
                "Retry-After, which the Wayback Machine does not send",
            ),
            Tool(
                "markdown-link-check",
                py["markdown-link-check"],
                "none: 2 requests at once, file after file; a 429 retried only with `--retry`",
            ),
        ]
        runners: dict[str, Callable[[Setup, int], ToolRun]] = {
            "linkrescue rescue": run_rescue,
            "waybackpack": lambda s, i: run_fetcher(s, "waybackpack", i),
            "waybackpy": lambda s, i: run_fetcher(s, "waybackpy", i),
            "archive-md-urls": run_archive_md_urls,
            "linkrescue check": run_check,
            "linkinator": run_linkinator,
            "markdown-link-check": run_mlc,
        }
        for i in range(1, args.runs + 1):
            for tool in fetchers + checkers:
                print(f"run {i}: {tool.name}", file=sys.stderr)
                got = runners[tool.name](setup, i)
                tool.runs.append(got)
                dump = work / "verdicts" / f"{tool.name.replace(' ', '-')}-{i}.json"
                dump.parent.mkdir(exist_ok=True)
                dump.write_text(
                    json.dumps(
                        {
                            k: [world.truth[k].case, v, got.judged.reasons.get(k), world.urls[k]]
                            for k, v in sorted(got.judged.verdict.items())
                        },
                        indent=0,
                        ensure_ascii=False,
                    )
                )
        commands = commands_of(setup, fetchers + checkers, versions)
    print(report(setup, fetchers, checkers, stats, commands))
    return 0


def git_commit() -> str:
    """The commit measured (``-dirty`` when the package's folders hold uncommitted edits)."""
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPO
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--", "linkrescue", "crawler", "rewriters", "archive"],
        capture_output=True,
        text=True,
        cwd=REPO,
    ).stdout.strip()
    return (head or "unknown") + ("-dirty" if dirty else "")


def commands_of(setup: Setup, tools: list[Tool], versions: dict[str, str]) -> list[str]:
    a = setup.args
    py = rel(sys.executable)
    pins = " ".join(f"{n}=={v}" for n, v in PYPI.items())
    npm = " ".join(f"{n}@{v}" for n, v in NPM.items())
    lines = [
        f"{py} benchmarks/bench_peers.py --articles {a.articles} --seed {a.seed} --hosts {a.hosts} "
        f"--uncaptured {a.uncaptured} --hard {a.hard} --runs {a.runs} --concurrency {a.concurrency}"
        "   # all of the below",
        f"# peers, installed by the script when missing (node {versions.get('node', '?')}):",
        f"{py} -m venv {rel(setup.python.parent.parent)} && {rel(setup.python)} -m pip install {pins}",
        f"npm install --prefix {rel(setup.npm)} {npm}",
        "# each run (PYWB = the pywb's root, SHIM = the ia_shim's, both on 127.0.0.1):",
    ]
    for t in tools:
        cmd = t.first.run.cmd
        cmd = cmd.replace(setup.archive.url, "$PYWB").replace(setup.shim.url, "$SHIM")
        cmd = re.sub(r"(\S*\*\S*)", r"'\1'", cmd)  # a glob the tool expands itself
        lines.append(cmd)
    return lines


if __name__ == "__main__":
    sys.exit(main())
