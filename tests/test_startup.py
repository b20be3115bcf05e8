"""`linkrescue scan` and `--help` start without the archive client.

A CI or pre-commit run of ``scan`` on one file spent half its time importing httpx,
tenacity and the Wayback client it never uses (0.6 s of imports before this test's
rule; see docs/BENCHMARKS.md, issue 10). The commands that talk to an archive import
it when they run.
"""

from __future__ import annotations

import subprocess
import sys


def test_the_cli_imports_no_network_client_until_a_command_needs_one() -> None:
    probe = (
        "import sys, linkrescue.crawler.cli\n"
        "print(sorted(m for m in ('httpx', 'tenacity', 'linkrescue.archive.remote')"
        " if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_the_archive_package_still_offers_the_client_by_name() -> None:
    probe = (
        "import linkrescue.archive as a, sys\n"
        "print(a.ArchiveClient.__module__, 'httpx' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["linkrescue.archive.remote.wayback", "True"]
