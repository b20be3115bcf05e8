"""Injected faults end in the same final store as a clean run.

Every resource of the test WARC is rescued twice into two stores: once straight
from pywb, once through a proxy of our own that breaks the first answer for every
path in turn (503, 429 without Retry-After, a connection dropped mid-body, a body
shorter than its Content-Length, a stalled body) and forwards the retry faithfully.
The two stores must hold the same files with the same bytes, every captured
resource byte-identical to its capture, every uncaptured one ``not-archived``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from linkrescue.archive.model import Outcome, Want
from linkrescue.archive.remote.wayback import ArchiveClient
from linkrescue.archive.settings import ArchiveSettings
from linkrescue.archive.store.store import Store
from tests.support.archive_content import ASSETS, CAPTURES, NEWS, PREFIX_IMAGES
from tests.support.fault_proxy import FAULTS, FaultProxy, fault_proxy
from tests.support.pywb_server import Pywb

#: Resources that pywb answers with the capture's bytes (the last capture of each URL
#: with status 200 and, for images, an image type), with the want that asks for them.
RESCUABLE = {
    f"{ASSETS}/cat.png": Want.IMAGE,
    f"{ASSETS}/dog.jpg": Want.IMAGE,
    "https://www.example-news.com/news_新聞/圖片.jpg": Want.IMAGE,
    f"{NEWS}/article/1": Want.PAGE,
    f"{NEWS}/article/2": Want.PAGE,
    f"{NEWS}/static/site.css": Want.ANY,
    f"{NEWS}/compressed": Want.PAGE,
    f"{ASSETS}/logo.png": Want.IMAGE,
    **dict.fromkeys(sorted(PREFIX_IMAGES)[:6], Want.IMAGE),
}
UNCAPTURED = [f"{NEWS}/never-captured", f"{ASSETS}/never.png"]


@pytest.fixture
def proxy(pywb: Pywb) -> Iterator[FaultProxy]:
    with fault_proxy(pywb.url) as server:
        yield server


def _rescue_all(settings: ArchiveSettings, root: Path) -> dict[str, Outcome]:
    outcomes: dict[str, Outcome] = {}
    with (
        ArchiveClient(settings, backoff_base=0.01, backoff_max=0.05) as client,
        Store(root) as store,
    ):
        for url, want in [*RESCUABLE.items(), *((u, Want.ANY) for u in UNCAPTURED)]:
            with store.staging() as sink:
                result = client.rescue(url, want=want, sink=sink)
                if result.outcome is Outcome.RESCUED and result.capture is not None:
                    store.put(sink, result.capture, key=url)
            outcomes[url] = result.outcome
    return outcomes


def _files(root: Path) -> dict[str, str]:
    skip = (".objects", ".staging")
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
        and not p.name.startswith("index.sqlite3")
        and p.relative_to(root).parts[0] not in skip
    }


def test_injected_faults_end_in_the_same_store_as_a_clean_run(
    pywb: Pywb, proxy: FaultProxy, pywb_settings: ArchiveSettings, tmp_path: Path
) -> None:
    clean = _rescue_all(pywb_settings, tmp_path / "clean")
    faulty_settings = replace(
        pywb_settings, url=f"http://{proxy.netloc}", read_timeout=0.5, pause_seconds=0.2
    )
    faulty = _rescue_all(faulty_settings, tmp_path / "faulty")

    assert all(proxy.injected[fault] > 0 for fault in FAULTS), proxy.injected
    assert clean == faulty
    assert {u for u, o in clean.items() if o is Outcome.RESCUED} == set(RESCUABLE)
    assert {u for u, o in clean.items() if o is Outcome.NOT_ARCHIVED} == set(UNCAPTURED)
    assert _files(tmp_path / "clean") == _files(tmp_path / "faulty")

    # Every rescued file is byte-identical to the capture it came from.
    latest = {}
    for cap in CAPTURES:
        if cap.status == 200:
            latest[cap.url] = cap.body  # CAPTURES lists a URL's captures oldest first
    with Store(tmp_path / "faulty") as store:
        for url in RESCUABLE:
            indexed = store.index.lookup(url)
            assert indexed is not None and indexed.path is not None
            assert (store.root / indexed.path).read_bytes() == latest[url], url
        assert store.verify() == []
