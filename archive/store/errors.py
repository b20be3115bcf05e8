"""Exceptions of the local store and its index.

    StoreError               the store or its index cannot do what was asked
    ├── StorePathError       a path would leave the store, or no free path was found
    ├── StoreIntegrityError  staged bytes differ from what the capture says they are
    └── IndexVersionError    the index was written by a newer linkrescue

Findings about stored files (missing, changed) are not exceptions: they are
:class:`archive.store.VerifyProblem` values, because ``linkrescue verify`` reports
all of them rather than stopping at the first.
"""

from __future__ import annotations


class StoreError(Exception):
    """Base of every error raised by :mod:`linkrescue.archive.store.store` and :mod:`linkrescue.archive.state.index`."""


class StorePathError(StoreError):
    """A path the store was about to write is outside its root, or cannot be made free."""


class StoreIntegrityError(StoreError):
    """The staged bytes do not match the capture's recorded size or SHA-256."""


class IndexVersionError(StoreError):
    """The index's schema is newer than this program knows; refusing to touch it."""
