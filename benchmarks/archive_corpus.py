"""A local archive for a generated corpus: its capture set, a WARC of it, a real pywb.

Shared by ``bench_archive.py`` and ``bench_rescue.py``; nothing in the package or
the tests imports it. Run from the repository root with the project's venv (pywb
itself runs from ``.venv-pywb``, started by ``tests/support/pywb_server.py``).

1. :func:`inventory` asks the crawler itself which unique resources a corpus
   references (the same inventory ``linkrescue rescue`` builds, with
   ``live_links = "off"``: no request ever leaves the machine), with every
   14-digit timestamp the references write for each.
2. :func:`plan_captures` builds one capture set: images as small PNG/JPEG bytes,
   PDFs as small PDF bytes, everything else as a small HTML page; a seeded
   ``uncaptured`` share of resources gets no capture at all. Timestamps:

   - a resource referenced with 14 digits gets one capture *near* one of them
     (1 minute to 3 days away, either way: links written from an archived page carry
     the page's timestamp, not the target's), or with ``exact`` one capture *at*
     every timestamp written for it (references copied from the Wayback Machine's
     address bar);
   - a resource referenced with a partial timestamp only (``2021im_``) gets one
     capture at a random moment of that year.

3. :func:`start_archive` writes the WARC, indexes it with ``wb-manager`` and starts
   pywb on loopback, timing each step (kept out of every measured run).

It also holds the measuring helpers both benchmarks share: the process-tree memory
sampler of ``bench_scan.py`` (plus the largest single process), CPU seconds of the child and of pywb, the load average.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from hashlib import blake2b
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
for _path in (str(REPO), str(HERE)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

from bench_scan import rel, spawn  # noqa: E402

from linkrescue.archive.model import Want  # noqa: E402
from linkrescue.archive.urls import url_key  # noqa: E402
from linkrescue.crawler.config import Config, with_overrides  # noqa: E402
from linkrescue.crawler.stages.rescue import Inventory, RescueRun  # noqa: E402
from linkrescue.crawler.stages.rescue import inventory as crawler_inventory  # noqa: E402
from tests.support.archive_content import Cap, html, jpeg_like, png_bytes  # noqa: E402
from tests.support.pywb_server import Pywb, find_wayback, start_pywb  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")
IMAGE_EXTS = (".jpg", ".jpeg", ".png", ".gif", ".webp")

# -- the resources a corpus references ----------------------------------------------


@dataclass(frozen=True, slots=True)
class Resource:
    """One unique resource the crawler will look up, as its inventory sees it."""

    key: str
    url: str
    want: Want
    timestamp: str | None  # the timestamp the crawler asks for (the most precise written)
    written: tuple[str, ...]  # every 14-digit timestamp written for it, sorted
    references: int


@dataclass(slots=True)
class Inventoried:
    resources: list[Resource]
    documents: int
    references: int
    seconds: float


def inventory(corpus: Path) -> Inventoried:
    """The unique remote resources of ``corpus`` as ``linkrescue rescue`` inventories
    them with ``live_links = "off"`` (the crawler's own code, in this process)."""
    t0 = time.perf_counter()
    config = with_overrides(Config(), "rescue", live_links="off")
    run = RescueRun()
    _, results = crawler_inventory([corpus], config.for_scan(), run)
    inv = Inventory(config.for_rescue(), run)
    written: dict[str, set[str]] = {}
    for result in results:
        inv.add(result)
        for record in result.records:
            res = record.res
            ts = res.archive.timestamp if res.archive is not None else None
            if res.key and ts and len(ts) == 14 and ts.isdigit():
                written.setdefault(res.key, set()).add(ts)
    resources = [
        Resource(
            key=t.key,
            url=t.url,
            want=t.want,
            timestamp=t.timestamp,
            written=tuple(sorted(written.get(t.key, ()))),
            references=len(run.tasks.places(t.id)),
        )
        for t in run.tasks.tasks()
    ]
    resources.sort(key=lambda r: r.key)
    return Inventoried(resources, run.documents, run.references, time.perf_counter() - t0)


# -- the capture set ------------------------------------------------------------------


def _hash(seed: int, text: str) -> int:
    return int.from_bytes(blake2b(f"{seed}:{text}".encode(), digest_size=8).digest())


def _ts(moment: datetime) -> str:
    return moment.strftime("%Y%m%d%H%M%S")


def _parse(ts: str) -> datetime:
    return datetime.strptime(ts, "%Y%m%d%H%M%S")


def body_for(res: Resource, seed: int) -> tuple[bytes, str]:
    """Small, distinct bytes of the right kind for ``res`` and their media type."""
    path = res.url.split("?", 1)[0].lower()
    h = _hash(seed, res.key)
    if res.want is Want.IMAGE or path.endswith(IMAGE_EXTS):
        if path.endswith(".png"):
            side = 1 + h % 8
            rgb = ((h >> 8) & 255, (h >> 16) & 255, (h >> 24) & 255)
            return png_bytes(side, side, rgb), "image/png"
        return jpeg_like(res.key.encode()), "image/jpeg"
    if path.endswith(".pdf"):
        return b"%PDF-1.4\n% " + res.key.encode() + b"\n%%EOF\n", "application/pdf"
    return html(res.key, f"<p>captured page {h:x}</p>"), "text/html; charset=utf-8"


@dataclass(slots=True)
class Plan:
    """A capture set: the captures, and which resources have at least one."""

    captures: list[Cap] = field(default_factory=list)
    captured: set[str] = field(default_factory=set)  # resource keys
    exact: bool = False
    uncaptured_share: float = 0.1

    @property
    def body_bytes(self) -> int:
        return sum(len(c.body) for c in self.captures)


def plan_captures(
    resources: Sequence[Resource], *, seed: int = 1, uncaptured: float = 0.1, exact: bool = False
) -> Plan:
    """Captures for ``resources`` (see the module docstring); deterministic in ``seed``."""
    plan = Plan(exact=exact, uncaptured_share=uncaptured)
    for res in resources:
        # Decided per index key: spellings the archive folds together (http and https,
        # case) are captured together or not at all.
        h = _hash(seed, url_key(res.url))
        if (h % 10_000) < uncaptured * 10_000:
            continue
        rng = random.Random(h)
        body, ctype = body_for(res, seed)
        if res.timestamp and len(res.timestamp) == 14:
            written = res.written or (res.timestamp,)
            if exact:
                stamps = list(written)
            else:
                seconds = rng.randint(60, 3 * 86400) * rng.choice((-1, 1))
                stamps = [_ts(_parse(rng.choice(written)) + timedelta(seconds=seconds))]
        else:
            year = int((res.timestamp or "2021")[:4])
            start = datetime(year, 1, 1)
            span = int((datetime(year + 1, 1, 1) - start).total_seconds()) - 1
            stamps = [_ts(start + timedelta(seconds=rng.randrange(span)))]
        plan.captures += (Cap(res.url, ts, body, ctype) for ts in stamps)
        plan.captured.add(res.key)
    return plan


# -- pywb -----------------------------------------------------------------------------


@dataclass(slots=True)
class Archive:
    """A running pywb and what setting it up cost."""

    server: Pywb
    captures: int
    warc_bytes: int
    seconds: float  # WARC + wb-manager index + start-up, total

    @property
    def url(self) -> str:
        return self.server.url

    def cpu_seconds(self) -> float:
        return cpu_of(self.server.process.pid)


@contextlib.contextmanager
def start_archive(
    workdir: Path, captures: Sequence[Cap], *, timeout: float = 600.0
) -> Iterator[Archive]:
    """Build the WARC of ``captures`` in ``workdir`` (emptied first), index it, start pywb;
    stop it on exit."""
    find_wayback()  # fail early, with the install hint, when pywb is missing
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    t0 = time.perf_counter()
    server = start_pywb(workdir, captures=captures, probe_url=captures[0].url, timeout=timeout)
    seconds = time.perf_counter() - t0
    warc = workdir / "linkrescue-test.warc.gz"
    try:
        yield Archive(server, len(captures), warc.stat().st_size, seconds)
    finally:
        server.stop()


def write_config(
    path: Path,
    *,
    archive_url: str,
    store: Path,
    concurrency: int,
    cdx_per_second: float = 0.0,
    playback_per_second: float = 0.0,
) -> Path:
    """A config.toml for a rescue against the local archive (no live requests)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "[archive]\n"
        f'url = "{archive_url}"\n'
        f"cdx_per_second = {cdx_per_second}\n"
        f"playback_per_second = {playback_per_second}\n"
        "\n[store]\n"
        f'dir = "{store}"\n'
        "\n[rescue]\n"
        'live_links = "off"\n'
        f"concurrency = {concurrency}\n"
    )
    return path


def copy_corpus(src: Path, dst: Path) -> Path:
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(src, dst)
    return dst


# -- measuring -------------------------------------------------------------------------


def cpu_of(pid: int) -> float:
    """CPU seconds (user + system, with reaped children) of a running process."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(x) for x in fields[11:15]) / TICK


def loadavg() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


@dataclass(frozen=True, slots=True)
class Measured:
    cmd: str  # as shown (relative paths, from the repository root)
    wall: float
    rc: int
    peak_rss: int  # bytes, summed over the process tree, sampled every 20 ms
    peak_pss: int  # the same with PSS (pages shared with forked workers divided among them)
    max_one: int  # bytes, the largest single process of the tree, sampled
    procs: int  # the largest process tree sampled
    cpu: float  # user + system seconds of the tree (reaped children included)
    server_cpu: float  # CPU seconds pywb spent meanwhile
    load_before: str
    stderr: str


def measure(
    cmd: list[str], *, stdout: Path | None = None, server: Archive | None = None
) -> Measured:
    """Run ``cmd`` from the repository root and measure it (``stdout`` to a file or
    /dev/null); print how it went to stderr."""
    shown = " ".join(rel(c) if c.startswith("/") else c for c in cmd)
    if stdout is not None:
        shown += f" > {rel(stdout)}"
    load = loadavg()
    cpu0 = server.cpu_seconds() if server else 0.0
    # ``max_one`` is sampled: ``ru_maxrss`` from ``wait4`` cannot be used here, the
    # child is started with ``vfork`` and inherits the high-water mark of this
    # process, which holds a capture set (hundreds of MB for the large-body check).
    done = spawn(cmd, os.devnull if stdout is None else str(stdout))
    wall, text, sampler, usage = done.wall, done.stderr, done.sampler, done.usage
    server_cpu = (server.cpu_seconds() - cpu0) if server else 0.0
    m = Measured(
        cmd=shown,
        wall=wall,
        rc=done.rc,
        peak_rss=sampler.peak_rss,
        peak_pss=sampler.peak_pss,
        max_one=sampler.max_one,
        procs=sampler.max_procs,
        cpu=usage.ru_utime + usage.ru_stime,
        server_cpu=server_cpu,
        load_before=load,
        stderr=text,
    )
    print(
        f"  {wall:.2f} s, rc={m.rc}, tree RSS {mib(m.peak_rss)} MiB (PSS {mib(m.peak_pss)}, "
        f"largest process {mib(m.max_one)}, {m.procs} procs), CPU {m.cpu:.1f} s"
        + (f", pywb CPU {server_cpu:.1f} s" if server else "")
        + f", load {load}: {shown}",
        file=sys.stderr,
    )
    if m.rc not in (0, 1):
        tail = text.strip().splitlines()[-8:]
        print("    stderr: " + "\n    ".join(tail), file=sys.stderr)
    return m


def run_rescue(
    corpus: Path, config: Path, report: Path, server: Archive, *options: str
) -> tuple[Measured, dict[str, Any]]:
    """``linkrescue rescue CORPUS [OPTIONS] --config CONFIG --report REPORT``, measured
    against ``server``; the run and its JSON report. Stops the benchmark if it fails."""
    cmd = [*linkrescue_cmd(), "rescue", str(corpus), *options]
    cmd += ["--config", str(config), "--report", str(report)]
    run = measure(cmd, server=server)
    if run.rc not in (0, 1) or not report.is_file():
        raise SystemExit(f"rescue failed (exit {run.rc}):\n{run.stderr[-3000:]}")
    data: dict[str, Any] = json.loads(report.read_text())
    return run, data


def mib(n: int) -> str:
    return f"{n / 2**20:.0f}"


def linkrescue_cmd() -> list[str]:
    """``linkrescue`` as installed next to the running Python."""
    exe = Path(sys.executable).parent / "linkrescue"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "linkrescue"]


def machine_line() -> str:
    return (
        f"Machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
        f"load average {loadavg()} (1/5/15 min) when the tables were printed; "
        "pywb 2.10 (one gevent process) on 127.0.0.1 shares the CPUs with linkrescue."
    )
