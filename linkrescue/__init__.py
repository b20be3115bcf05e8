"""linkrescue: rescue the links and images of Markdown articles from link rot.

One import name over three rooms that live in folders of their own at the top of the
repository (``pyproject.toml`` maps them with setuptools' ``package-dir``):

- :mod:`linkrescue.rewriters` (``rewriters/``): documents, references with exact spans, edits;
- :mod:`linkrescue.archive` (``archive/``): archives, the local store, the run's state;
- :mod:`linkrescue.crawler` (``crawler/``): the crawl, the commands, the output formats.

The map of who may import whom is ``docs/ARCHITECTURE.md``; ``tests/run.sh`` enforces it.
"""

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    """``__version__``, read from the installed distribution when first asked for.

    Looking it up imports :mod:`importlib.metadata` and scans the installed
    distributions; done at import, it cost every command about 35 ms before doing
    anything (median of 15 ``python -c "import linkrescue"``: 61 ms against 27 ms).
    """
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("linkrescue")
    except PackageNotFoundError:  # pragma: no cover - a tree that was never installed
        return "0+unknown"
