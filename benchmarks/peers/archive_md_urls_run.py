#!/usr/bin/env python3
"""archive-md-urls (0.0.8) over a folder of Markdown, its availability API pointed at a
local archive.

Run with the peers' venv::

    benchmarks/out/peers-venv/bin/python benchmarks/peers/archive_md_urls_run.py \\
        --archive http://127.0.0.1:<ia_shim port> DIR

It is the tool's own command line (``archive-md-urls -r DIR``: every ``*.md`` under DIR
rewritten in place), with one change made at import: ``build_api_call``, which writes
``https://archive.org/wayback/available?url=…&timestamp=…``, asks ``--archive`` instead
(the ``ia_shim`` answers the availability API from pywb's CDX index). The snapshot
addresses it writes are the ones the API answers, ``http://web.archive.org/web/<ts>/<url>``.
"""

from __future__ import annotations

import argparse
import sys

import archive_md_urls.gather_snapshots as gather
from archive_md_urls import cli


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="archive-md-urls against a local archive")
    ap.add_argument("--archive", required=True, help="the archive's root (the ia_shim)")
    ap.add_argument("folder")
    args = ap.parse_args(argv)
    archive = args.archive.rstrip("/")
    original = gather.build_api_call

    def build_api_call(url: str, timestamp: str | None = None) -> str:
        return original(url, timestamp).replace("https://archive.org", archive, 1)

    gather.build_api_call = build_api_call
    sys.argv = ["archive-md-urls", "-r", args.folder]
    cli.main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
