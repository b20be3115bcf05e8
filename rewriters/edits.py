"""Edits: replace references' spans in one pass, refusing anything that does not fit.

An :class:`~linkrescue.rewriters.model.Edit` carries the text it expects to replace, so an edit
computed from a stale scan, or two edits of the same span, fail loudly with
:class:`~linkrescue.rewriters.errors.EditConflictError` instead of corrupting an article.
"""

from __future__ import annotations

from collections.abc import Iterable

from linkrescue.rewriters.errors import EditConflictError
from linkrescue.rewriters.model import Edit, Reference


def edit_for(reference: Reference, replacement: str) -> Edit:
    """The edit that replaces ``reference``'s span (which must still read ``raw``)."""
    return Edit(reference.start, reference.end, reference.raw, replacement)


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """``text`` with every edit applied, in one pass; the edits may come in any order.

    Raises :class:`EditConflictError` if an edit's span is out of range or does not
    read ``expected``, or if two edits overlap (two insertions at the same offset
    count as overlapping: their order would be a guess). Nothing is applied then.
    """
    ordered = sorted(edits, key=lambda e: (e.start, e.end))
    parts: list[str] = []
    pos = 0
    previous: Edit | None = None
    for edit in ordered:
        if not 0 <= edit.start <= edit.end <= len(text):
            raise EditConflictError(
                f"edit {edit.start}-{edit.end} is outside the text (length {len(text)})"
            )
        if previous is not None and (
            edit.start < pos or edit.start == edit.end == previous.start == previous.end
        ):
            raise EditConflictError(
                f"edits {previous.start}-{previous.end} and {edit.start}-{edit.end} overlap"
            )
        actual = text[edit.start : edit.end]
        if actual != edit.expected:
            raise EditConflictError(
                f"edit {edit.start}-{edit.end} expects {edit.expected!r}, the text reads {actual!r}"
            )
        parts.append(text[pos : edit.start])
        parts.append(edit.replacement)
        pos = edit.end
        previous = edit
    parts.append(text[pos:])
    return "".join(parts)
