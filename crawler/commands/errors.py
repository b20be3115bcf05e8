"""What ends a command before it starts: the CLI turns each into one line and exit 2."""

from __future__ import annotations


class NoStore(Exception):
    """The store folder holds no store: ``restore`` and ``verify`` have nothing to read."""
