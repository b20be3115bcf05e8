"""A real browser for the HTML report's tests: Debian's headless Chromium, network off.

``tests/run.sh`` installs it (``apt-get install chromium``) where it is missing. The
network is taken away twice: every request goes to a proxy on a port nothing listens
on, and every name resolves to "not found"; a page that asks anything of the network
shows the gap (a broken image, no style) instead of filling it.
"""

from __future__ import annotations

import subprocess
from html.parser import HTMLParser
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")

_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
    "--proxy-server=127.0.0.1:9",
    "--host-resolver-rules=MAP * ~NOTFOUND",
)


def _run(page: Path, profile: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    # Not a skip: a report nobody checked in a browser is the defect this test is for.
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: tests/run.sh installs it (apt-get)"
    profile.mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        [str(CHROMIUM), *_FLAGS, f"--user-data-dir={profile}", *extra, page.resolve().as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def dump_dom(page: Path, profile: Path) -> str:
    """The page's DOM as Chromium built it from ``file://``, serialized."""
    done = _run(page, profile, "--dump-dom")
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def screenshot(page: Path, profile: Path, png: Path) -> Path:
    """A PNG of the page as Chromium draws it."""
    done = _run(page, profile, f"--screenshot={png}", "--window-size=1280,2400")
    assert done.returncode == 0, done.stderr[-2000:]
    return png


class _Reader(HTMLParser):
    """What a reader sees of a DOM: its text, and the totals table's rows by path."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.totals: dict[str, list[str]] = {}
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self._row: str | None = None
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.tags.append((tag, found))
        if tag in ("style", "script", "title"):
            self._skip += 1
        if tag == "tr" and found.get("data-total"):
            self._row = found["data-total"]
            self.totals[self._row or ""] = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script", "title"):
            self._skip -= 1
        if tag == "tr":
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        self.text.append(data)
        if self._row is not None and data.strip():
            self.totals[self._row].append(data.strip())


def read_dom(dom: str) -> _Reader:
    reader = _Reader()
    reader.feed(dom)
    return reader


def shown_totals(dom: str) -> dict[str, str]:
    """The totals table as rendered: JSON path → the number shown next to it."""
    return {path: cells[1] for path, cells in read_dom(dom).totals.items()}


def png_size(png: Path) -> tuple[int, int]:
    """A PNG's width and height, from its IHDR chunk."""
    head = png.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
