#!/usr/bin/env python3
"""Benchmark ``linkrescue check`` online: live links against a slow local server, and
requests per archive reference against a real pywb.

Usage::

    python benchmarks/bench_check_online.py [--links 10000] [--latency 0.05] [--archive-refs 2000]

1. **Live links**: a local HTTP server answers every request after ``--latency``
   seconds (50 ms, a far site's round trip). ``--links`` unique links are spread over 1
   or 50 host names (127.0.0.x: one server, many hosts for the per-host limits) in
   100-link articles; ``check`` runs under ``[live]`` settings that differ per case.
   Prints checks/s and how per-host concurrency and spacing shape it.
2. **Archive references**: a pywb (``LINKRESCUE_PYWB`` or ``.venv-pywb``) from a WARC
   of ``--archive-refs`` captures under 20 site folders; the articles reference them
   all, plus 5% never archived. Prints CDX and playback requests per reference
   (target: at most 0.05 CDX and no playback), then a second run (answers kept in the
   store's index: no request).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


class _Slow(BaseHTTPRequestHandler):
    latency = 0.05
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _answer(self, body: bool) -> None:
        time.sleep(self.latency)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        if body:
            self.wfile.write(b"ok")

    def do_HEAD(self) -> None:
        self._answer(False)

    def do_GET(self) -> None:
        self._answer(True)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256


def articles(folder: Path, links: list[str], per: int = 100) -> None:
    folder.mkdir(parents=True)
    for n in range(0, len(links), per):
        body = "\n\n".join(f"[連結 {i}]({url})" for i, url in enumerate(links[n : n + per]))
        text = f'---\ntitle: "文章 {n}"\noriginal_url: "thestandnews.com/bench/{n}"\n---\n{body}\n'
        (folder / f"article-{n:06d}.md").write_text(text, encoding="utf-8")


def check(cwd: Path, config: str) -> tuple[float, dict[str, object], str]:
    (cwd / "linkrescue.toml").write_text(config, encoding="utf-8")
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "linkrescue", "check", "content", "--format", "text"],
        cwd=cwd,
        capture_output=True,
        text=True,
    )
    took = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(done.stderr)
    return took, {}, done.stdout.strip().splitlines()[-1]


def live_links(links: int, latency: float) -> None:
    _Slow.latency = latency
    server = _Server(("0.0.0.0", 0), _Slow)
    port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    cases = [
        ("50 hosts, [live] concurrency 16, per host 2, spacing 0", 50, 16, 2, 0.0),
        ("50 hosts, [live] concurrency 64, per host 2, spacing 0", 50, 64, 2, 0.0),
        ("1 host, [live] concurrency 16, per host 2, spacing 0", 1, 16, 2, 0.0),
        ("50 hosts, [live] concurrency 16, per host 2, spacing 0.5 (the default)", 50, 16, 2, 0.5),
    ]
    print(f"live links: {links} unique links, every answer after {latency * 1000:.0f} ms")
    for name, hosts, concurrency, per_host, spacing in cases:
        # A case bound by one host or by spacing is shown on 1,000 links (its rate is
        # the bound's, whatever the count).
        count = links if hosts > 1 and spacing == 0 else min(links, 1000)
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            urls = [f"http://127.0.0.{1 + i % hosts}:{port}/page/{i}" for i in range(count)]
            articles(root / "content", urls)
            config = (
                f"[live]\nconcurrency = {concurrency}\nper_host_concurrency = {per_host}\n"
                f"per_host_spacing = {spacing}\n"
                # the local server is on loopback, which a real run refuses (issue 14)
                "[network]\nallow_private = true\n"
            )
            took, _, last = check(root, config)
            print(f"- {name}: {count} links in {took:.1f} s = {count / took:.0f} checks/s")
            print(f"  ({last})")
    server.shutdown()


def archive_refs(count: int) -> None:
    from tests.support.archive_content import Cap, html
    from tests.support.pywb_server import start_pywb

    folders = 20
    urls = [
        f"https://www.thestandnews.com/section-{i % folders}/article-{i}/" for i in range(count)
    ]
    caps = [Cap(u, "20211229000000", html(f"article {i}")) for i, u in enumerate(urls)]
    missing = [
        f"https://www.thestandnews.com/section-{i % folders}/never-{i}/" for i in range(count // 20)
    ]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        pywb = start_pywb(root / "pywb", captures=caps, probe_url=urls[0].removeprefix("https://"))
        try:
            refs = [f"http://web.archive.org/web/20211229000000/{u}" for u in urls + missing]
            articles(root / "site/content", refs)
            (root / "site/rescued").mkdir()
            subprocess.run(
                [
                    sys.executable,
                    "-c",
                    "from linkrescue.archive import open_store, StoreUse; import sys;"
                    " open_store(__import__('pathlib').Path(sys.argv[1]), StoreUse.RUN).close()",
                    str(root / "site/rescued"),
                ],
                check=True,
            )
            config = (
                f'[archive]\nurl = "{pywb.url}"\ncdx_per_second = 0\nplayback_per_second = 0\n'
                f'[store]\ndir = "rescued"\n'
            )
            for label in ("first run", "second run (answers kept)"):
                took, _, last = check(root / "site", config)
                print(f"- archive, {label}: {len(refs)} references in {took:.1f} s  ({last})")
        finally:
            pywb.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--links", type=int, default=10000)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--archive-refs", type=int, default=2000)
    opts = parser.parse_args()
    live_links(opts.links, opts.latency)
    archive_refs(opts.archive_refs)


if __name__ == "__main__":
    main()
