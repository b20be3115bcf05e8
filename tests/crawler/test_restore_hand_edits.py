"""Restoring a document edited by hand after the rescue: what still reads as written
comes back, what does not is named, and a crash between file and index is sorted out.

The places are those a rescue records (linkrescue.crawler.stages.rewrite); the document is a
Stand-News-shaped article with two rewritten images on one line.
"""

from __future__ import annotations

from pathlib import Path

from linkrescue.archive.state.index import Index
from linkrescue.crawler.stages.corpus import Problem
from linkrescue.crawler.stages.rewrite import restore_documents

ORIGINAL = (
    "---\ntitle: 記者會\n---\n"
    "![](http://web.archive.org/web/2021im_/https://assets.thestandnews.com/media/photos/a.jpg) "
    "![](https://web.archive.org/web/20210207210000im_/https://assets.thestandnews.com/media/photos/b.jpg)\n"
    "完\n"
)
A = "../rescued/assets.thestandnews.com/media/photos/a.jpg"
B = "../rescued/assets.thestandnews.com/media/photos/b.jpg"
OLD_A = "http://web.archive.org/web/2021im_/https://assets.thestandnews.com/media/photos/a.jpg"
OLD_B = "https://web.archive.org/web/20210207210000im_/https://assets.thestandnews.com/media/photos/b.jpg"


def rescued(tmp_path: Path) -> tuple[Path, Index]:
    """The article as a rescue leaves it, and the index with its two places."""
    article = tmp_path / "content" / "a.md"
    article.parent.mkdir(parents=True)
    text = ORIGINAL.replace(OLD_A, A).replace(OLD_B, B)
    article.write_text(text, encoding="utf-8")
    (tmp_path / "rescued").mkdir()
    index = Index(tmp_path / "rescued" / "index.sqlite3")
    doc = index.document_key(article)
    line = text.split("\n")[3]
    index.add_reference("a", doc, line=4, column=line.index(A) + 1, original=OLD_A, replacement=A)
    index.add_reference("b", doc, line=4, column=line.index(B) + 1, original=OLD_B, replacement=B)
    return article, index


def test_a_hand_edit_before_the_links_on_their_line_does_not_stop_the_restore(
    tmp_path: Path,
) -> None:
    article, index = rescued(tmp_path)
    article.write_text(
        article.read_text(encoding="utf-8").replace("![](", "![照片](", 1), encoding="utf-8"
    )
    problems: list[Problem] = []
    done = restore_documents([str(article)], index, on_problem=problems.append)
    assert problems == []
    assert [(d.path, d.edits) for d in done] == [(str(article), 2)]
    assert article.read_text(encoding="utf-8") == ORIGINAL.replace("![](", "![照片](", 1)
    assert index.references_of(index.document_key(article)) == []


def test_an_edited_link_is_named_and_kept_the_other_restored_and_a_rerun_finishes(
    tmp_path: Path,
) -> None:
    article, index = rescued(tmp_path)
    article.write_text(
        article.read_text(encoding="utf-8").replace(A, A.replace("a.jpg", "a-2.jpg")),
        encoding="utf-8",
    )
    problems: list[Problem] = []
    done = restore_documents([str(article)], index, on_problem=problems.append)
    assert [p.path for p in problems] == [f"{article}:4"]
    assert "edited by hand" in problems[0].reason
    assert [d.edits for d in done] == [1]
    text = article.read_text(encoding="utf-8")
    assert "a-2.jpg" in text and B not in text
    [kept] = index.references_of(index.document_key(article))
    assert kept.key == "a"

    # The user puts the link back: the next restore finishes the document.
    article.write_text(text.replace(A.replace("a.jpg", "a-2.jpg"), A), encoding="utf-8")
    problems.clear()
    done = restore_documents([str(article)], index, on_problem=problems.append)
    assert problems == [] and [d.edits for d in done] == [1]
    assert article.read_text(encoding="utf-8") == ORIGINAL

    # A restore killed after writing the file, before the index forgot its places:
    # the next restore finds the originals there, changes nothing and forgets them.
    doc = index.document_key(article)
    index.add_reference("a", doc, line=4, column=5, original=OLD_A, replacement=A)
    column_b = 5 + len(A) + len(") ![](")
    index.add_reference("b", doc, line=4, column=column_b, original=OLD_B, replacement=B)
    assert restore_documents([str(article)], index, on_problem=problems.append) == []
    assert problems == [] and index.references_of(doc) == []
    assert article.read_text(encoding="utf-8") == ORIGINAL
    index.close()
