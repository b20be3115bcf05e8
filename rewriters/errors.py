"""Exceptions of the document side.

    DocumentError            a document cannot be read or edited
    ├── NotTextError         not UTF-8, or binary (NUL bytes)
    ├── EditConflictError    an edit's span no longer holds the text it expects
    └── DocumentChangedError the file changed on disk since it was read

Expected findings (a reference that is junk, frontmatter that is malformed) are
values on :class:`linkrescue.rewriters.model.Document`, not exceptions.
"""

from __future__ import annotations


class DocumentError(Exception):
    """Base of every error raised by :mod:`linkrescue.rewriters`."""


class NotTextError(DocumentError):
    """The bytes are not a UTF-8 text document."""


class EditConflictError(DocumentError):
    """An edit does not match the text it was computed from (the file changed, or edits overlap)."""


class DocumentChangedError(DocumentError):
    """The file on disk is no longer the text an edit was computed from."""
