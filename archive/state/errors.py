"""Exceptions of the run state (the SQLite database ``index.sqlite3``).

    StateError               the run state cannot do what was asked
    └── IndexVersionError    the database was written by a newer linkrescue

Kept apart from :mod:`linkrescue.archive.store.errors` because the store is built on
the state (it keeps its files table in the state's database), never the reverse.
"""

from __future__ import annotations


class StateError(Exception):
    """Base of every error raised by :mod:`linkrescue.archive.state`."""


class IndexVersionError(StateError):
    """The index's schema is newer than this program knows; refusing to touch it."""
