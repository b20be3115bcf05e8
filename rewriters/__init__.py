"""Documents: read Markdown (with YAML frontmatter and inline HTML) into references with exact spans, and apply edits to those spans.

No network, no CLI. Finding and editing share :mod:`rewriters.model`, so they cannot disagree.
"""
