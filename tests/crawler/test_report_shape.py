"""The ``--report`` JSON is a contract for scripts and cron jobs: its keys, their order,
their types and the outcome strings, byte for byte (issue 9 made the report a typed
value; what a script reads must not change with it)."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

from rich.console import Console

from linkrescue.archive.model import Want
from linkrescue.archive.remote.transport import RequestCounts
from linkrescue.crawler.outcome import Outcome
from linkrescue.crawler.output.formats import Destination, Format
from linkrescue.crawler.output.registry import report_formatter
from linkrescue.crawler.report import build_report
from linkrescue.crawler.stages.corpus import Problem
from linkrescue.crawler.stages.rescue import RescueRun
from linkrescue.crawler.stages.tasks import Task

ASSETS = "https://assets.thestandnews.com/media/photos"
FT = "https://www.ft.com/content/4b6ba6e5-d85b-4c8a-8d6b-3b3f4a4ec3d6"

#: The report of the run below as ``rescue --report`` wrote it before the report was a
#: typed value (``seconds`` aside: it is the run's own time).
EXPECTED = """{
  "documents": 2,
  "references": 9,
  "resources": 4,
  "rescued": 1,
  "internal": 1,
  "already_local": 1,
  "not_archived": 1,
  "blocked": 0,
  "failed": 1,
  "skipped": 3,
  "rewritten": 1,
  "requests": {
    "cdx": 2,
    "playback": 5,
    "live": 1
  },
  "bytes": 48213,
  "seconds": SECONDS,
  "problems": [
    {
      "file": "content/china/broken.md",
      "reason": "frontmatter is not YAML: mapping values are not allowed here (line 3)"
    },
    {
      "file": "content/china/clubhouse.md",
      "reason": "changed while being rescued; not rewritten (run again)"
    }
  ],
  "items": [
    {
      "url": "http://news.example.org/live-page",
      "outcome": "skipped",
      "local_path": null,
      "timestamp": null,
      "sha256": null,
      "reason": "alive (200)",
      "references": [
        {
          "file": "content/china/clubhouse.md",
          "line": 12
        }
      ]
    },
    {
      "url": "https://assets.thestandnews.com/media/photos/template-15_fLjge_6pSMPpS.png",
      "outcome": "rescued",
      "local_path": "assets.thestandnews.com/media/photos/template-15_fLjge_6pSMPpS.png",
      "timestamp": "20211229095346",
      "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
      "reason": "",
      "references": [
        {
          "file": "content/china/clubhouse.md",
          "line": 5
        },
        {
          "file": "content/international/bbc.md",
          "line": 7
        }
      ]
    },
    {
      "url": "https://www.ft.com/content/4b6ba6e5-d85b-4c8a-8d6b-3b3f4a4ec3d6",
      "outcome": "not-archived",
      "local_path": null,
      "timestamp": null,
      "sha256": null,
      "reason": "the archive has no capture of it",
      "references": [
        {
          "file": "content/international/bbc.md",
          "line": 9
        }
      ]
    },
    {
      "url": "https://www.reuters.com/article/hongkong-security-idUSL1N2T80BN",
      "outcome": "failed",
      "local_path": null,
      "timestamp": null,
      "sha256": null,
      "reason": "gave up after 6 attempts: 503 from the archive",
      "references": [
        {
          "file": "content/china/clubhouse.md",
          "line": 14
        }
      ]
    }
  ],
  "left": 0,
  "stopped": null,
  "pages": null
}
"""


def _run() -> RescueRun:
    """A run of two Stand News articles: one image rescued, an FT article not archived,
    a Reuters page failed, a live page left alone, an unreadable file, a conflict."""
    run = RescueRun(documents=2, references=9, internal=1, already_local=1, skipped_refs=2)
    png = Task("k-png", f"{ASSETS}/template-15_fLjge_6pSMPpS.png", Want.IMAGE, None, None, False)
    png.outcome = Outcome.RESCUED
    png.local_path = "assets.thestandnews.com/media/photos/template-15_fLjge_6pSMPpS.png"
    png.capture_timestamp = "20211229095346"
    png.sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    ft = Task("k-ft", FT, Want.ANY, None, None, False)
    ft.outcome, ft.reason = Outcome.NOT_ARCHIVED, "the archive has no capture of it"
    reuters = Task(
        "k-reuters",
        "https://www.reuters.com/article/hongkong-security-idUSL1N2T80BN",
        Want.ANY,
        None,
        None,
        False,
    )
    reuters.outcome = Outcome.FAILED
    reuters.reason = "gave up after 6 attempts: 503 from the archive"
    live = Task("k-live", "http://news.example.org/live-page", Want.ANY, None, None, True)
    live.outcome, live.reason = Outcome.SKIPPED, "alive (200)"
    places = {
        "k-png": [("content/china/clubhouse.md", 5), ("content/international/bbc.md", 7)],
        "k-ft": [("content/international/bbc.md", 9)],
        "k-reuters": [("content/china/clubhouse.md", 14)],
        "k-live": [("content/china/clubhouse.md", 12)],
    }
    for task in (reuters, png, live, ft):
        run.tasks.put(task, places[task.key])
    run.problems.append(
        Problem(
            "content/china/broken.md",
            "frontmatter is not YAML: mapping values are not allowed here (line 3)",
        )
    )
    run.conflicts.append(
        Problem(
            "content/china/clubhouse.md", "changed while being rescued; not rewritten (run again)"
        )
    )
    run.rewritten.append("content/international/bbc.md")
    run.bytes = 48213
    return run


def test_the_report_file_keeps_its_keys_order_types_and_outcome_strings(tmp_path: Path) -> None:
    report = build_report(_run(), RequestCounts(cdx=2, playback=5), 1)
    path = tmp_path / "reports" / "rescue.json"
    report_formatter(Format.JSON, Destination(io.StringIO(), Console(), path=path)).write(report)
    text = path.read_text(encoding="utf-8")
    seconds = re.search(r'^  "seconds": (\d+(?:\.\d+)?),$', text, re.MULTILINE)
    assert seconds is not None, text
    assert isinstance(json.loads(text)["seconds"], float | int)
    assert text.replace(seconds.group(1), "SECONDS", 1) == EXPECTED
