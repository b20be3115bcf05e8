"""Sequences whose items are made when read, not held: how a run keeps 50,000 documents'
or 113,083 resources' worth of values in compact columns and still hands the stages
and the report a plain ``Sequence`` (issue 12, item 9)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar, overload

T = TypeVar("T")


class MadeOnRead(Sequence[T]):
    """A sequence of :meth:`_at` over ``range(len(self))``: a slice is a tuple of the
    items made, negative indexes count from the end."""

    def __len__(self) -> int:
        raise NotImplementedError

    def _at(self, index: int) -> T:
        """Item ``index`` (0 <= index < len(self)), made now."""
        raise NotImplementedError

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[T]: ...
    def __getitem__(self, index: int | slice) -> T | Sequence[T]:
        if isinstance(index, slice):
            return tuple(self._at(i) for i in range(*index.indices(len(self))))
        size = len(self)
        if index < 0:
            index += size
        if not 0 <= index < size:
            raise IndexError(index)
        return self._at(index)

    def __iter__(self) -> Iterator[T]:
        return (self._at(i) for i in range(len(self)))
