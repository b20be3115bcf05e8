"""State across runs, end to end: nightly `rescue` and CI `check` share one history.

A real pywb on loopback holds captures of a live site's images; the live site (a tiny
server of this test on 127.0.0.1) answers each path from a script, one answer per
request, the last repeated: 404 three nights running, 404 then 200, 503 every time.
Nights pass by moving every recorded time in the store's index back (what a day's
wait would leave in it), so each run decides from its history exactly as a cron job
the next night would.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from tests.support.archive_content import Cap, jpeg_like, png_bytes
from tests.support.cli import linkrescue
from tests.support.forward import relay_get
from tests.support.nights import nights_pass
from tests.support.pywb_server import Pywb, start_pywb

NAMES = ("gone.png", "back.png", "flaky.png", "checked.png")
#: An archived Stand News photo whose archive answers 503 for a while.
OUTAGE = "https://assets.thestandnews.com/media/photos/outage-20211001.jpg"


class _Scripted(BaseHTTPRequestHandler):
    """A live site: each path answers its script in order, the last status repeated."""

    scripts: ClassVar[dict[str, list[int]]] = {}
    asked: ClassVar[dict[str, int]] = {}
    lock = threading.Lock()

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _answer(self) -> None:
        path = self.path.rsplit("/", 1)[-1]
        with self.lock:
            script = self.scripts.get(path, [404])
            n = self.asked.get(path, 0)
            self.asked[path] = n + 1
        self.send_response(script[min(n, len(script) - 1)])
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_HEAD(self) -> None:
        self._answer()

    def do_GET(self) -> None:
        self._answer()


class _Outage(BaseHTTPRequestHandler):
    """The archive, relayed from pywb; while ``down``, every request about the outage
    photo (CDX or playback) is the archive's 503, as in the Wayback Machine's outages."""

    upstream: ClassVar[str] = ""
    down: ClassVar[bool] = False
    asked: ClassVar[int] = 0

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        if "outage-20211001" not in self.path:
            relay_get(self, self.upstream)
            return
        type(self).asked += 1
        if not self.down:
            relay_get(self, self.upstream)
            return
        body = b"<html><body><h1>503 Service Unavailable</h1></body></html>"
        self.send_response(503)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@dataclass
class Site:
    pywb: Pywb
    live: str
    archive: str

    def script(self, tag: str, name: str, statuses: list[int]) -> str:
        """A fresh path for one test (the server is shared): its URL."""
        path = f"{tag}-{name}"
        _Scripted.scripts[path] = statuses
        return f"{self.live}/media/{path}"

    def asked(self, url: str) -> int:
        return _Scripted.asked.get(url.rsplit("/", 1)[-1], 0)


TAGS = ("count", "reset", "flaky", "shared", "recheck")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Scripted)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    live = f"http://127.0.0.1:{server.server_address[1]}"
    captures = [
        Cap(f"{live}/media/{tag}-{name}", "20211001000000", png_bytes(2, 2, (9, 9, 9)), "image/png")
        for tag in TAGS
        for name in NAMES
    ]
    captures.append(Cap(OUTAGE, "20211001000000", jpeg_like(b"outage"), "image/jpeg"))
    pywb = start_pywb(
        tmp_path_factory.mktemp("pywb-history"),
        captures=captures,
        probe_url=f"{live.removeprefix('http://')}/media/count-gone.png",
    )
    _Outage.upstream = pywb.url.removeprefix("http://")
    proxy = ThreadingHTTPServer(("127.0.0.1", 0), _Outage)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        yield Site(pywb, live, f"http://127.0.0.1:{proxy.server_address[1]}")
    finally:
        pywb.stop()
        for each in (server, proxy):
            each.shutdown()
            each.server_close()


def project(
    root: Path, site: Site, urls: list[str], nightly: str = "", *, archive: str = ""
) -> Path:
    """A Stand-News-shaped article showing ``urls`` as images, and a config using the store."""
    doc = root / "content" / "hongkong" / "2021-10-01-photos.md"
    doc.parent.mkdir(parents=True)
    images = "\n".join(f"![相片 {n}]({url})" for n, url in enumerate(urls))
    doc.write_text(
        '---\ntitle: "立場新聞 相片"\ndate: "2021-10-01T00:00:00"\n---\n' + images + "\n",
        encoding="utf-8",
    )
    (root / "config.toml").write_text(
        f'[archive]\nurl = "{archive or site.pywb.url}"\ncdx_per_second = 0\nplayback_per_second = 0\n'
        "pause_seconds = 0.2\nread_timeout = 5.0\nretries = 0\n"
        '[store]\ndir = "rescued"\n[rescue]\nlive_links = "dead"\n'
        # the live site is a server on loopback, which a real run refuses
        "[network]\nallow_private = true\n"
        f"[live]\nper_host_spacing = 0\n[nightly]\n{nightly}",
        encoding="utf-8",
    )
    return doc


def rescue(root: Path, *args: str) -> dict[str, Any]:
    done = linkrescue("rescue", "content", "--report", "r.json", *args, cwd=root)
    assert done.returncode in (0, 1), done.stderr
    data: dict[str, Any] = json.loads((root / "r.json").read_text(encoding="utf-8"))
    return {**{i["url"]: i for i in data["items"]}, "requests": data["requests"]}


def check(root: Path) -> tuple[int, dict[str, dict[str, Any]]]:
    done = linkrescue("check", "content", "--format", "json", cwd=root)
    assert done.returncode in (0, 1), done.stderr
    findings = json.loads(done.stdout)
    return done.returncode, {f["url"]: f for f in findings}


def test_a_live_link_is_rescued_only_after_three_dead_answers_a_day_apart(
    site: Site, tmp_path: Path
) -> None:
    gone = site.script("count", "gone.png", [404])
    doc = project(tmp_path, site, [gone])
    original = doc.read_text(encoding="utf-8")

    first = rescue(tmp_path)
    assert first[gone]["outcome"] == "skipped"
    assert first[gone]["reason"].startswith("HTTP 404: dead 1 of 3 times (next check after ")
    assert doc.read_text(encoding="utf-8") == original  # a suspect is left alone

    again = rescue(tmp_path)  # the same night: not asked, nothing counted
    assert site.asked(gone) == 1 and again["requests"]["live"] == 0
    assert again[gone]["outcome"] == "skipped"
    assert "dead 1 of 3 times (next check after " in again[gone]["reason"]

    nights_pass(tmp_path, 25)
    second = rescue(tmp_path)
    assert site.asked(gone) == 2
    assert second[gone]["reason"].startswith("HTTP 404: dead 2 of 3 times")
    assert doc.read_text(encoding="utf-8") == original

    nights_pass(tmp_path, 25)
    third = rescue(tmp_path)
    assert site.asked(gone) == 3
    assert third[gone]["outcome"] == "rescued"
    assert third[gone]["reason"].startswith("HTTP 404: dead 3 of 3 times: declared dead")
    assert "](../../rescued/127.0.0.1_" in doc.read_text(encoding="utf-8")

    nights_pass(tmp_path, 25)
    fourth = rescue(tmp_path)  # in the store now: nothing is asked again
    assert site.asked(gone) == 3 and fourth["requests"] == {"cdx": 0, "playback": 0, "live": 0}


def test_an_alive_answer_starts_the_count_again(site: Site, tmp_path: Path) -> None:
    back = site.script("reset", "back.png", [404, 200, 404])
    doc = project(tmp_path, site, [back])
    original = doc.read_text(encoding="utf-8")

    assert "dead 1 of 3 times" in rescue(tmp_path)[back]["reason"]
    nights_pass(tmp_path, 25)
    alive = rescue(tmp_path)[back]
    assert (alive["outcome"], alive["reason"]) == ("skipped", "live (HTTP 200)")
    nights_pass(tmp_path, 25)
    dead_again = rescue(tmp_path)[back]
    assert dead_again["reason"].startswith("HTTP 404: dead 1 of 3 times")  # not 2 of 3
    assert site.asked(back) == 3
    assert doc.read_text(encoding="utf-8") == original


def test_a_failing_site_is_asked_again_after_a_growing_backoff(site: Site, tmp_path: Path) -> None:
    flaky = site.script("flaky", "flaky.png", [503])
    project(tmp_path, site, [flaky], "retry_after_hours = 6\nretry_max_hours = 168\n")

    first = rescue(tmp_path)[flaky]
    assert (first["outcome"], first["reason"]) == ("skipped", "HTTP 503, not counted as dead")
    assert site.asked(flaky) == 1

    pending = rescue(tmp_path)[flaky]  # backoff: 6 hours
    assert site.asked(flaky) == 1
    assert pending["outcome"] == "skipped"
    assert pending["reason"].startswith("pending: HTTP 503, not counted as dead; next check after ")

    nights_pass(tmp_path, 7)
    rescue(tmp_path)
    assert site.asked(flaky) == 2  # due: asked, failed again; now 12 hours
    nights_pass(tmp_path, 7)
    rescue(tmp_path)
    assert site.asked(flaky) == 2
    nights_pass(tmp_path, 6)
    rescue(tmp_path)
    assert site.asked(flaky) == 3

    rescue(tmp_path, "--recheck")  # asks everything again now
    assert site.asked(flaky) == 4


def test_check_reports_a_404_at_once_and_rescue_counts_its_answers(
    site: Site, tmp_path: Path
) -> None:
    url = site.script("shared", "checked.png", [404])
    doc = project(tmp_path, site, [url])
    original = doc.read_text(encoding="utf-8")

    # check with no store: a first 404 in a one-off CI run is a finding, exit 1
    code, findings = check(tmp_path)
    assert code == 1
    assert (findings[url]["status"], findings[url]["reason"]) == ("dead", "HTTP 404")

    first = rescue(tmp_path)  # creates the store: dead 1 of 3
    assert "dead 1 of 3 times" in first[url]["reason"]
    nights_pass(tmp_path, 25)

    code, findings = check(tmp_path)  # with a store: recorded, and counted in its reason
    assert code == 1 and findings[url]["status"] == "dead"
    assert findings[url]["reason"].startswith("HTTP 404 (dead 2 of 3 times (next check after ")
    assert site.asked(url) == 3

    code, findings = check(tmp_path)  # within [check] max_age_hours: reused, not asked
    assert site.asked(url) == 3 and code == 1
    assert "dead 2 of 3 times" in findings[url]["reason"]

    nights_pass(tmp_path, 25)
    third = rescue(tmp_path)  # check's answer counted: the third dead answer rescues it
    assert third[url]["outcome"] == "rescued"
    assert "dead 3 of 3 times: declared dead" in third[url]["reason"]
    assert doc.read_text(encoding="utf-8") != original


def test_an_archive_failure_is_fetched_again_only_after_its_backoff(
    site: Site, tmp_path: Path
) -> None:
    archived = f"http://web.archive.org/web/2021im_/{OUTAGE}"
    doc = project(tmp_path, site, [archived], "retry_after_hours = 6\n", archive=site.archive)
    _Outage.down, _Outage.asked = True, 0

    first = rescue(tmp_path)[OUTAGE]
    assert first["outcome"] == "failed" and "503" in first["reason"]
    asked = _Outage.asked
    assert asked > 0

    pending = rescue(tmp_path)  # the same night: not asked at all
    assert _Outage.asked == asked
    assert pending["requests"] == {"cdx": 0, "playback": 0, "live": 0}
    assert pending[OUTAGE]["outcome"] == "failed"
    assert pending[OUTAGE]["reason"].startswith("pending: ")
    assert "(once in a row); next try after " in pending[OUTAGE]["reason"]

    _Outage.down = False  # the outage is over
    nights_pass(tmp_path, 5)
    rescue(tmp_path)
    assert _Outage.asked == asked  # 5 of 6 hours: still waiting
    nights_pass(tmp_path, 2)
    done = rescue(tmp_path)[OUTAGE]
    assert done["outcome"] == "rescued" and _Outage.asked > asked
    assert "](../../rescued/assets.thestandnews.com/" in doc.read_text(encoding="utf-8")
