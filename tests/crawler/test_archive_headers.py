"""``[archive] headers`` reach a private archive with every request, and never the screen.

A national library's pywb behind a token is the case: without the header every lookup
is a 401, and a token printed in a cron mail is a leak.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cli import linkrescue
from tests.support.fault_server import FaultServer

TOKEN = "Bearer 7f3c-national-library"
ARTICLE = (
    "---\n"
    'original_url: "thestandnews.com/china/clubhouse-聊天平台爆紅"\n'
    "---\n"
    "![](http://web.archive.org/web/2021im_/https://assets.thestandnews.com/media/photos/x.png)\n"
)


@pytest.fixture
def archive() -> Iterator[FaultServer]:
    server = FaultServer().start()
    try:
        yield server
    finally:
        server.stop()


def test_every_request_to_the_archive_carries_the_configured_headers(
    tmp_path: Path, archive: FaultServer
) -> None:
    (tmp_path / "content").mkdir()
    (tmp_path / "content/a.md").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "linkrescue.toml").write_text(
        f'[archive]\nurl = "{archive.url}"\nretries = 0\npause_seconds = 0.1\n'
        f'headers = {{ Authorization = "{TOKEN}", X-Collection = "hk-news" }}\n',
        encoding="utf-8",
    )
    done = linkrescue("rescue", "content", cwd=tmp_path)
    hits = archive.archive.hits
    assert hits, done.stderr  # the start-up probe at least
    for hit in hits:
        assert hit.headers.get("authorization") == TOKEN, hit
        assert hit.headers.get("x-collection") == "hk-news", hit
    assert TOKEN not in done.stdout + done.stderr
