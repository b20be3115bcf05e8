"""Exceptions of the local store.

    StoreError               the store cannot do what was asked
    ├── StorePathError       a path would leave the store, or no free path was found
    ├── StoreIntegrityError  staged bytes differ from what the capture says they are
    └── StoreLocked          another run holds the store's run lock (lock.py)

A schema newer than this program is the run state's
(:class:`linkrescue.archive.state.errors.IndexVersionError`).

Findings about stored files (missing, changed) are not exceptions: they are
:class:`linkrescue.archive.store.VerifyProblem` values, because ``linkrescue verify`` reports
all of them rather than stopping at the first.
"""

from __future__ import annotations


class StoreError(Exception):
    """Base of every error raised by :mod:`linkrescue.archive.store`."""


class StorePathError(StoreError):
    """A path the store was about to write is outside its root, or cannot be made free."""


class StoreIntegrityError(StoreError):
    """The staged bytes do not match the capture's recorded size or SHA-256."""
