"""Same archive, same result: one corpus rescued four ways ends in the same documents and store.

Issue 8: the outcome and the stored bytes of a resource must not depend on whether a
CDX prefix listing, a playback redirect or a resumed run found it, nor on faults met
on the way. The corpus is Stand News-shaped (tests/support/messy_corpus.py) plus
one article holding the classes of capture that used to depend on the path:

- an image whose URL moved, captured as a 301 to its new CDN path (the 301's index
  row says ``text/html``; the target is a JPEG);
- a deep article whose nearest capture redirects to the site's front page, while an
  older capture is the article, and one whose only capture does (a soft 404);
- an image captured with ``Content-Type: text/html`` (a misconfigured origin);
- and, through the proxy, a correctly captured image served as ``text/html``.

The four ways: listings on (the default), listings off (``[rescue] listings =
false``: every lookup is a playback), killed with SIGKILL halfway and run again,
and through the fault proxy (503, 429, resets, truncated and stalled bodies).
Each ends in byte-identical documents and store files, and a further run makes
no request at all.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.archive_content import Cap, html, jpeg_like, moved
from tests.support.cli import linkrescue, write_config
from tests.support.fault_proxy import FAULTS, fault_proxy
from tests.support.files import capture_bytes, store_files
from tests.support.messy_corpus import ASSETS, GOV, TS, WAYBACK, Corpus, standnews_corpus
from tests.support.pywb_server import Pywb, start_pywb

pytestmark = [
    pytest.mark.pywb,
    pytest.mark.skipif(sys.platform == "win32", reason="needs SIGKILL"),
]

ARTICLES = 12
SITE = "https://www.thestandnews.com"
OLD_IMAGE = f"{ASSETS}/cdn-old-path.jpg"  # in a directory a listing covers
NEW_IMAGE = "https://cdn.thestandnews.com/media/photos/2021/cdn-new-path.jpg"
MOVED_JPEG = jpeg_like(b"moved to the new CDN path")
DEEP = f"{SITE}/politics/deep-article/"
DEEP_BODY = html("深度報道", "<p>The article itself, captured before the site died.</p>")
SOFT_404 = f"{SITE}/politics/only-front-page/"
HOME_BODY = html("立場新聞 Stand News", "<p>The front page, not any article.</p>")
MISLABELLED = f"{ASSETS}/served-as-html.jpg"
MISLABELLED_JPEG = jpeg_like(b"a JPEG its origin called text/html")
#: A correctly captured image that the proxy serves as text/html on every request.
PROXY_MISLABELLED = "body-03.jpg"


def three_ways_corpus() -> Corpus:
    corpus = standnews_corpus(ARTICLES)
    corpus.files["politics/three-ways.md"] = (
        "---\n"
        'title: "三種方法"\n'
        'date: "2021-12-29T09:00:00"\n'
        'original_url: "thestandnews.com/politics/three-ways"\n'
        "---\n"
        f"![搬家的圖片]({WAYBACK}/{TS}im_/{OLD_IMAGE})\n\n"
        f"[深度報道]({WAYBACK}/{TS}/{DEEP})\n\n"
        f"[只剩首頁]({WAYBACK}/{TS}/{SOFT_404})\n\n"
        f'<img src="{WAYBACK}/2021im_/{MISLABELLED}">\n'
    ).encode()
    corpus.captures += [
        moved(OLD_IMAGE, "20211229090500", NEW_IMAGE, 301, b"<html>Moved</html>"),
        Cap(NEW_IMAGE, "20211229090501", MOVED_JPEG, "image/jpeg"),
        Cap(DEEP, "20211201000000", DEEP_BODY),
        moved(DEEP, "20211229095000", f"{SITE}/"),
        moved(SOFT_404, "20211229095000", f"{SITE}/"),
        Cap(f"{SITE}/", "20211229095001", HOME_BODY),
        Cap(MISLABELLED, "20211229090000", MISLABELLED_JPEG, "text/html"),
    ]
    return corpus


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Pywb, Corpus]]:
    corpus = three_ways_corpus()
    pywb = start_pywb(
        tmp_path_factory.mktemp("pywb-three-ways"),
        captures=corpus.captures,
        probe_url=GOV.removeprefix("https://"),
    )
    try:
        yield pywb, corpus
    finally:
        pywb.stop()


def prepare(run: Path, corpus: Corpus, archive_url: str, *, listings: bool = True) -> Path:
    run.mkdir(parents=True)
    corpus.write(run / "content")
    write_config(
        run,
        archive_url,
        archive={"read_timeout": 0.8, "retries": 4},
        rescue={"listings": listings},
    )
    return run


def documents(run: Path) -> dict[str, bytes]:
    content = run / "content"
    return {
        p.relative_to(content).as_posix(): p.read_bytes()
        for p in sorted(content.rglob("*.md"))
        if p.is_file()
    }


def rescue(run: Path, report_name: str = "report.json") -> dict[str, object]:
    done = linkrescue("rescue", "content", "--report", report_name, cwd=run)
    assert done.returncode == 0, done.stderr
    report: dict[str, object] = json.loads((run / report_name).read_text(encoding="utf-8"))
    return report


def outcomes(report: dict[str, object]) -> dict[str, str]:
    items = report["items"]
    assert isinstance(items, list)
    return {item["url"]: item["outcome"] for item in items}


@pytest.fixture(scope="module")
def plain(archive: tuple[Pywb, Corpus], tmp_path_factory: pytest.TempPathFactory) -> Path:
    pywb, corpus = archive
    run = prepare(tmp_path_factory.mktemp("plain") / "run", corpus, pywb.url)
    report = rescue(run)
    assert int(report["rescued"]) > 3 * ARTICLES  # type: ignore[call-overload]
    again = rescue(run, "again.json")  # what is left: the resources no capture stands for
    assert again["requests"] == {"cdx": 0, "playback": 0, "live": 0}
    return run


def stored(run: Path, url: str) -> tuple[str, bytes]:
    report = json.loads((run / "report.json").read_text(encoding="utf-8"))
    item = next(i for i in report["items"] if i["url"] == url)
    assert (run / "rescued" / item["local_path"]).is_file()
    return item["local_path"], capture_bytes(run / "rescued", item["sha256"])


def test_the_hard_captures_are_rescued_as_their_content(plain: Path) -> None:
    report = json.loads((plain / "report.json").read_text(encoding="utf-8"))
    items = {i["url"]: i for i in report["items"]}
    # The moved image: the 301's target, a JPEG, stored under an image name.
    path, data = stored(plain, OLD_IMAGE)
    assert data == MOVED_JPEG and path.endswith(".jpg"), path
    # The deep article: the older capture that is the article, never the front page.
    path, data = stored(plain, DEEP)
    assert data == DEEP_BODY, path
    assert items[SOFT_404]["outcome"] == "not-archived"
    assert "front page" in items[SOFT_404]["reason"]
    # The image its origin labelled text/html: stored as the JPEG it is.
    path, data = stored(plain, MISLABELLED)
    assert data == MISLABELLED_JPEG and path.endswith(".jpg"), path
    text = (plain / "content" / "politics" / "three-ways.md").read_text(encoding="utf-8")
    assert f"]({WAYBACK}" not in text.split("只剩首頁")[0]  # moved image and deep article rewritten
    assert ".jpg.html" not in text


def assert_same_as(
    run: Path, plain: Path, way: str, archive_as: tuple[str, str] | None = None
) -> None:
    assert documents(run) == documents(plain), way
    assert store_files(run / "rescued", archive_as) == store_files(plain / "rescued"), way
    first = json.loads((plain / "again.json").read_text(encoding="utf-8"))
    again = rescue(run, "again.json")  # and a further run has nothing left to ask
    assert outcomes(again) == outcomes(first), way
    assert again["requests"] == {"cdx": 0, "playback": 0, "live": 0}, way
    assert documents(run) == documents(plain), way


def test_listings_off_gives_the_same_documents_and_store(
    archive: tuple[Pywb, Corpus], plain: Path, tmp_path: Path
) -> None:
    pywb, corpus = archive
    run = prepare(tmp_path / "run", corpus, pywb.url, listings=False)
    report = rescue(run)
    listed = json.loads((plain / "report.json").read_text(encoding="utf-8"))
    # No prefix listing: only single-URL lookups after a capture that did not do.
    assert report["requests"]["cdx"] < listed["requests"]["cdx"]  # type: ignore[index]
    assert_same_as(run, plain, "listings off")


def test_a_run_killed_halfway_and_resumed_gives_the_same_documents_and_store(
    archive: tuple[Pywb, Corpus], plain: Path, tmp_path: Path
) -> None:
    pywb, corpus = archive
    run = prepare(tmp_path / "run", corpus, pywb.url)
    began = time.monotonic()
    full = linkrescue(
        "rescue", "content", "--no-rewrite", cwd=prepare(tmp_path / "t", corpus, pywb.url)
    )
    seconds = time.monotonic() - began
    assert full.returncode == 0, full.stderr
    process = subprocess.Popen(
        [sys.executable, "-m", "linkrescue", "rescue", "content"],
        cwd=run,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=dict(os.environ),
        start_new_session=True,
    )
    time.sleep(seconds / 2)
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL  # it really was interrupted
    rescue(run)
    assert_same_as(run, plain, "killed and resumed")


def test_faults_and_a_mislabelled_image_give_the_same_documents_and_store(
    archive: tuple[Pywb, Corpus], plain: Path, tmp_path: Path
) -> None:
    pywb, corpus = archive
    with fault_proxy(pywb.url, mislabel=[PROXY_MISLABELLED], stall_seconds=1.2) as proxy:
        run = prepare(tmp_path / "run", corpus, proxy.url)
        rescue(run)
        assert all(proxy.injected[fault] > 0 for fault in FAULTS), proxy.injected
        assert proxy.injected["mislabel"] > 0, proxy.injected
        assert_same_as(run, plain, "through the fault proxy", archive_as=(proxy.url, pywb.url))
