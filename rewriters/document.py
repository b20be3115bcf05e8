"""Documents: bytes to text, and text to a :class:`~linkrescue.rewriters.model.Document`.

Decoding is strict UTF-8 and changes nothing: newlines are not translated and a
UTF-8 byte order mark stays in the text as U+FEFF, so every offset is an offset of
the text that will be written back, and writing the edited text as UTF-8 gives the
original bytes outside the edited spans (a BOM included). The frontmatter reader
skips the BOM; columns on the first line count it as one character.

A file that is not text (a NUL byte, or bytes that are not UTF-8: mojibake in a few
Citizen News values is still valid UTF-8, a stray Latin-1 byte is not) raises
:class:`~linkrescue.rewriters.errors.NotTextError` with a short reason, for the caller to
report the file and go on.
"""

from __future__ import annotations

from collections.abc import Collection

from linkrescue.rewriters.errors import NotTextError
from linkrescue.rewriters.frontmatter import read_frontmatter
from linkrescue.rewriters.markdown import scan_markdown
from linkrescue.rewriters.model import Document, LineIndex


def decode_document(data: bytes) -> str:
    """``data`` as text: strict UTF-8, nothing stripped or translated (a BOM is kept)."""
    nul = data.find(b"\x00")
    if nul != -1:
        raise NotTextError(f"binary: NUL byte at offset {nul}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NotTextError(
            f"not UTF-8: byte 0x{data[exc.start]:02x} at offset {exc.start} ({exc.reason})"
        ) from None


def read_document(
    text: str, *, resource_keys: Collection[str], data_keys: Collection[str] | None = None
) -> Document:
    """Read ``text`` into its frontmatter and its references, sorted by start.

    Frontmatter references (the values under ``resource_keys``) come first, as they
    come first in the text; then the body's Markdown, HTML and bare-URL references.
    ``data_keys``: build only these top-level values of ``Document.frontmatter``
    (a corpus scan needs ``date`` alone; building every title and tag list cost a
    twentieth of its time); None builds them all.
    """
    lines = LineIndex.of(text)
    front = read_frontmatter(text, resource_keys=resource_keys, lines=lines, data_keys=data_keys)
    body = scan_markdown(text, front.body_start, lines=lines)
    return Document(
        text=text,
        frontmatter=front.data,
        references=(*front.references, *body),
        frontmatter_error=front.error,
        body_start=front.body_start,
    )
