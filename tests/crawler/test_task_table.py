"""The run's table of resources (crawler/stages/tasks.py): what a rescue keeps of each
resource from the reading to the report, in columns instead of objects (issue 12,
item 9). What the stages read back must be what they put in."""

from __future__ import annotations

from linkrescue.archive.model import Want
from linkrescue.crawler.outcome import Outcome
from linkrescue.crawler.stages.tasks import Task, TaskTable

PNG = "https://assets.thestandnews.com/media/photos/a.png"
FT = "https://www.ft.com/content/abc"


def _table() -> TaskTable:
    table = TaskTable()
    one, two = table.document("content/one.md"), table.document("content/two.md")
    assert table.document("content/one.md") == one  # one number per document
    table.add("k-ft", FT, Want.ANY, None, None, live=True, doc=one, line=3)
    table.add("k-png", PNG, Want.ANY, "2021", None, live=True, doc=one, line=5)
    table.add("k-png", PNG, Want.IMAGE, "20211229", "20211230000000", live=False, doc=two, line=9)
    table.add("k-png", PNG, Want.ANY, "2020", "20190101000000", live=True, doc=one, line=70000)
    return table


def test_references_to_one_resource_merge_into_its_most_demanding_row() -> None:
    table = _table()
    assert len(table) == 2 and "k-png" in table and "k-other" not in table
    row = table.row("k-png")
    assert row is not None
    task = table.task(row)
    # an image if any reference shows it as one; the most precise timestamp written;
    # archived if any reference is an archive URL; the first document date known
    assert (task.key, task.url, task.want) == ("k-png", PNG, Want.IMAGE)
    assert (task.timestamp, task.near, task.live) == ("20211229", "20211230000000", False)
    assert table.places(row) == [
        ("content/one.md", 5),
        ("content/two.md", 9),
        ("content/one.md", 70000),
    ]
    ft = table.task(table.row("k-ft") or 0)
    assert (ft.want, ft.timestamp, ft.live, ft.outcome, ft.reason) == (
        Want.ANY,
        None,
        True,
        None,
        "",
    )


def test_what_a_working_copy_settles_to_is_read_back_after_it_is_gone() -> None:
    table = _table()
    png = table.task(table.row("k-png") or 0)
    png.outcome, png.reason = Outcome.RESCUED, "capture 20211229095346 of " + PNG
    png.local_path = "assets.thestandnews.com/media/photos/a.png"
    png.capture_timestamp, png.sha256 = "20211229095346", "9f86d081" * 8
    table.record(png)
    ft = table.task(table.row("k-ft") or 0)
    ft.outcome, ft.reason, ft.declared_dead = Outcome.NOT_ARCHIVED, "not in the index", True
    table.record(ft)
    ft.outcome, ft.reason = Outcome.FAILED, "503 from the archive"
    table.record(ft)  # settled again (a repair): the last answer stands
    del png, ft

    again = table.task(table.row("k-png") or 0)
    assert again.outcome is Outcome.RESCUED and again.reason.endswith(PNG)
    assert (again.capture_timestamp, again.sha256) == ("20211229095346", "9f86d081" * 8)
    ft = table.task(table.row("k-ft") or 0)
    assert (ft.outcome, ft.reason, ft.declared_dead) == (
        Outcome.FAILED,
        "503 from the archive",
        True,
    )
    assert table.count(Outcome.FAILED) == table.count(Outcome.RESCUED) == 1
    assert table.count(None) == table.count(Outcome.NOT_ARCHIVED) == 0
    paths = table.local_paths()
    assert dict(paths) == {"k-png": "assets.thestandnews.com/media/photos/a.png"}
    assert paths.get("k-ft") is None and paths.get("k-none") is None
    assert [table.url(row) for row in table.by_url()] == [PNG, FT]  # the report's order


def test_a_resource_no_document_gave_joins_with_its_places_and_answer() -> None:
    table = _table()
    repaired = Task("k-file", "https://example.org/x.jpg", Want.ANY, None, None, live=False)
    repaired.outcome, repaired.reason = Outcome.RESCUED, "fetched again"
    repaired.local_path = "example.org/x.jpg"
    table.put(repaired, [("content/two.md", 4)])
    row = table.row("k-file")
    assert row is not None and table.places(row) == [("content/two.md", 4)]
    assert (
        table.task(row).reason == "fetched again" and table.local_path(row) == "example.org/x.jpg"
    )
    alone = table.put(
        Task("k-alone", "https://example.org/y.jpg", Want.ANY, None, None, live=False)
    )
    assert table.places(alone.id) == [] and table.places(table.row("k-ft") or 0) == [
        ("content/one.md", 3)
    ]
    assert [t.key for t in table.view([alone.id, 0])] == ["k-alone", "k-ft"]
