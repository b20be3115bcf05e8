"""What ends a command: the CLI turns each into one line (exit 2 for one that ends it
before it starts; exit 74 for a full disk)."""

from __future__ import annotations


class NoStore(Exception):
    """The store folder holds no store: ``restore`` and ``verify`` have nothing to read."""


class DiskFull(Exception):
    """The disk of the store filled during a run: it stopped, with every file whole and
    the index consistent (atomic writes, transactions); documents were not rewritten.
    The next run, with space freed, goes on where this one stopped."""

    def __init__(self, store: object, why: str) -> None:
        super().__init__(
            f"{store}: the disk is full ({why}): stopped with nothing half-written; "
            "free some space and run again"
        )
