"""linkrescue: rescue the links and images of Markdown articles from link rot.

One import name over three rooms that live in folders of their own at the top of the
repository (``pyproject.toml`` maps them with setuptools' ``package-dir``):

- :mod:`linkrescue.rewriters` (``rewriters/``): documents, references with exact spans, edits;
- :mod:`linkrescue.archive` (``archive/``): archives, the local store, the run's state;
- :mod:`linkrescue.crawler` (``crawler/``): the crawl, the commands, the output formats.

The map of who may import whom is ``docs/ARCHITECTURE.md``; ``tests/run.sh`` enforces it.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("linkrescue")
except PackageNotFoundError:  # pragma: no cover - run from a tree that was never installed
    __version__ = "0+unknown"

__all__ = ["__version__"]
