"""GFM tables: a link in a cell past the header's count is not rendered, so not reported.

The shapes come from GitHub-style design documents (a stray ``|`` in a cell's text
makes a third cell in a two-column table); each is compared with markdown-it-py's GFM
table rule, the independent parser of the differential test.
"""

from __future__ import annotations

import pytest

from linkrescue.rewriters import read_document
from tests.support.commonmark import compare

U = "https://web.archive.org/web/20211229013202/https://www.thestandnews.com/politics/"
SHAPES = {
    "a third cell": f"| link | note |\n|---|:--|\n| [a]({U}a) | [b]({U}b) | [c]({U}c) |\n",
    "an escaped pipe is text": f"| link | note |\n|---|---|\n| x \\| [d]({U}d) | [e]({U}e) |\n",
    "in a quote": f"> | link | note |\n> |---|---|\n> | [a]({U}a) | b | [c]({U}c) |\n",
    "in a list item": f"- | link | note |\n  |---|---|\n  | [a]({U}a) | b | [c]({U}c) |\n",
    "header and delimiter disagree: no table": f"| a |\n|---|---|\n| [a]({U}a) | b | [c]({U}c) |\n",
    "a lazy header is a quote's text": f"> [q]({U}q)\n| a | b |\n|---|---|\n| x | y | [c]({U}c) |\n",
    "a quote in a list item": f"-   x\n\n    > | a | b |\n    > |---|---|\n    > | x | y | [c]({U}c) |\n",
    # GFM runs a table on over the lines below it (GitHub renders them as rows).
    "a definition under a table is a row": f"| a | b |\n|---|---|\n| x | y |\n[1]: {U}1\n\n[t][1]\n",
    "a backtick pairs within its row": f"| a | b |\n|---|---|\nx `open [d]({U}d)\n| ` [e]({U}e) ` |\n",
    "a row without a pipe": f"| a | b |\n|---|---|\nplain [f]({U}f) text\n",
    "a list item's table ends with the item": f"- | a | b |\n  |---|---|\n  | x | y |\n[1]: {U}1\n\n[t][1]\n",
    "a table in a quote in a list item": f"- > | a | b |\n  > |---|---|\n  > x `[g]({U}g)\n  > | ` [h]({U}h) |\n",
    "2) under text is no table": f"[a]({U}a)\n2) > | a | b |\n   > |---|---|\n   > x `[g]({U}g)\n   > | ` [h]({U}h) |\n",
}


@pytest.mark.parametrize("text", SHAPES.values(), ids=SHAPES.keys())
def test_cells_past_the_header_count_agree_with_gfm(text: str) -> None:
    problems = compare(text).disagreements(frozenset({"md-link", "md-image", "autolink"}))
    assert not problems, "\n".join(problems)


def test_a_link_in_a_dropped_cell_is_not_reported() -> None:
    found = [r.raw for r in read_document(SHAPES["a third cell"], resource_keys=()).references]
    assert found == [f"{U}a", f"{U}b"]


def test_a_definition_written_under_a_table_defines_nothing() -> None:
    """GitHub shows ``[1]: url`` right under a table as a row's text (its URL a bare
    link): ``[t][1]`` names no definition, so ``check`` flags it."""
    text = SHAPES["a definition under a table is a row"]
    refs = read_document(text, resource_keys=()).references
    assert [(r.kind.value, r.line) for r in refs] == [("autolink", 4), ("md-refuse", 6)]
    assert refs[1].definition is None
