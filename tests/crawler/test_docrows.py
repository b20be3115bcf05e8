"""The compact rows a rescue keeps per reference (crawler.stages.docrows, keys from resolve).

They cross the scan's process pool and the index as pickles, and the strings a task
keeps from them live for the whole run (issue 12, item 9): a resource whose key is its
URL must arrive as one string, not two equal ones.
"""

from __future__ import annotations

import pickle
from pathlib import Path

from linkrescue.crawler.config import Config
from linkrescue.crawler.stages.docrows import RESOURCE, URL, rows_of
from linkrescue.crawler.stages.scan import scan


def _rows(tmp_path: Path, text: str) -> list[tuple[object, ...]]:
    doc = tmp_path / "a.md"
    doc.write_text(text, encoding="utf-8")
    (result,) = scan([doc], Config().for_scan(), as_json=False, on_problem=print)
    rows = rows_of(result.records, None)
    sent: list[tuple[object, ...]] = pickle.loads(pickle.dumps(rows))
    return sent


def test_a_resource_keyed_by_its_url_crosses_the_pool_as_one_string(tmp_path: Path) -> None:
    (row,) = _rows(
        tmp_path,
        "![](https://web.archive.org/web/2021im_/https://assets.example.com/a.png)\n",
    )
    assert row[URL] == "https://assets.example.com/a.png"
    assert row[RESOURCE] is row[URL]


def test_a_key_other_than_the_url_is_kept_as_written(tmp_path: Path) -> None:
    (row,) = _rows(tmp_path, "[x](HTTPS://Example.COM/Path?b=1#frag)\n")
    assert row[URL] is not None and row[RESOURCE] is not None
    assert row[RESOURCE] != row[URL]
    assert row[RESOURCE] is not row[URL]
