"""Applying edits: checked against the text, in one pass, never overlapping."""

from __future__ import annotations

import pytest

from linkrescue.rewriters import Edit, EditConflictError, apply_edits, edit_for, read_document

TEXT = (
    '---\nimage: "http://web.archive.org/web/2021im_/https://a.hk/i.png"\n---\n'
    '[]()[路透社](http://reuters.com/x) ![](img.png) <img src="">\n'
)


def test_replace_every_reference_including_empty_ones() -> None:
    doc = read_document(TEXT, resource_keys=("image",))
    edits = [edit_for(r, f"<{i}>") for i, r in enumerate(doc.references)]
    assert apply_edits(TEXT, reversed(edits)) == (
        '---\nimage: "<0>"\n---\n[](<1>)[路透社](<2>) ![](<3>) <img src="<4>">\n'
    )


def test_edit_for_expects_the_reference_text() -> None:
    [ref] = read_document("[a](b)", resource_keys=()).references
    assert edit_for(ref, "c") == Edit(4, 5, "b", "c")


def test_no_edits_returns_the_text() -> None:
    assert apply_edits(TEXT, []) == TEXT


def test_adjacent_edits_and_insertion_before_a_replacement() -> None:
    assert apply_edits(
        "abcd", [Edit(1, 2, "b", "B"), Edit(2, 3, "c", "C"), Edit(1, 1, "", "^")]
    ) == ("a^BCd")


@pytest.mark.parametrize(
    ("edits", "message"),
    [
        ([Edit(0, 2, "xx", "y")], "edit 0-2 expects 'xx', the text reads 'ab'"),
        ([Edit(0, 2, "ab", "y"), Edit(1, 3, "bc", "z")], "edits 0-2 and 1-3 overlap"),
        ([Edit(1, 1, "", "y"), Edit(1, 1, "", "z")], "edits 1-1 and 1-1 overlap"),
        ([Edit(0, 2, "ab", "y"), Edit(0, 2, "ab", "y")], "edits 0-2 and 0-2 overlap"),
        ([Edit(3, 9, "d", "y")], "edit 3-9 is outside the text (length 4)"),
        ([Edit(2, 1, "", "y")], "edit 2-1 is outside the text (length 4)"),
    ],
)
def test_conflicts_raise_and_apply_nothing(edits: list[Edit], message: str) -> None:
    with pytest.raises(EditConflictError) as caught:
        apply_edits("abcd", edits)
    assert str(caught.value) == message
