"""The run's resources, one row each, in columns: what a rescue holds from the reading to
the report, at a few hundred bytes a resource.

A first rescue of 50,000 articles has 113,083 resources and 247,877 references. Held
as one object per resource, with a list of (document, line) tuples and the fetch's
results (reason, local path, capture time, SHA-256) as strings of their own, they
were most of the main process's growth from 10,000 to 50,000 articles (×2.01
against the ×1.3 of issue 12, item 9; docs/BENCHMARKS.md). Here:

- a resource's fixed fields are columns (lists of shared strings, bytes for the
  enums); its references are three integer arrays and a chain through them, the
  document its number in the corpus (:attr:`TaskTable.corpus_paths`), no path held;
- what the fetching found is written, as the task settles, to a temporary file
  (:class:`~linkrescue.crawler.stages.spill.Spill`); only its outcome and local path
  stay in memory, the two things the rewrite asks of every resource;
- a :class:`Task` is a working copy made for the stage that needs one (a few dozen
  at a time while fetching) and written back with :meth:`TaskTable.record`.
"""

from __future__ import annotations

import pickle
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import overload

from linkrescue.archive.model import Want
from linkrescue.crawler.outcome import Outcome
from linkrescue.crawler.stages.spill import Spill

#: Column codes of the enums: their position here (0 is no outcome: not settled).
_WANTS: tuple[Want, ...] = tuple(Want)
_WANT_CODE = {want: code for code, want in enumerate(_WANTS)}
_OUTCOMES: tuple[Outcome | None, ...] = (None, *Outcome)
_OUTCOME_CODE = {outcome: code for code, outcome in enumerate(_OUTCOMES)}
_IMAGE = _WANT_CODE[Want.IMAGE]
#: The end of a chain of places.
_END = -1
#: Documents not numbered by the corpus are numbered from here (a place's first column).
_EXTRA = 1 << 31


@dataclass(slots=True)
class Task:
    """One unique resource to rescue: a working copy of its row (:meth:`TaskTable.task`)."""

    key: str
    url: str
    want: Want
    timestamp: str | None
    near: str | None
    live: bool
    outcome: Outcome | None = None
    reason: str = ""
    local_path: str | None = None
    capture_timestamp: str | None = None
    sha256: str | None = None
    #: A live link its history declares dead already: fetched without asking it again.
    declared_dead: bool = False
    #: Its row in the table (-1: not in one).
    id: int = -1


class TaskTable:
    """Every resource of a run, by key, with the places that reference it.

    Rows are added by the inventory (:meth:`add`, merging the references of one
    resource), settled by the stages (:meth:`record`) and read by the rewrite and the
    report. Only the run's main thread writes to it.
    """

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}
        self._keys: list[str] = []
        # a URL that is not its key (nearly every one is: 1 of 113,083 at 50,000 articles)
        self._urls: dict[int, str] = {}
        self._timestamps: list[str | None] = []
        self._nears: list[str | None] = []
        self._local: list[str | None] = []
        self._want = bytearray()
        self._live = bytearray()
        self._dead = bytearray()
        self._outcome = bytearray()
        # where each settled row's reason, capture time and SHA-256 are in the spill
        self._result_at = array("q")
        self._result_size = array("I")
        self._spill = Spill()
        # places: a chain per row through parallel arrays, in the order added
        self._first = array("i")
        self._last = array("i")
        self._next = array("i")
        self._place_doc = array("I")
        self._place_line = array("I")
        #: The corpus's paths (those of :class:`~linkrescue.crawler.stages.corpusindex.CorpusItems`):
        #: a document read from the corpus is its number there, no dict of paths held.
        self.corpus_paths: Sequence[str] = ()
        self._docs: list[str] = []
        self._doc_ids: dict[str, int] = {}

    # -- building --------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key: object) -> bool:
        return key in self._ids

    def document(self, path: str, number: int = -1) -> int:
        """The number of document ``path`` (the places' first column): ``number``, its
        place in :attr:`corpus_paths`, when it is that, or one of its own."""
        if 0 <= number < len(self.corpus_paths) and self.corpus_paths[number] == path:
            return number
        doc = self._doc_ids.get(path)
        if doc is None:
            doc = self._doc_ids[path] = _EXTRA + len(self._docs)
            self._docs.append(path)
        return doc

    def _path(self, doc: int) -> str:
        return self._docs[doc - _EXTRA] if doc >= _EXTRA else self.corpus_paths[doc]

    def add(
        self,
        key: str,
        url: str,
        want: Want,
        written: str | None,
        near: str | None,
        *,
        live: bool,
        doc: int,
        line: int,
    ) -> int:
        """One reference to resource ``key`` at (``doc``, ``line``); its row's number.

        A resource referenced again keeps the most demanding answer: an image if any
        reference shows it as one, the most precise timestamp written, archived if
        any reference is an archive URL, the first document date known.
        """
        row = self._ids.get(key)
        if row is None:
            row = self._new_row(key, url, want, written, near, live=live)
        else:
            if want is Want.IMAGE:
                self._want[row] = _IMAGE
            if written and len(written) > len(self._timestamps[row] or ""):
                self._timestamps[row] = written
            if not live:
                self._live[row] = 0
            if self._nears[row] is None:
                self._nears[row] = near
        self.place(row, doc, line)
        return row

    def place(self, row: int, doc: int, line: int) -> None:
        """Add a reference to row ``row`` at (``doc``, ``line``)."""
        place = len(self._next)
        self._next.append(_END)
        self._place_doc.append(doc)
        self._place_line.append(line)
        last = self._last[row]
        if last == _END:
            self._first[row] = place
        else:
            self._next[last] = place
        self._last[row] = place

    def _new_row(
        self, key: str, url: str, want: Want, written: str | None, near: str | None, *, live: bool
    ) -> int:
        row = self._ids[key] = len(self._keys)
        self._keys.append(key)
        if url != key:
            self._urls[row] = url
        self._timestamps.append(written)
        self._nears.append(near)
        self._local.append(None)
        self._want.append(_WANT_CODE[want])
        self._live.append(live)
        self._dead.append(0)
        self._outcome.append(0)
        self._result_at.append(-1)
        self._result_size.append(0)
        self._first.append(_END)
        self._last.append(_END)
        return row

    def put(self, task: Task, places: Iterable[tuple[str, int]] = ()) -> Task:
        """Add ``task`` as a row of its own (a resource no document's scan gave: a
        repaired store file), with its places and what it settled to."""
        assert task.key not in self._ids
        row = self._new_row(
            task.key, task.url, task.want, task.timestamp, task.near, live=task.live
        )
        for path, line in places:
            self.place(row, self.document(path), line)
        task.id = row
        self.record(task)
        return task

    # -- the working copies ----------------------------------------------------------

    def row(self, key: str) -> int | None:
        return self._ids.get(key)

    def task(self, row: int) -> Task:
        """A working copy of row ``row``, with what it settled to so far."""
        task = Task(
            self._keys[row],
            self.url(row),
            _WANTS[self._want[row]],
            self._timestamps[row],
            self._nears[row],
            bool(self._live[row]),
            declared_dead=bool(self._dead[row]),
            id=row,
        )
        task.outcome = _OUTCOMES[self._outcome[row]]
        task.local_path = self._local[row]
        task.reason, task.capture_timestamp, task.sha256 = self._result(row)
        return task

    def tasks(self, rows: Iterable[int] | None = None) -> Iterator[Task]:
        """Working copies of ``rows`` (every row when None), one at a time."""
        for row in range(len(self._keys)) if rows is None else rows:
            yield self.task(row)

    def record(self, task: Task) -> None:
        """Write what ``task`` (a working copy) settled to back into its row."""
        row = task.id
        self._outcome[row] = _OUTCOME_CODE[task.outcome]
        self._local[row] = task.local_path
        self._dead[row] = task.declared_dead
        result = (task.reason, task.capture_timestamp, task.sha256)
        if result == ("", None, None):
            self._result_at[row] = -1
            return
        at, size = self._spill.put(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
        self._result_at[row] = at
        self._result_size[row] = size

    def _result(self, row: int) -> tuple[str, str | None, str | None]:
        at = self._result_at[row]
        if at < 0:
            return "", None, None
        result: tuple[str, str | None, str | None] = pickle.loads(
            self._spill.get((at, self._result_size[row]))
        )
        return result

    # -- reading ---------------------------------------------------------------------

    def url(self, row: int) -> str:
        return self._urls.get(row) or self._keys[row]

    def key(self, row: int) -> str:
        return self._keys[row]

    def is_live(self, row: int) -> bool:
        return bool(self._live[row])

    def view(self, rows: Sequence[int]) -> Sequence[Task]:
        """``rows`` as working copies, each made when it is reached (none kept)."""
        return _Rows(self, rows)

    def outcome(self, row: int) -> Outcome | None:
        return _OUTCOMES[self._outcome[row]]

    def local_path(self, row: int) -> str | None:
        return self._local[row]

    def places(self, row: int) -> list[tuple[str, int]]:
        """The (document, line) of each reference to row ``row``, in the order read."""
        out = []
        place = self._first[row]
        while place != _END:
            out.append((self._path(self._place_doc[place]), self._place_line[place]))
            place = self._next[place]
        return out

    def documents_of(self, row: int) -> Iterator[str]:
        place = self._first[row]
        while place != _END:
            yield self._path(self._place_doc[place])
            place = self._next[place]

    def count(self, outcome: Outcome | None) -> int:
        """Rows settled to ``outcome`` (None: not settled)."""
        return self._outcome.count(_OUTCOME_CODE[outcome])

    def by_url(self) -> array[int]:
        """The row numbers in the order of their URLs (the report's order)."""
        return array("I", sorted(range(len(self._keys)), key=self.url))

    def local_paths(self) -> Mapping[str, str]:
        """Resource key → path inside the store, for the rows with a local copy."""
        return _LocalPaths(self)

    def close(self) -> None:
        """Remove the temporary file of results (the table cannot be read after)."""
        self._spill.close()


class _LocalPaths(Mapping[str, str]):
    """:meth:`TaskTable.local_paths`, read from the table (no copy: 113,083 resources
    at 50,000 articles)."""

    def __init__(self, table: TaskTable) -> None:
        self._table = table

    def get(self, key: str, default: str | None = None) -> str | None:  # type: ignore[override]
        row = self._table.row(key)
        path = None if row is None else self._table.local_path(row)
        return default if path is None else path

    def __getitem__(self, key: str) -> str:
        row = self._table.row(key)
        path = None if row is None else self._table.local_path(row)
        if path is None:
            raise KeyError(key)
        return path

    def __iter__(self) -> Iterator[str]:
        table = self._table
        return (table._keys[row] for row in range(len(table)) if table._local[row] is not None)

    def __len__(self) -> int:
        return sum(1 for path in self._table._local if path is not None)


class _Rows(Sequence[Task]):
    """:meth:`TaskTable.view`: working copies made on each access."""

    def __init__(self, table: TaskTable, rows: Sequence[int]) -> None:
        self._table = table
        self._rows = rows

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, index: int) -> Task: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Task]: ...
    def __getitem__(self, index: int | slice) -> Task | Sequence[Task]:
        if isinstance(index, slice):
            return _Rows(self._table, self._rows[index])
        return self._table.task(self._rows[index])

    def __iter__(self) -> Iterator[Task]:
        return self._table.tasks(self._rows)
