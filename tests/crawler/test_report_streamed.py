"""The report file is written in chunks, never whole in memory, and says the same bytes.

A 50,000-article run's report (113,000 resources) was built as one dict of dicts and one
string before being written: the run's peak memory at its very end (issue 12, item 9).
"""

from __future__ import annotations

import json

from linkrescue.crawler.outcome import Outcome
from linkrescue.crawler.output.jsonfile import report_json
from linkrescue.crawler.report import Item, Place, ReportProblem, Requests, RescueReport

PHOTO = "https://assets.thestandnews.com/media/photos/clubhouse-room.png"


def _report(items: tuple[Item, ...]) -> RescueReport:
    return RescueReport(
        documents=2,
        references=7,
        resources=len(items),
        rescued=1,
        internal=1,
        already_local=0,
        not_archived=1,
        blocked=0,
        failed=0,
        skipped=0,
        rewritten=1,
        requests=Requests(cdx=2, playback=3, live=0),
        bytes=1234,
        seconds=1.5,
        problems=(ReportProblem("content/壞.md", "front matter: not YAML"),),
        items=items,
    )


def test_the_streamed_report_is_the_report_json_dumps_wrote() -> None:
    many = tuple(
        Item(
            url=f"{PHOTO}?v={i}",
            outcome=Outcome.RESCUED if i % 2 else Outcome.NOT_ARCHIVED,
            local_path=f"assets.thestandnews.com/media/photos/clubhouse-room-{i}.png",
            timestamp="20210207210000",
            sha256="ab" * 32,
            reason="立場新聞" if i % 3 else "",
            references=(Place("content/international/clubhouse-room.md", i + 1),),
        )
        for i in range(3000)  # well over one 64 KiB chunk
    )
    for items in ((), many):
        report = _report(items)
        chunks = list(report_json(report))
        expected = json.dumps(report.as_json(), ensure_ascii=False, indent=2) + "\n"
        assert b"".join(chunks) == expected.encode("utf-8")
    assert len(list(report_json(_report(many)))) > 5
