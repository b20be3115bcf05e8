#!/usr/bin/env python3
"""Benchmark the page crawl (issue 13): linked pages rescued with their requisites.

Usage::

    python benchmarks/bench_crawl.py [--pages 500] [--requisites 20] [--shared 0.6]
        [--pool 300] [--hosts 5] [--uncaptured 0.02] [--seed 1] [--runs 3]
        [--concurrency 8] [--no-limited] [--out benchmarks/out]

1. **A generated world**, deterministic in its arguments: ``--pages`` HTML pages on
   ``--hosts`` news hosts (``https://news<k>.example.com/2021/12/story-<i>.html``,
   captured at moments spread over 20-29 December 2021), each with ``--requisites``
   requisites: six site-wide per host (a stylesheet that ``@import``s a second one and
   loads a background image and a WOFF2 font with ``url()``, a logo, a favicon) and
   images, of which a ``--shared`` share is drawn from a CDN pool of ``--pool`` images
   (``https://cdn.example.com/img/…``, Zipf-like reuse) and the rest are the page's own;
   images are written as ``src``, lazy ``data-src`` and ``srcset`` pairs. Bodies are
   PNG, JPEG, ICO and WOFF2 bytes of 1-40 KB; the background and the font are the same
   bytes on every host and a tenth of the pages' own images are copies of pool images
   (the store keeps one object per distinct content). Every requisite has a capture a
   few minutes from the page's (a shared one near up to three of its pages); a seeded
   ``--uncaptured`` share of the images has none. A Markdown corpus of one article per
   page links it as ``https://web.archive.org/web/<ts>/<page>``.
2. **Limits off** (``cdx_per_second = 0``, ``playback_per_second = 0``,
   ``live_links = "off"``): ``linkrescue rescue <copy> --report r.json`` ``--runs``
   times, each on a fresh copy and an empty store: wall time (median), pages/s (views
   / wall), requests per page, requisites by outcome, bytes fetched (the report's
   ``bytes``: every capture the run stored, the crawl's ``pages.bytes`` included) against
   the bytes on disk in
   ``<store>/.objects`` (one file per distinct content: captures and views), peak
   memory of the process tree. Checked against the generated world, never repaired:
   outcomes in the store's index against the capture plan, each captured body's object
   on disk, and pywb's access log for any capture served twice. Then the same command
   ``--runs`` times over the last copy and store (no request expected).
3. **The Internet Archive's default limits** (``cdx_per_second = 0.4``,
   ``playback_per_second = 8.0``) against the same pywb, one run on a fresh copy and
   store, with the floor its own request counts set: ``max(cdx / 0.4, playback / 8)``
   seconds (the two pools run side by side). ``--no-limited`` skips it.

pywb's set-up (WARC, ``wb-manager`` index, start-up) is timed apart and kept out of
every measured run. Prints a Markdown section ready for ``docs/BENCHMARKS.md`` with the
exact commands; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import re
import shutil
import sqlite3
import statistics
import struct
import subprocess
import sys
import time
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import archive_corpus as ac  # noqa: E402
from bench_scan import rel, warm  # noqa: E402

from linkrescue.archive.urls import resource_key  # noqa: E402
from tests.support.archive_content import Cap  # noqa: E402

#: The Internet Archive's limits as linkrescue's defaults (80% of 600/min and 30/min).
IA_PLAYBACK = 8.0
IA_CDX = 0.4
#: Requisites every page has from its host: site.css, print.css, paper.png, body.woff2,
#: the logo and the favicon.
SITE_WIDE = 6
CDN = "https://cdn.example.com"
START = datetime(2021, 12, 20)
SPAN = 10 * 86400  # page captures spread over 20-29 December 2021
GIF = "data:image/gif;base64,R0lGODlhAQABAAAAACw="

# -- bytes ------------------------------------------------------------------------------


def noise(tag: str, n: int) -> bytes:
    """``n`` deterministic bytes, distinct per ``tag``."""
    return hashlib.shake_256(tag.encode()).digest(n)


def png_of(tag: str, size: int) -> bytes:
    """A valid PNG of about ``size`` bytes: noise pixels, stored uncompressed."""
    width = 64
    row = width * 3 + 1
    height = max(1, (size - 80) // row)
    raw = bytearray(noise(tag, height * row))
    raw[::row] = bytes(height)  # filter byte 0 at each row's start
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(bytes(raw), 0))
        + chunk(b"IEND", b"")
    )


def jpeg_of(tag: str, size: int) -> bytes:
    """JPEG-shaped bytes of ``size``: SOI, APP0 JFIF, comment segments of noise, EOI."""
    app0 = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    out = bytearray(b"\xff\xd8\xff\xe0" + struct.pack(">H", len(app0) + 2) + app0)
    left = max(16, size - len(out) - 2)
    part = 0
    while left > 4:
        n = min(left - 4, 65_000)
        out += b"\xff\xfe" + struct.pack(">H", n + 2) + noise(f"{tag}:{part}", n)
        left -= n + 4
        part += 1
    return bytes(out + b"\xff\xd9")


def ico_of(tag: str, size: int) -> bytes:
    """An ICO header and directory entry over ``size`` bytes of noise."""
    data = noise(tag, size - 22)
    return struct.pack("<HHHBBBBHHII", 0, 1, 1, 32, 32, 0, 0, 1, 32, len(data), 22) + data


def image_bytes(url: str, tag: str, size: int) -> tuple[bytes, str]:
    if url.endswith(".png"):
        return png_of(tag, size), "image/png"
    return jpeg_of(tag, size), "image/jpeg"


def css_filler(tag: str, n: int) -> str:
    """``n`` plausible CSS rules (no URL in them)."""
    h = noise(tag, 4 * n)
    rules = []
    for i in range(n):
        a, b, c, d = h[4 * i : 4 * i + 4]
        rules.append(
            f".c{a:02x}{i} .item-{b} {{ margin: {c % 24}px {d % 16}px; color: #{a:02x}{b:02x}{c:02x};"
            f" line-height: 1.{d % 9}; }}"
        )
    return "\n".join(rules) + "\n"


# -- the generated world ----------------------------------------------------------------


@dataclass(slots=True)
class Requisite:
    """One distinct requisite URL: its body, and the pages that need it."""

    url: str
    body: bytes
    ctype: str
    kind: str  # site, pool, own
    pages: list[int] = field(default_factory=list)
    captured: bool = True
    stamps: list[str] = field(default_factory=list)


@dataclass(slots=True)
class PageSpec:
    url: str
    ts: str
    host: int
    body: bytes = b""
    requisites: list[str] = field(default_factory=list)  # URLs, the six site-wide included


@dataclass(slots=True)
class World:
    pages: list[PageSpec]
    requisites: dict[str, Requisite]
    articles: list[tuple[str, str]]  # (relative path, text)

    @property
    def captures(self) -> list[Cap]:
        caps = [Cap(p.url, p.ts, p.body, "text/html; charset=utf-8") for p in self.pages]
        for req in self.requisites.values():
            if req.captured:
                caps += (Cap(req.url, ts, req.body, req.ctype) for ts in req.stamps)
        return caps

    @property
    def references(self) -> int:
        """Page-requisite pairs (a requisite counted once per page that needs it)."""
        return sum(len(p.requisites) for p in self.pages)

    def shares(self) -> Counter[str]:
        return Counter(r.kind for r in self.requisites.values())


def _ts(moment: datetime) -> str:
    return moment.strftime("%Y%m%d%H%M%S")


def _size(rng_value: float, low: int, high: int) -> int:
    """Log-uniform between ``low`` and ``high`` bytes."""
    return int(low * (high / low) ** rng_value)


def generate(args: argparse.Namespace) -> World:
    rng = random.Random(args.seed)
    images = args.requisites - SITE_WIDE
    hosts = [f"https://news{k}.example.com" for k in range(1, args.hosts + 1)]
    reqs: dict[str, Requisite] = {}

    def need(url: str, body: bytes, ctype: str, kind: str, page: int) -> str:
        req = reqs.get(url)
        if req is None:
            req = reqs[url] = Requisite(url, body, ctype, kind)
        req.pages.append(page)
        return url

    # Site-wide bytes: the theme's background and font are the same on every host.
    paper = png_of(f"{args.seed}:paper", 3_000)
    font = b"wOF2\x00\x01\x00\x00" + noise(f"{args.seed}:font", 28_000)
    site_css = {
        site: (
            '@import url("print.css");\n'
            'body { background: #fdfdf8 url("../img/paper.png") repeat; }\n'
            '@font-face { font-family: "Body"; src: url("/static/fonts/body.woff2") '
            'format("woff2"); font-display: swap; }\n' + css_filler(f"{args.seed}:{site}:css", 90)
        ).encode()
        for site in hosts
    }
    print_css = {
        site: ("@media print { .nav, .ad { display: none } }\n" + css_filler(site, 12)).encode()
        for site in hosts
    }
    logos = {site: png_of(f"{args.seed}:{site}:logo", 6_000) for site in hosts}
    icons = {site: ico_of(f"{args.seed}:{site}:icon", 1_500) for site in hosts}
    # The CDN pool, reused Zipf-like (weight 1/rank).
    pool = []
    for n in range(args.pool):
        ext = ".png" if n % 4 == 3 else ".jpg"
        url = f"{CDN}/img/{n // 100:02d}/agency-{n:04d}{ext}"
        pool.append(
            (url, *image_bytes(url, f"{args.seed}:pool:{n}", _size(rng.random(), 4_000, 40_000)))
        )
    cum: list[float] = []
    total = 0.0
    for rank in range(args.pool):
        total += 1.0 / (rank + 1)
        cum.append(total)

    pages: list[PageSpec] = []
    articles: list[tuple[str, str]] = []
    for i in range(args.pages):
        k = i % args.hosts
        site = hosts[k]
        ts = _ts(START + timedelta(seconds=rng.randrange(SPAN)))
        page = PageSpec(f"{site}/2021/12/story-{i}.html", ts, k)
        page.requisites = [
            need(f"{site}/static/css/site.css", site_css[site], "text/css", "site", i),
            need(f"{site}/static/css/print.css", print_css[site], "text/css", "site", i),
            need(f"{site}/static/img/paper.png", paper, "image/png", "site", i),
            need(f"{site}/static/fonts/body.woff2", font, "font/woff2", "site", i),
            need(f"{site}/static/img/logo.png", logos[site], "image/png", "site", i),
            need(f"{site}/favicon.ico", icons[site], "image/x-icon", "site", i),
        ]
        picked: list[str] = []  # the page's images, in the order written
        chosen: set[int] = set()
        for j in range(images):
            if rng.random() < args.shared and len(chosen) < args.pool:
                while True:
                    n = rng.choices(range(args.pool), cum_weights=cum)[0]
                    if n not in chosen:
                        break
                chosen.add(n)
                url, body, ctype = pool[n]
                picked.append(need(url, body, ctype, "pool", i))
                continue
            ext = ".png" if j % 5 == 4 else ".jpg"
            url = f"{site}/2021/12/story-{i}/photo-{j}{ext}"
            if rng.random() < 0.1:  # the agency's photo, uploaded again: the same bytes
                _, body, ctype = pool[rng.randrange(args.pool)]
                if not url.endswith(".png") and ctype == "image/png":
                    url = url[: -len(ext)] + ".png"
                elif url.endswith(".png") and ctype == "image/jpeg":
                    url = url[: -len(ext)] + ".jpg"
            else:
                size = _size(rng.random(), 2_000, 40_000)
                body, ctype = image_bytes(url, f"{args.seed}:own:{i}:{j}", size)
            picked.append(need(url, body, ctype, "own", i))
        page.requisites += picked
        page.body = page_html(page, picked, rng.random())
        pages.append(page)
        articles.append(
            (
                f"posts/{k}/article-{i:04d}.md",
                "---\n"
                f'title: "Story {i} as the paper had it"\n'
                f'original_url: "https://blog.example.org/posts/{i}/"\n'
                "---\n"
                f"What [news{k + 1} reported](https://web.archive.org/web/{ts}/{page.url}) "
                "on the day.\n",
            )
        )

    # Captures: a few minutes from the page's moment (a shared requisite near up to
    # three of its pages); a seeded share of the images none at all.
    for url, req in sorted(reqs.items()):
        h = int.from_bytes(hashlib.blake2b(f"{args.seed}:{url}".encode(), digest_size=8).digest())
        r = random.Random(h)
        if req.kind != "site" and (h % 10_000) < args.uncaptured * 10_000:
            req.captured = False
            continue
        near = sorted(set(req.pages))
        if len(near) > 3:
            near = sorted(r.sample(near, 3))
        for p in near:
            moment = datetime.strptime(pages[p].ts, "%Y%m%d%H%M%S")
            req.stamps.append(
                _ts(moment + timedelta(seconds=r.choice((-1, 1)) * r.randint(60, 1800)))
            )
    return World(pages, reqs, articles)


def page_html(page: PageSpec, images: list[str], filler: float) -> bytes:
    """The captured page: Wayback injections, the host's stylesheet, logo and icon, its
    images (plain ``src``, lazy ``data-src``, ``srcset`` pairs), text, links, a script."""
    site = page.url.rsplit("/2021/", 1)[0]
    folder = page.url.rsplit("/", 1)[0] + "/"

    def written(url: str, t: int) -> str:
        if url.startswith(folder) and t % 2 == 0:
            return url[len(folder) :]  # relative: story-<i>/photo-<j>.jpg
        if url.startswith(site):
            return url[len(site) :]  # root-relative
        return url

    body: list[str] = []
    t = 0
    while t < len(images):
        src = written(images[t], t)
        if t % 5 == 2:
            body.append(f'<img src="{GIF}" data-src="{src}" class="lazy" alt="photo {t}">')
        elif t % 5 == 3 and t + 1 < len(images):
            wide = written(images[t + 1], t + 1)
            body.append(f'<img src="{src}" srcset="{src} 1x, {wide} 2x" alt="photo {t}">')
            t += 1
        else:
            body.append(f'<img src="{src}" alt="photo {t}" loading="lazy">')
        body.append(
            "<p>" + " ".join(["Lorem ipsum dolor sit amet."] * int(8 + 30 * filler)) + "</p>"
        )
        t += 1
    number = page.url.rsplit("-", 1)[1].split(".")[0]
    return (
        "<!DOCTYPE html>\n<html lang='en'><head>\n"
        '<script src="//archive.org/includes/analytics.js?v=cf34f82"></script>\n'
        '<script type="text/javascript" src="/_static/js/bundle-playback.js?v=1"></script>\n'
        "<!-- End Wayback Rewrite JS Include -->\n"
        f'<meta charset="utf-8"><title>Story {number}</title>\n'
        '<link rel="stylesheet" href="/static/css/site.css">\n'
        '<link rel="icon" href="/favicon.ico">\n'
        '<script src="/static/js/app.js" defer></script>\n'
        "</head><body>\n"
        f'<header><a href="/"><img src="/static/img/logo.png" alt="logo"></a></header>\n'
        f"<article><h1>Story {number}</h1>\n" + "\n".join(body) + "\n</article>\n"
        f'<nav><a href="story-{int(number) + 1}.html">next</a> '
        '<a href="https://twitter.com/share">share</a></nav>\n'
        "</body></html>\n"
    ).encode()


def write_corpus(world: World, folder: Path) -> Path:
    if folder.exists():
        shutil.rmtree(folder)
    for path, text in world.articles:
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return folder


# -- what a run left ---------------------------------------------------------------------


@dataclass(slots=True)
class Stored:
    """The store after a run: its content objects, split into captures and views."""

    objects: int
    object_bytes: int
    views: int
    view_bytes: int
    capture_bytes: int
    outcomes: dict[str, str]  # resource key -> outcome, from the index


def read_store(store: Path) -> Stored:
    sizes: dict[str, int] = {}
    for dirpath, _, names in os.walk(store / ".objects"):
        for name in names:
            sizes[name] = os.stat(os.path.join(dirpath, name)).st_size
    uri = f"file:{store / 'index.sqlite3'}?mode=ro"
    with sqlite3.connect(uri, uri=True) as db:
        view_shas = {row[0] for row in db.execute("SELECT sha256 FROM views")}
        outcomes = dict(db.execute("SELECT key, outcome FROM resources"))
    views = [sizes[s] for s in view_shas if s in sizes]
    return Stored(
        objects=len(sizes),
        object_bytes=sum(sizes.values()),
        views=len(views),
        view_bytes=sum(views),
        capture_bytes=sum(size for sha, size in sizes.items() if sha not in view_shas),
        outcomes=outcomes,
    )


def plan_mismatches(world: World, stored: Stored) -> list[str]:
    """Pages and requisites whose outcome in the index is not what the plan makes it."""
    wrong = []
    for page in world.pages:
        got = stored.outcomes.get(resource_key(page.url))
        if got != "rescued":
            wrong.append(f"{page.url}: {got}")
    for req in world.requisites.values():
        got = stored.outcomes.get(resource_key(req.url))
        want = "rescued" if req.captured else "not-archived"
        if got != want:
            wrong.append(f"{req.url}: {got} (plan: {want})")
    return wrong


def expected_capture_bytes(world: World) -> int:
    """Distinct bodies of the pages and captured requisites: the captures' objects."""
    bodies = {hashlib.sha256(p.body).hexdigest(): len(p.body) for p in world.pages}
    for req in world.requisites.values():
        if req.captured:
            bodies[hashlib.sha256(req.body).hexdigest()] = len(req.body)
    return sum(bodies.values())


_ACCESS = re.compile(r'"GET (/web/(\d+)id_/(\S+)) HTTP/1\.[01]" (\d{3}) ')


def served_twice(log: str) -> tuple[Counter[str], list[str]]:
    """pywb's access lines of a run: playback answers by status, and the URLs whose
    capture was served (200) more than once."""
    statuses: Counter[str] = Counter()
    served: Counter[str] = Counter()
    for match in _ACCESS.finditer(log):
        statuses[match.group(4)] += 1
        if match.group(4) == "200":
            served[unquote(match.group(3))] += 1
    return statuses, sorted(u for u, n in served.items() if n > 1)


# -- runs ----------------------------------------------------------------------------------


@dataclass(slots=True)
class Crawled:
    run: ac.Measured
    report: dict[str, Any]
    stored: Stored | None = None
    statuses: Counter[str] = field(default_factory=Counter)
    twice: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)

    @property
    def cdx(self) -> int:
        return int(self.report["requests"]["cdx"])

    @property
    def playback(self) -> int:
        return int(self.report["requests"]["playback"])

    @property
    def live(self) -> int:
        return int(self.report["requests"]["live"])

    @property
    def pages(self) -> dict[str, int]:
        return self.report.get("pages") or {}

    @property
    def fetched(self) -> int:
        """Bytes of every capture the run stored: the report's ``bytes`` (the whole run's,
        the crawl's ``pages.bytes`` included)."""
        return int(self.report["bytes"])


def crawl_once(
    world: World,
    corpus: Path,
    work: Path,
    archive: ac.Archive,
    tag: str,
    *,
    fresh: bool,
    concurrency: int,
    cdx: float = 0.0,
    playback: float = 0.0,
) -> Crawled:
    copy, store = work / "corpus", work / "store"
    if fresh:
        ac.copy_corpus(corpus, copy)
        if store.exists():
            shutil.rmtree(store)
        warm(copy)
    config = ac.write_config(
        work / "config.toml",
        archive_url=archive.url,
        store=store,
        concurrency=concurrency,
        cdx_per_second=cdx,
        playback_per_second=playback,
    )
    log = archive.server.log_path
    before = log.stat().st_size
    run, report = ac.run_rescue(copy, config, work / f"report-{tag}.json", archive)
    time.sleep(0.2)  # pywb writes its access line after the response
    with log.open("rb") as f:
        f.seek(before)
        text = f.read().decode("utf-8", "replace")
    got = Crawled(run, report)
    got.statuses, got.twice = served_twice(text)
    if fresh:
        got.stored = read_store(store)
        got.wrong = plan_mismatches(world, got.stored)
    return got


# -- the Markdown ------------------------------------------------------------------------


def mb(n: int) -> str:
    return f"{n / 1e6:.1f}"


def answers(statuses: Counter[str]) -> str:
    return ", ".join(f"{n} × {code}" for code, n in sorted(statuses.items())) or "none"


def floor_of(c: Crawled) -> float:
    return max(c.cdx / IA_CDX, c.playback / IA_PLAYBACK)


def row(label: str, runs: list[Crawled], n_pages: int) -> str:
    c = runs[0]
    wall = statistics.median(r.run.wall for r in runs)
    pg = c.pages
    views = int(pg.get("views", 0))
    rss = ac.mib(max(r.run.peak_rss for r in runs))
    pss = ac.mib(max(r.run.peak_pss for r in runs))
    one = ac.mib(max(r.run.max_one for r in runs))
    cpu = statistics.median(r.run.cpu for r in runs)
    server = statistics.median(r.run.server_cpu for r in runs)
    return (
        f"| {label} | {c.report['rescued']} | {views} | {pg.get('rescued', 0)} "
        f"| {pg.get('not_archived', 0)} | {pg.get('failed', 0)} | {pg.get('left', 0)} "
        f"| {c.cdx} | {c.playback} | {c.cdx / n_pages:.3f} | {c.playback / n_pages:.2f} "
        f"| {mb(c.fetched)} | {wall:.2f} | {views / wall:.1f} | {rss} / {pss} | {one} "
        f"| {cpu:.1f} / {server:.1f} |"
    )


def section(
    args: argparse.Namespace,
    world: World,
    archive: ac.Archive,
    setup_s: float,
    firsts: list[Crawled],
    seconds: list[Crawled],
    limited: Crawled | None,
    tree: str,
) -> str:
    n = len(world.pages)
    shares = world.shares()
    captured = sum(1 for r in world.requisites.values() if r.captured)
    uncaptured = len(world.requisites) - captured
    body_bytes = sum(len(r.body) for r in world.requisites.values())
    lines = [
        f"## Page crawl: {n} linked pages with {args.requisites} requisites each (issue 13)",
        "",
        f"`{rel(sys.executable)} benchmarks/bench_crawl.py` at {tree}.",
        "",
        ac.machine_line(),
        "",
        f"Generated (seed {args.seed}): {n} pages on {args.hosts} hosts "
        f"(`https://news<k>.example.com/2021/12/story-<i>.html`, captured over 20-29 December "
        f"2021), each needing {args.requisites} requisites: {SITE_WIDE} site-wide (a stylesheet, "
        "the stylesheet it `@import`s, its `url()` background image and WOFF2 font, a logo, a "
        f"favicon) and {args.requisites - SITE_WIDE} images, each drawn with probability "
        f"{args.shared} from a CDN pool of {args.pool} (weights 1/rank), else the page's own "
        "(a tenth of those are byte-copies of pool images; the background and the font are the "
        "same bytes on every host); images written as `src`, lazy `data-src` and `srcset` pairs, "
        "some relative, some root-relative. Captures of a requisite 1-30 minutes from its "
        f"page's (a shared one near up to three of its pages); {args.uncaptured:.0%} of the images "
        "seeded uncaptured. One Markdown article per page links it as "
        "`https://web.archive.org/web/<ts>/<page>`. Rate limits as said per row, concurrency "
        f'{args.concurrency}, `live_links = "off"`, `[crawl]` defaults (requisites on, sanitized '
        "views).",
        "",
        "| pages | page-requisite pairs | distinct requisites (site-wide / pool / own) "
        "| captured / uncaptured | their bodies MB | captures | pywb set-up s |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| {n} | {world.references} | {len(world.requisites)} ({shares['site']} / "
        f"{shares['pool']} / {shares['own']}) | {captured} / {uncaptured} | {mb(body_bytes)} "
        f"| {archive.captures} (WARC {mb(archive.warc_bytes)} MB) | {setup_s:.1f} |",
        "",
        "| run | pages rescued | views | requisites rescued | not archived | failed | left "
        "| CDX req | playback req | CDX / page | playback / page | bytes fetched MB | wall s "
        "| views/s | peak RSS / PSS, tree (MiB) | largest process (MiB) | CPU s linkrescue / pywb |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
        "| ---: | ---: | ---: | ---: | ---: |",
        row(
            f"limits off, fresh store (median of {len(firsts)}: "
            + ", ".join(f"{c.run.wall:.2f}" for c in firsts)
            + ")",
            firsts,
            n,
        ),
        row(
            f"again, same copy and store (median of {len(seconds)}: "
            + ", ".join(f"{c.run.wall:.2f}" for c in seconds)
            + ")",
            seconds,
            n,
        ),
    ]
    if limited is not None:
        lines.append(row("IA default limits (0.4 CDX/s, 8 playback/s), fresh store", [limited], n))
    first = firsts[0]
    st = first.stored
    assert st is not None
    expected = expected_capture_bytes(world)
    crawl_bytes = int(first.pages.get("bytes", 0))
    lines += [
        "",
        "| bytes | MB | |",
        "| --- | ---: | --- |",
        f"| fetched: captures stored by the first run (the report's `bytes`) "
        f"| {mb(first.fetched)} | {first.fetched - crawl_bytes:,} pages + {crawl_bytes:,} "
        "requisites (`pages.bytes`) |",
        f"| on disk: `.objects`, distinct contents | {mb(st.object_bytes)} | {st.objects} objects |",
        f"| of which captures | {mb(st.capture_bytes)} | distinct bodies of the pages and captured "
        f"requisites: {mb(expected)} MB |",
        f"| of which views (pages and stylesheets) | {mb(st.view_bytes)} | {st.views} views |",
        f"| fetched / captures on disk | ×{first.fetched / max(1, st.capture_bytes):.2f} | |",
        "",
    ]
    reqs = first.cdx + first.playback
    looked_up = n + len(world.requisites)
    lines.append(
        f"- Limits off: {first.cdx / n:.3f} CDX and {first.playback / n:.2f} playback requests "
        f"per page ({reqs / n:.2f} in all); each page needs {world.references / n:.0f} "
        f"requisites, {len(world.requisites) / n:.2f} per page are distinct over the run, so "
        f"{first.playback / looked_up:.3f} playback requests per resource looked up ({n} pages + "
        f"{len(world.requisites)} requisites); "
        f"{statistics.median(int(c.pages.get('views', 0)) / c.run.wall for c in firsts):.1f} "
        "views/s (median; views are the pages' and their stylesheets')."
    )
    for i, c in enumerate(firsts, 1):
        assert c.stored is not None
        lines.append(
            f"  - run {i}: {c.cdx} CDX + {c.playback} playback requests, {c.live} live; pywb's "
            f"answers to playback: {answers(c.statuses)}; captures served "
            f"more than once: {len(c.twice)}; outcomes in the index unlike the capture plan: "
            f"{len(c.wrong)}; `.objects` {c.stored.objects} files, {mb(c.stored.object_bytes)} MB; "
            f"load before {c.run.load_before}"
        )
        lines += [f"    - served twice: `{u}`" for u in c.twice[:5]]
        lines += [f"    - unlike the plan: `{w}`" for w in c.wrong[:5]]
    again = sum(c.cdx + c.playback + c.live for c in seconds)
    lines.append(
        f"- Again over the same store: {again} requests over {len(seconds)} runs, median "
        f"{statistics.median(c.run.wall for c in seconds):.2f} s."
    )
    if limited is not None:
        floor = floor_of(limited)
        bound = "playback" if limited.playback / IA_PLAYBACK >= limited.cdx / IA_CDX else "CDX"
        lines.append(
            f"- Under the Internet Archive's default limits: {limited.run.wall:.1f} s "
            f"({limited.run.wall / 60:.1f} min) for {limited.cdx} CDX + {limited.playback} "
            f"playback requests; their floor is max({limited.cdx} / {IA_CDX}, {limited.playback} "
            f"/ {IA_PLAYBACK:g}) = {floor:.1f} s ({bound}-bound), measured ×"
            f"{limited.run.wall / floor:.2f} the floor. pywb's answers to playback: "
            f"{answers(limited.statuses)}; captures served more than once: {len(limited.twice)}; "
            f"outcomes in the index unlike the capture plan: {len(limited.wrong)}."
        )
    lines += ["", "Commands (from the repository root):", "", "```sh"]
    lines += [
        f"{rel(sys.executable)} benchmarks/bench_crawl.py --pages {args.pages} --requisites "
        f"{args.requisites} --shared {args.shared} --pool {args.pool} --hosts {args.hosts} "
        f"--uncaptured {args.uncaptured} --seed {args.seed} --runs {args.runs} --concurrency "
        f"{args.concurrency}   # generates, starts pywb, runs all below",
        f"{first.run.cmd}   # limits off, fresh copy and store each time ({len(firsts)} runs)",
        f"{seconds[0].run.cmd}   # again, same copy and store ({len(seconds)} runs)",
    ]
    if limited is not None:
        lines.append(f"{limited.run.cmd}   # IA default limits, fresh copy and store")
    lines += [
        "```",
        "",
        "Each `config.toml` holds `[archive] url` (the pywb), `cdx_per_second` and "
        "`playback_per_second` (0.0 for limits off; 0.4 and 8.0 for the IA row), `[store] dir`, "
        f'`[rescue] live_links = "off"`, `concurrency = {args.concurrency}`. "Bytes fetched": '
        "the report's `bytes`, every capture the run stored (the crawl's `pages.bytes` is "
        "part of it); on disk: the sizes of the files under "
        "`<store>/.objects` (one per distinct content), the views split off by the SHA-256s the "
        "index's `views` table records. Captures served twice: pywb's access log, `GET "
        "/web/<ts>id_/<url>` answered 200 more than once for one URL in one run.",
    ]
    return "\n".join(lines)


def tree_state() -> str:
    """The commit measured, and whether the package's folders differ from it."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ac.REPO, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "crawler", "rewriters", "archive", "linkrescue"],
            cwd=ac.REPO,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "an unknown commit"
    return f"commit {head}" + (" (package folders modified)" if dirty else "")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Benchmark the page crawl (issue 13).")
    ap.add_argument("--pages", type=int, default=500)
    ap.add_argument("--requisites", type=int, default=20, help="per page, six site-wide included")
    ap.add_argument("--shared", type=float, default=0.6, help="share of images from the pool")
    ap.add_argument("--pool", type=int, default=300, help="shared CDN images")
    ap.add_argument("--hosts", type=int, default=5)
    ap.add_argument("--uncaptured", type=float, default=0.02, help="share of images left out")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--no-limited", action="store_true", help="skip the run under IA limits")
    ap.add_argument("--out", type=Path, default=HERE / "out")
    args = ap.parse_args(argv)
    args.out = Path(os.path.abspath(args.out))
    if args.pages < 1 or args.runs < 1 or args.hosts < 1 or args.pool < 1:
        ap.error("--pages, --runs, --hosts and --pool must be positive")
    if args.requisites <= SITE_WIDE:
        ap.error(f"--requisites must be above {SITE_WIDE} (the site-wide ones)")
    tree = tree_state()
    base = args.out / "bench-crawl"
    t0 = time.perf_counter()
    world = generate(args)
    corpus = write_corpus(world, base / "corpus")
    gen_s = time.perf_counter() - t0
    print(
        f"generated {len(world.pages)} pages, {len(world.requisites)} requisites, "
        f"{len(world.captures)} captures in {gen_s:.1f} s; starting pywb",
        file=sys.stderr,
    )
    with ac.start_archive(base / "pywb", world.captures) as archive:
        print(f"  pywb ready in {archive.seconds:.1f} s", file=sys.stderr)
        firsts = [
            crawl_once(
                world,
                corpus,
                base / "run",
                archive,
                f"1-{i + 1}",
                fresh=True,
                concurrency=args.concurrency,
            )
            for i in range(args.runs)
        ]
        seconds = [
            crawl_once(
                world,
                corpus,
                base / "run",
                archive,
                f"2-{i + 1}",
                fresh=False,
                concurrency=args.concurrency,
            )
            for i in range(args.runs)
        ]
        limited = None
        if not args.no_limited:
            limited = crawl_once(
                world,
                corpus,
                base / "limited",
                archive,
                "ia",
                fresh=True,
                concurrency=args.concurrency,
                cdx=IA_CDX,
                playback=IA_PLAYBACK,
            )
        after = tree_state()
        if after != tree:
            tree = f"{tree}, then {after} by the end"
        print(
            section(args, world, archive, gen_s + archive.seconds, firsts, seconds, limited, tree)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
