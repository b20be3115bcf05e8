"""Documents: read Markdown (with YAML, TOML or JSON frontmatter and inline HTML) into references
with exact spans, and apply edits to those spans.

No network, no CLI. Finding and editing share :mod:`linkrescue.rewriters.model`, so they cannot disagree.
"""

from linkrescue.rewriters.anchors import Anchor, Anchors, anchors, decode_fragment
from linkrescue.rewriters.document import decode_document, read_document
from linkrescue.rewriters.edits import apply_edits, edit_for
from linkrescue.rewriters.errors import DocumentError, EditConflictError, NotTextError
from linkrescue.rewriters.frontmatter import (
    Frontmatter,
    FrontmatterBlock,
    find_frontmatter,
    identity_value,
    read_frontmatter,
)
from linkrescue.rewriters.html import scan_html
from linkrescue.rewriters.markdown import scan_markdown
from linkrescue.rewriters.model import (
    Document,
    Edit,
    LineIndex,
    Position,
    Reference,
    RefKind,
    Syntax,
)

__all__ = [
    "Anchor",
    "Anchors",
    "Document",
    "DocumentError",
    "Edit",
    "EditConflictError",
    "Frontmatter",
    "FrontmatterBlock",
    "LineIndex",
    "NotTextError",
    "Position",
    "RefKind",
    "Reference",
    "Syntax",
    "anchors",
    "apply_edits",
    "decode_document",
    "decode_fragment",
    "edit_for",
    "find_frontmatter",
    "identity_value",
    "read_document",
    "read_frontmatter",
    "scan_html",
    "scan_markdown",
]
