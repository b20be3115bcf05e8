"""The corpus held compactly (:mod:`linkrescue.crawler.stages.corpusindex`) answers as the
list of tuples and the dict of identities it replaced did."""

from __future__ import annotations

import pickle
import threading

from hypothesis import given
from hypothesis import strategies as st

from linkrescue.crawler.stages.corpusindex import CorpusItems, IdentityIndex

PATHS = ["content/a.md", "content/圖片/新聞.md", "content/c.md", "content/d.md"]


@given(
    st.lists(
        st.tuples(st.text(min_size=1, max_size=20), st.none() | st.text(max_size=40)),
        max_size=30,
    )
)
def test_items_read_back_as_the_tuples_appended(items: list[tuple[str, str | None]]) -> None:
    held = CorpusItems(items)
    assert list(held) == items
    assert [held[i] for i in range(len(items))] == items
    assert len(held) == len(items)
    if items:
        assert held[-1] == items[-1]
        assert list(held[1:]) == items[1:]


def test_a_link_finds_its_document_and_a_stranger_finds_none() -> None:
    index, lost = IdentityIndex.build(
        PATHS, [("hk.example/news/a", 0), ("hk.example/新聞", 1), ("hk.example/c", 2)]
    )
    assert lost == []
    assert index.get("hk.example/news/a") == "content/a.md"
    assert index["hk.example/新聞"] == "content/圖片/新聞.md"
    assert index.get("hk.example/news/b") is None
    assert "hk.example/c" in index and "hk.example/news" not in index
    assert len(index) == 3 and bool(index)
    assert not IdentityIndex.build(PATHS, [])[0]  # empty: the scan skips its lookups


def test_the_first_document_of_an_identity_wins_and_the_others_are_named() -> None:
    """As the dict's ``setdefault`` did: in the order given (walk order, then aliases)."""
    index, lost = IdentityIndex.build(
        PATHS, [("x/a", 2), ("x/b", 1), ("x/a", 0), ("x/a", 3), ("x/b", 3)]
    )
    assert index.get("x/a") == "content/c.md"
    assert index.get("x/b") == "content/圖片/新聞.md"
    assert lost == [(2, 0, 2), (3, 3, 2), (4, 3, 1)]


def test_the_index_travels_to_the_scan_workers_whole() -> None:
    index, _ = IdentityIndex.build(PATHS, [("x/a", 3), ("x/新", 1)])
    again = pickle.loads(pickle.dumps(index))
    assert again.get("x/a") == "content/d.md" and again.get("x/新") == "content/圖片/新聞.md"
    assert again.get("x/b") is None


def test_the_worker_pools_settings_compare_with_an_index_in_them() -> None:
    """A documentation site's reference pass passes the index to its workers; whether
    the identity pass's pool serves it compares the two passes' settings."""
    index, _ = IdentityIndex.build(PATHS, [("x/a", 3)])
    same, _ = IdentityIndex.build(list(PATHS), [("x/a", 3)])
    other, _ = IdentityIndex.build(PATHS, [("x/a", 2)])
    assert ("settings", index, False) != ("settings", {}, False)
    assert ("settings", index, False) == ("settings", same, False)
    assert index != other


def test_addresses_read_back_across_the_file_and_from_two_threads_at_once() -> None:
    """Past the first 64 KiB the addresses are in a temporary file; the scan's pool
    takes items in a thread of its own while the main thread reads others."""
    items = [
        (
            f"content/{n}.md",
            None if n % 7 == 0 else f"https://hk.example/新聞/{n}/" + "x" * (n % 90),
        )
        for n in range(4000)
    ]
    held = CorpusItems()
    for n, item in enumerate(items):
        held.append(item)
        if n % 500 == 0:  # read while still being written: the tail and the file
            assert held[n] == item and held[n // 2] == items[n // 2]
    assert list(held) == items
    seen: list[list[tuple[str, str | None]]] = [[], []]

    def read(into: list[tuple[str, str | None]], step: int) -> None:
        into.extend(held[n] for n in range(0, len(items), step))

    threads = [threading.Thread(target=read, args=(seen[i], 1 + i)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen[0] == items and seen[1] == items[::2]


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["a", "b", "新聞", "a/", "A", ""]) | st.text(max_size=8),
            st.integers(0, 3),
        ),
        max_size=40,
    ),
    st.lists(st.text(max_size=8), max_size=10),
)
def test_the_index_answers_as_the_dict_it_replaced(
    entries: list[tuple[str, int]], asked: list[str]
) -> None:
    """``dict.setdefault`` in the order given was the rule; every identity entered and
    some never entered are asked."""
    index, lost = IdentityIndex.build(PATHS, entries)
    plain: dict[str, int] = {}
    expected_lost = []
    for order, (identity, doc) in enumerate(entries):
        if identity in plain:
            expected_lost.append((order, doc, plain[identity]))
        plain.setdefault(identity, doc)
    assert lost == expected_lost
    assert len(index) == len(plain)
    for identity in [*plain, *asked]:
        want = PATHS[plain[identity]] if identity in plain else None
        assert index.get(identity) == want, identity
