"""``linkrescue status`` and the HTML report, after real rescues against a real pywb.

The corpus is the end-to-end test's (the Stand News example, a BBC-shaped article, a
Citizen-News-shaped one) plus an RFA-shaped article whose two photos the archive
answers 503 for on the first night (a Wayback outage, docs/wayback-facts.md §5) and
one the archive excludes (HTTP 403). A proxy of the test's own between linkrescue and
pywb plays the outage; the second night it is over.

The HTML pages are opened in Debian's headless Chromium from ``file://`` with the
network off; what it renders is compared with the JSON reports.
"""

from __future__ import annotations

import http.client
import json
import re
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path, PurePosixPath
from typing import Any

import pytest

from linkrescue.archive import Index, IndexedResource, StoreUse, open_store
from linkrescue.archive.model import Outcome
from linkrescue.crawler.commands.page import (
    THUMBNAIL_BYTES,
    THUMBNAILS,
    Bar,
    Broken,
    ReportPage,
    Thumbnail,
    Total,
    rescue_page,
    thumbnails_of,
)
from linkrescue.crawler.commands.status import host_of
from linkrescue.crawler.output.htmlreport import write_html
from linkrescue.crawler.report import Requests, RescueReport
from tests.crawler.test_rescue_e2e import _Live, corpus_captures, make_corpus
from tests.support.archive_content import Cap, png_bytes
from tests.support.chromium import (
    count_colour,
    dump_dom,
    png_size,
    read_dom,
    screenshot,
    shown_totals,
)
from tests.support.cli import linkrescue, write_config
from tests.support.nights import nights_pass
from tests.support.pywb_server import Pywb, start_pywb

RFA = "https://www.rfa.org/cantonese/news/htm/hk-court-01052021.html"
FLAKY = (
    "https://www.rfa.org/cantonese/news/photos/hk-court-1.png",
    "https://www.rfa.org/cantonese/news/photos/hk-court-2.png",
)
BANNED = "https://hk.appledaily.com/resizer/banned-front-page.png"
FLAKY_PNG = (png_bytes(6, 4, (200, 30, 30)), png_bytes(6, 4, (30, 30, 200)))


def rfa_doc(live: str) -> str:
    """The RFA-shaped article: two photos of the outage, an excluded front page, and a
    live link to a photo its site has since removed (404), never captured."""
    return (
        "---\n"
        'title: "法庭新聞"\n'
        'original_url: "https://www.citizennews.hk/rfa-court"\n'
        "---\n"
        f"![庭外](http://web.archive.org/web/20210105000000im_/{FLAKY[0]})\n\n"
        f"![庭內](http://web.archive.org/web/20210105000000im_/{FLAKY[1]})\n\n"
        f"頭版：![頭版](https://web.archive.org/web/20210105000000im_/{BANNED})\n\n"
        f"[舊照片]({live}/photos/removed.png)\n"
    )


class _Outage(BaseHTTPRequestHandler):
    """Forwards to pywb; while ``outage`` is on, playback of the RFA photos is 503; the
    Apple Daily image is always excluded (403, as IA answers a blocked site)."""

    protocol_version = "HTTP/1.0"
    server: _OutageServer

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        playback = self.path.startswith("/web/")
        if playback and "banned-front-page" in self.path:
            self._refuse(403)
        elif playback and "hk-court-" in self.path and self.server.outage:
            self._refuse(503)
        else:
            self._relay()

    def _relay(self) -> None:
        """pywb's answer, with this proxy's ``Host`` sent on: the redirects pywb makes
        (an inexact timestamp) then point back here, not around the proxy."""
        connection = http.client.HTTPConnection(self.server.upstream, timeout=10)
        try:
            connection.request("GET", self.path, headers={"Host": self.headers["Host"]})
            answer = connection.getresponse()
            body = answer.read()
        finally:
            connection.close()
        self.send_response(answer.status)
        for name, value in answer.getheaders():
            if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _refuse(self, status: int) -> None:
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()


class _OutageServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, upstream: str) -> None:
        super().__init__(("127.0.0.1", 0), _Outage)
        self.upstream = upstream
        self.outage = True


@dataclass
class Archive:
    pywb: Pywb
    proxy: _OutageServer
    url: str
    live: str


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    live_server = ThreadingHTTPServer(("127.0.0.1", 0), _Live)
    threading.Thread(target=live_server.serve_forever, daemon=True).start()
    live = f"http://127.0.0.1:{live_server.server_address[1]}"
    captures = [
        *corpus_captures(live),
        Cap(FLAKY[0], "20210105010101", FLAKY_PNG[0], "image/png"),
        Cap(FLAKY[1], "20210105010101", FLAKY_PNG[1], "image/png"),
        Cap(BANNED, "20210105010101", png_bytes(2, 2, (0, 0, 0)), "image/png"),
    ]
    pywb = start_pywb(
        tmp_path_factory.mktemp("pywb-status"),
        captures=captures,
        probe_url="www.facebook.com/coco.shen/posts/10157672268636821",
    )
    proxy = _OutageServer(pywb.url.removeprefix("http://").rstrip("/"))
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    host, port = proxy.server_address[:2]
    try:
        yield Archive(pywb, proxy, f"http://{host!s}:{port}", live)
    finally:
        proxy.shutdown()
        proxy.server_close()
        pywb.stop()
        live_server.shutdown()
        live_server.server_close()


@dataclass
class Night:
    report: dict[str, Any]
    html: Path


def rescue_night(tmp_path: Path, name: str) -> Night:
    done = linkrescue(
        "rescue", "content", "--report", f"{name}.json", "--report-html", f"out/{name}.html",
        cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stderr
    report = json.loads((tmp_path / f"{name}.json").read_text(encoding="utf-8"))
    return Night(report, tmp_path / "out" / f"{name}.html")


def status_json(tmp_path: Path) -> dict[str, Any]:
    done = linkrescue("status", "--format", "json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    found: dict[str, Any] = json.loads(done.stdout)
    return found


def at_path(data: dict[str, Any], path: str) -> Any:
    value: Any = data
    for part in path.split("."):
        value = value[part]
    return value


def corpus(tmp_path: Path, archive: Archive) -> None:
    make_corpus(tmp_path / "content")
    (tmp_path / "content" / "citizen" / "rfa-court.md").write_text(
        rfa_doc(archive.live), encoding="utf-8"
    )
    write_config(tmp_path, archive.url)


def stored_bytes(store: Path, report: dict[str, Any]) -> tuple[int, int]:
    """Files and bytes of what the report says was rescued, measured on disk."""
    paths = {i["local_path"] for i in report["items"] if i["outcome"] == "rescued"}
    return len(paths), sum((store / p).stat().st_size for p in paths)


def test_status_after_a_night_with_an_outage(archive: Archive, tmp_path: Path) -> None:
    archive.proxy.outage = True
    corpus(tmp_path, archive)
    night = rescue_night(tmp_path, "night1")
    report = night.report
    assert report["failed"] == 2 and report["blocked"] == 1

    # check asks the live web about the live link: gone (404), kept in the store's index.
    checked = linkrescue("check", "content", "--format", "json", cwd=tmp_path)
    assert checked.returncode == 1, checked.stderr
    dead = [f for f in json.loads(checked.stdout) if f["status"] == "dead"]
    assert [f["url"] for f in dead if "removed.png" in f["url"]] == [
        f"{archive.live}/photos/removed.png"
    ]

    found = status_json(tmp_path)

    resources = found["resources"]
    assert resources["rescued"] == report["rescued"] == 7
    # the store's count holds the requisites of the rescued pages too (their stylesheet)
    pages = report["pages"]
    assert resources["not_archived"] == report["not_archived"] + pages["not_archived"]
    assert resources["blocked"] == report["blocked"] == 1
    assert resources["failed"] == report["failed"] == 2
    assert resources["total"] == 7 + resources["not_archived"] + 1 + 2
    # Both failures wait for their next try: 6 hours ([nightly] retry_after_hours)
    # after the failure the store's attempts record.
    assert resources["pending"] == 2 and resources["due_now"] == 0
    db = sqlite3.connect(tmp_path / "rescued" / "index.sqlite3")
    for pending in found["pending"]:
        assert pending["url"] in FLAKY and pending["failures"] == 1
        (last,) = db.execute(
            "SELECT MAX(at) FROM attempts WHERE url = ? AND outcome = 'failed'", (pending["url"],)
        ).fetchone()
        assert pending["last_failure_at"] == last
        due = datetime.fromisoformat(pending["due_at"]) - datetime.fromisoformat(last)
        assert due == timedelta(hours=6)
    db.close()
    assert found["failing_hosts"] == [
        {"host": "www.rfa.org", "failed": 2, "blocked": 0, "total": 2},
        {"host": "hk.appledaily.com", "failed": 0, "blocked": 1, "total": 1},
    ]
    # every rescued page got its view; each page's host's /static/site.css (never
    # archived) is what they need
    assert found["pages"] == {"views": report["pages"]["views"], "open": 0, "requisites": 4}
    assert report["pages"]["views"] > 0
    files, size = stored_bytes(tmp_path / "rescued", report)
    assert found["size"] == {"files": files, "bytes": size}
    assert size > 0
    # The removed photo: the live web said 404 once; declared dead only after
    # [nightly] dead_after_failures (3) such answers a day apart.
    assert resources["dead"] == 0 and resources["suspect"] == 1
    (run,) = found["runs"]  # the rescue recorded its run: its requests and totals
    assert run["command"] == "rescue" and run["outcome"] == "complete"
    assert run["requests"]["total"] == sum(report["requests"].values())
    assert run["totals"]["rescued"] == report["rescued"]

    text = linkrescue("status", cwd=tmp_path)
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert "  rescued               7" in lines
    assert "  pending               2  (0 due now)" in lines
    assert any(
        line.startswith("  www.rfa.org ") and "(2 failed, 0 blocked)" in line for line in lines
    )
    assert not (tmp_path / "rescued" / "run.lock").exists()  # read only: no lock taken


def test_status_without_a_store_is_one_line_and_creates_nothing(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('[store]\ndir = "rescued"\n', encoding="utf-8")
    done = linkrescue("status", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        f"linkrescue: {tmp_path / 'rescued'}: no store here (no index.sqlite3); nothing to report"
    ]
    assert not (tmp_path / "rescued").exists()


def test_the_html_reports_render_offline_with_the_json_numbers(
    archive: Archive, tmp_path: Path
) -> None:
    archive.proxy.outage = True
    corpus(tmp_path, archive)
    first = rescue_night(tmp_path, "night1")
    archive.proxy.outage = False  # the outage is over by the next night
    nights_pass(tmp_path, 24)  # past the failures' backoff ([nightly] retry_after_hours)
    second = rescue_night(tmp_path, "night2")
    # The second night asks only about what is not rescued yet: the two photos.
    assert second.report["failed"] == 0 and second.report["rescued"] == 2

    profile = tmp_path / "chromium"
    dom = dump_dom(second.html, profile)
    page = read_dom(dom)
    text = " ".join(" ".join(page.text).split())
    # Every number of the page's totals is the JSON report's, under its JSON path.
    totals = shown_totals(dom)
    assert {"rescued", "failed", "not_archived", "blocked", "requests.cdx"} <= set(totals)
    for path, shown in totals.items():
        assert shown == str(at_path(second.report, path)), path
    # What changed since the first night: the two photos of the outage.
    assert "Compared with the last run, started" in text
    assert "rescued 7 2 -5" in text
    assert "failed 2 0 -2" in text
    assert "2 resource(s) newly rescued into the store." in text
    # Their thumbnails are in the page itself; nothing is asked of the network.
    images = [attrs for tag, attrs in page.tags if tag == "img"]
    assert len(images) == 2
    assert all((a.get("src") or "").startswith("data:image/png;base64,") for a in images)
    assert not any(tag == "script" for tag, _ in page.tags)
    for _, attrs in page.tags:
        for name in ("src", "href"):
            assert not (attrs.get(name) or "").startswith(("http:", "https:", "//")), attrs
    # The blocked front page is listed by host and by document, linked to its file.
    assert "hk.appledaily.com (1)" in text
    links = [a.get("href") for tag, a in page.tags if tag == "a"]
    assert "../content/citizen/rfa-court.md" in links
    assert (second.html.parent / "../content/citizen/rfa-court.md").is_file()
    # The chart: the first night and this run, as SVG drawn in the page.
    assert any(tag == "svg" for tag, _ in page.tags)
    assert "this run" in text
    # The page rendered to its end with the network off.
    assert "Not rescued, by document" in text

    png = screenshot(second.html, profile, tmp_path / "night2.png")
    assert png_size(png) == (1280, 2400)
    assert png.stat().st_size > 20_000  # a drawn page, not a blank one

    # status --html: the store's numbers, the same as status --format json.
    done = linkrescue("status", "--html", "out/status.html", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    found = status_json(tmp_path)
    status_dom = dump_dom(tmp_path / "out" / "status.html", profile)
    shown = shown_totals(status_dom)
    assert set(shown) == {f"resources.{k}" for k in found["resources"]} | {
        "size.files",
        "size.bytes",
    }
    for path, value in shown.items():
        assert value == str(at_path(found, path)), path
    assert shown["resources.rescued"] == "9"
    run, earlier = found["runs"]  # newest first: the second night, then the first
    assert earlier["totals"]["rescued"] == first.report["rescued"]
    asked = second.report["requests"]
    assert run["outcome"] == "complete" and run["command"] == "rescue"
    assert run["requests"] == {**asked, "total": sum(asked.values())}
    assert run["totals"]["rescued"] == 2 and run["totals"]["failed"] == 0

    # A run killed before it ended stays "running", with no end and no duration.
    with Index(tmp_path / "rescued" / "index.sqlite3") as index:
        index.begin_run("rescue")
    killed = status_json(tmp_path)["runs"][0]
    assert killed["outcome"] == "running"
    assert killed["finished_at"] is None and killed["seconds"] is None
    text = linkrescue("status", cwd=tmp_path).stdout
    assert re.search(r"^  \d{4}-\d\d-\d\d \d\d:\d\d  rescue +- +0 requests  running$", text, re.M)


HOSTILE = (
    "https://evil.example/'\"><script>document.title='owned'</script><img src=x onerror=alert(1)>"
)


def test_hostile_urls_and_file_names_are_text_in_the_page(tmp_path: Path) -> None:
    """Strings from documents and archives are escaped wherever the page puts them.

    Built by hand: a rescue cannot produce these strings, because the URL grammar
    percent-encodes quotes and angle brackets before a report holds them; the page must
    not depend on that."""
    document = tmp_path / "content" / "a'b\"<c>.md"
    document.parent.mkdir()
    document.write_text("x", encoding="utf-8")
    page = ReportPage(
        title="linkrescue rescue report",
        generated_at=datetime(2026, 12, 4, 3, 0, tzinfo=UTC),
        store=str(tmp_path / "rescued<b>"),
        totals=(Total("failed", 1),),
        since=None,
        then_label="last run",
        now_label="this run",
        changes=(),
        newly_rescued=0,
        thumbnails=(),
        broken=(Broken(HOSTILE, host_of(HOSTILE), "failed", HOSTILE, document, 3),),
        chart=(Bar("<b>run</b>", 1, 1, current=True),),
        notes=(),
    )
    out = tmp_path / "out" / "report.html"
    write_html(out, page)

    dom = dump_dom(out, tmp_path / "chromium")
    seen = read_dom(dom)
    assert [tag for tag, _ in seen.tags if tag in ("script", "img", "b", "c")] == []
    text = "".join(seen.text)
    assert HOSTILE in text  # shown as written, as text
    assert "<b>run</b>" in text
    links = [a.get("href") for tag, a in seen.tags if tag == "a"]
    # By host, the document's heading, and its line under it: one file, linked whole.
    assert links == ["../content/a%27b%22%3Cc%3E.md"] * 3
    assert "owned" not in dom.split("<title>")[1].split("</title>")[0]


def test_thumbnails_show_offline_from_data_and_from_the_stored_file(tmp_path: Path) -> None:
    """A small image is in the page (``data:``); a larger one is its stored file, by a
    relative path: Chromium draws both from ``file://`` with the network off."""
    store = tmp_path / "rescued" / "www.rfa.org"
    store.mkdir(parents=True)
    red, blue = (220, 20, 20), (20, 20, 220)
    (store / "large.png").write_bytes(png_bytes(60, 40, red))
    small = png_bytes(60, 40, blue)
    page = ReportPage(
        title="linkrescue rescue report",
        generated_at=datetime(2026, 12, 4, 3, 0, tzinfo=UTC),
        store=str(tmp_path / "rescued"),
        totals=(Total("rescued", 2),),
        since=None,
        then_label="last run",
        now_label="this run",
        changes=(),
        newly_rescued=2,
        thumbnails=(
            Thumbnail(FLAKY[0], store / "large.png", "image/png", None),
            Thumbnail(FLAKY[1], store / "small.png", "image/png", small),
        ),
        broken=(),
        chart=(),
        notes=(),
    )
    out = tmp_path / "out" / "report.html"
    write_html(out, page)
    srcs = [a.get("src") or "" for t, a in read_dom(out.read_text()).tags if t == "img"]
    assert srcs[0] == "../rescued/www.rfa.org/large.png"
    assert srcs[1].startswith("data:image/png;base64,")

    png = screenshot(out, tmp_path / "chromium", tmp_path / "shot.png", size=(800, 700))
    # Each thumbnail box is 9rem x 7rem: thousands of pixels of its colour when drawn.
    assert count_colour(png, red) > 5_000
    assert count_colour(png, blue) > 5_000


def test_thumbnails_are_capped_in_count_and_embedded_size(tmp_path: Path) -> None:
    store = tmp_path / "rescued"
    (store / "img").mkdir(parents=True)
    night = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)

    def stored(name: str, body: bytes, mimetype: str, *, write: bool = True) -> IndexedResource:
        if write:
            (store / "img" / name).write_bytes(body)
        return IndexedResource(
            key=name, url=f"https://www.rfa.org/img/{name}", outcome=Outcome.RESCUED,
            reason="", last_attempt_at=night, path=PurePosixPath("img", name),
            mimetype=mimetype, size=len(body),
        )  # fmt: skip

    big = png_bytes(4, 4, (1, 2, 3)) + b"\0" * THUMBNAIL_BYTES  # over the cap
    rescued = [
        stored("logo.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/svg+xml"),
        stored("page.html", b"<html></html>", "text/html"),
        stored("gone.png", png_bytes(1, 1, (0, 0, 0)), "image/png", write=False),
        stored("big.png", big, "image/png"),
        *(stored(f"{n}.png", png_bytes(2, 2, (n, n, n)), "image/png") for n in range(30)),
    ]

    thumbs = thumbnails_of(rescued, store)

    assert len(thumbs) == THUMBNAILS
    assert [t.file.name for t in thumbs[:2]] == ["big.png", "0.png"]
    assert thumbs[0].data is None  # shown from its file
    assert thumbs[1].data == (store / "img" / "0.png").read_bytes()


def test_a_rescue_page_written_seconds_after_its_run_compares_with_the_run_before(
    tmp_path: Path,
) -> None:
    """CI under load once showed a night compared with itself: the report was drawn more
    than a second after the run ended, and the run's own row was taken for the last run."""
    store_dir = tmp_path / "rescued"
    start = datetime(2026, 12, 6, 0, 3, tzinfo=UTC)
    with open_store(store_dir, StoreUse.RUN) as store:
        night1 = store.index.begin_run("rescue", start - timedelta(hours=24))
        store.index.end_run(night1, "complete", totals={"rescued": 7, "failed": 2})
        night2 = store.index.begin_run("rescue", start)
        store.index.end_run(night2, "complete", totals={"rescued": 2, "failed": 0})
    report = RescueReport(
        documents=1, references=9, resources=9, rescued=2, internal=0, already_local=7,
        not_archived=0, blocked=0, failed=0, skipped=0, rewritten=1,
        requests=Requests(cdx=1, playback=2, live=0), bytes=10, seconds=1.5, problems=(),
        items=(),
    )  # fmt: skip
    for late in (0, 5, 60):  # the page drawn at once, or the report written slowly
        page = rescue_page(
            report, store_dir, run_id=night2, now=start + timedelta(seconds=1.5 + late)
        )
        assert page.since == start - timedelta(hours=24), late
        changes = {c.name: (c.before, c.now) for c in page.changes}
        assert changes["rescued"] == (7, 2) and changes["failed"] == (2, 0), late
        assert [bar.current for bar in page.chart] == [False, True], late
