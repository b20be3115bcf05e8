"""`linkrescue check` online: dead only on a definitive answer, never because the network
had a bad minute.

Archive references are checked against a real pywb built from a WARC: a page it holds,
a page it never archived, a page captured only as a 404. Live links go to the tests'
own fault server: 404 and 410 are dead; a 503 that recovers is asked once more and
passes; a 503 that stays, a Cloudflare challenge (403 with ``cf-mitigated``) and
LinkedIn's 999 are ``unknown``. An archive that is not there at all leaves every
archive reference ``unknown``, and the run exits 0.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from linkrescue.archive import StoreUse, open_store
from tests.support.archive_content import Cap, html, jpeg_like, moved
from tests.support.cli import linkrescue, write_config
from tests.support.fault_server import FaultServer, Reply
from tests.support.pywb_server import Pywb, free_port, start_pywb

pytestmark = pytest.mark.pywb

KEPT = "https://www.thestandnews.com/politics/民主派初選/"
NEVER = "https://www.thestandnews.com/politics/never-archived/"
ERROR_ONLY = "https://www.thestandnews.com/society/gone/"
FRONT = "https://www.thestandnews.com/"
IMAGES = "https://assets.thestandnews.com/media"
# An image URL captured only as the site's HTML error page, served 200.
HTML_ONLY = f"{IMAGES}/html-only.jpg"
# An image the site served labelled text/html: the index says HTML, the bytes are a JPEG.
MISLABELLED = f"{IMAGES}/mislabelled.jpg"
# An article captured only as the dead site's redirect to its front page: a soft 404.
TO_FRONT = "https://www.thestandnews.com/politics/to-front/"
# An article captured only as a redirect to its new address, which is captured.
MOVED = "https://www.thestandnews.com/politics/moved/"
MOVED_TO = "https://www.thestandnews.com/politics/moved-here/"


def article(live: str) -> str:
    return (
        "---\n"
        'title: "民主派初選"\n'
        'date: "2021-01-06T08:00:00"\n'
        'original_url: "thestandnews.com/politics/democrats"\n'
        "---\n"
        f"[保存](http://web.archive.org/web/20210106090000/{KEPT})\n"
        "\n"
        f"[未存檔](http://web.archive.org/web/2021/{NEVER})\n"
        "\n"
        f"[錯誤](http://web.archive.org/web/2021/{ERROR_ONLY})\n"
        "\n"
        f"[已刪除]({live}/deleted) [移除]({live}/removed) [好]({live}/fine)\n"
        f"[慢]({live}/flaky) [壞]({live}/down) [牆]({live}/challenge) [in]({live}/linkedin)\n"
    )


@pytest.fixture(scope="module")
def pywb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pywb]:
    server = start_pywb(
        tmp_path_factory.mktemp("pywb-check-online"),
        captures=[
            Cap(KEPT, "20210106090000", html("民主派初選", "<p>初選</p>")),
            Cap(ERROR_ONLY, "20211229000000", html("404", "<p>Not found</p>"), status=404),
            Cap(HTML_ONLY, "20210106090000", html("Not found", "<p>No such image</p>")),
            Cap(MISLABELLED, "20210106090000", jpeg_like(b"kept"), "text/html"),
            moved(TO_FRONT, "20210106090000", FRONT),
            Cap(FRONT, "20210106090001", html("立場新聞", "<p>Front page</p>")),
            moved(MOVED, "20210106090000", MOVED_TO, status=301),
            Cap(MOVED_TO, "20210106090001", html("Moved here", "<p>The article</p>")),
        ],
        probe_url=ERROR_ONLY.removeprefix("https://"),
    )
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def web() -> Iterator[FaultServer]:
    server = FaultServer().start()
    server.script("/deleted", Reply(404))
    server.script("/removed", Reply(410))
    server.script("/fine", Reply(200, b"ok"))
    server.script("/flaky", Reply(503), Reply(200, b"ok"))
    server.script("/down", Reply(503))
    server.script("/challenge", Reply(403, b"Just a moment...", (("cf-mitigated", "challenge"),)))
    server.script("/linkedin", Reply(999))
    try:
        yield server
    finally:
        server.stop()


def project(tmp_path: Path, archive_url: str, live: str) -> Path:
    (tmp_path / "content").mkdir()
    (tmp_path / "content/democrats.md").write_text(article(live), encoding="utf-8")
    write_config(tmp_path, archive_url, rescue={"live_links": "dead"})
    return tmp_path


def run(cwd: Path) -> tuple[int, dict[str, dict[str, Any]]]:
    done = linkrescue("check", "content", "--format", "json", cwd=cwd)
    assert done.returncode in (0, 1), done.stderr
    found = {unquote(f["url"].rstrip("/").rsplit("/", 1)[-1]): f for f in json.loads(done.stdout)}
    return done.returncode, found


def test_dead_only_on_a_definitive_answer(tmp_path: Path, pywb: Pywb, web: FaultServer) -> None:
    code, found = run(project(tmp_path, pywb.url, web.url))
    assert code == 1
    status = {name: (f["kind"], f["status"]) for name, f in found.items()}
    assert status == {
        "民主派初選": ("unrescued", "unrescued"),  # archived: a rescue can make it local
        "never-archived": ("not-archived", "dead"),
        "gone": ("not-archived", "dead"),  # captured only as a 404
        "deleted": ("dead-link", "dead"),
        "removed": ("dead-link", "dead"),
        "down": ("unreachable", "unknown"),
        "challenge": ("unreachable", "unknown"),
        "linkedin": ("unreachable", "unknown"),
    }, found
    assert found["never-archived"]["line"] == 8 and found["deleted"]["line"] == 12
    # The flaky page was asked again after the others, and passed; "down" was asked twice.
    assert len([h for h in web.hits("/flaky") if h.path == "/flaky"]) == 2
    assert len(web.hits("/down")) == 2
    assert len(web.hits("/fine")) == 1


@pytest.mark.parametrize("confirm", [True, False])
def test_a_capture_the_index_cannot_vouch_for_is_played_back_as_rescue_would(
    tmp_path: Path, pywb: Pywb, confirm: bool
) -> None:
    """The index says "HTML, 200" of an error page and of a mislabelled image alike,
    and "302" of a redirect to the front page and of a real move alike: only playing
    the capture back tells. The 24 links every checker got wrong in the peers
    benchmark were of these kinds; with ``confirm = false`` they are alive again."""
    (tmp_path / "content").mkdir()
    (tmp_path / "content/doubt.md").write_text(
        "---\ntitle: doubt\ndate: 2021-01-06\n---\n"
        f"![a](http://web.archive.org/web/2021/{HTML_ONLY})\n\n"
        f"![b](http://web.archive.org/web/2021/{MISLABELLED})\n\n"
        f"[c](http://web.archive.org/web/2021/{TO_FRONT})\n\n"
        f"[d](http://web.archive.org/web/2021/{MOVED})\n\n"
        f"[e](http://web.archive.org/web/20210106090000/{KEPT})\n",
        encoding="utf-8",
    )
    write_config(tmp_path, pywb.url)
    with (tmp_path / "config.toml").open("a", encoding="utf-8") as config:
        config.write(f"[check]\nconfirm = {str(confirm).lower()}\n")
    done = linkrescue("check", "content", "--format", "json", cwd=tmp_path)
    assert done.returncode == (1 if confirm else 0), done.stderr
    found = {f["line"]: (f["kind"], f["status"]) for f in json.loads(done.stdout)}
    archived = ("unrescued", "unrescued")
    if confirm:
        dead = ("not-archived", "dead")
        assert found == {5: dead, 7: archived, 9: dead, 11: archived, 13: archived}, found
    else:
        assert found == dict.fromkeys((5, 7, 9, 11, 13), archived), found


def test_an_unreachable_archive_is_unknown_and_never_fails_the_run(
    tmp_path: Path, web: FaultServer
) -> None:
    closed = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    for path in ("/deleted", "/removed"):
        web.script(path, Reply(200, b"ok"))  # the live web is fine this time
    code, found = run(project(tmp_path, closed, web.url))
    assert code == 0, found
    for name in ("民主派初選", "never-archived", "gone"):
        assert (found[name]["kind"], found[name]["status"]) == ("unreachable", "unknown")
        assert found[name]["severity"] == "note"
    assert "deleted" not in found


def test_definitive_answers_are_kept_in_the_store_and_unknown_ones_asked_again(
    tmp_path: Path, pywb: Pywb, web: FaultServer
) -> None:
    root = project(tmp_path, pywb.url, web.url)
    with open_store(root / "rescued", StoreUse.RUN):
        pass  # a store, as a rescued corpus has; check itself never creates one
    first_code, first = run(root)
    asked = {path: len(web.hits(path)) for path in ("/deleted", "/fine", "/down")}
    second_code, second = run(root)
    assert (first_code, second_code) == (1, 1)
    assert {k: (f["kind"], f["line"]) for k, f in second.items()} == {
        k: (f["kind"], f["line"]) for k, f in first.items()
    }
    assert len(web.hits("/deleted")) == asked["/deleted"]  # dead: kept, not asked again
    assert len(web.hits("/fine")) == asked["/fine"]  # fine: kept too
    assert len(web.hits("/down")) == asked["/down"] + 2  # unknown: never kept
    assert "as of" in second["deleted"]["reason"]
    # An answer older than [check] max_age_hours (0: every answer) is asked again.
    config = root / "config.toml"
    config.write_text(
        config.read_text(encoding="utf-8") + "\n[check]\nmax_age_hours = 0.0\n", encoding="utf-8"
    )
    run(root)
    assert len(web.hits("/fine")) == asked["/fine"] + 1


def test_a_host_that_never_answers_is_not_asked_for_every_link(tmp_path: Path) -> None:
    """A dead site linked from every page (a closed outlet's own domain behind a
    firewall) costs a few failed connections, not one per link."""
    accepted = []
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    port = server.getsockname()[1]

    def reset_all() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            accepted.append(1)
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()  # a reset, no HTTP answer

    threading.Thread(target=reset_all, daemon=True).start()
    try:
        (tmp_path / "content").mkdir()
        links = "\n\n".join(f"[第{i}篇](http://127.0.0.1:{port}/article/{i})" for i in range(30))
        (tmp_path / "content/links.md").write_text(f"---\ntitle: x\n---\n{links}\n", "utf-8")
        code, found = run(tmp_path)
    finally:
        server.close()
    assert code == 0
    assert len(found) == 30 and {f["status"] for f in found.values()} == {"unknown"}
    assert len(accepted) <= 5 + 2 * 2  # GIVE_UP, and what was in flight (HEAD and GET)
