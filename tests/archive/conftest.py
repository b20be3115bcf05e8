"""Fixtures of the archive tests: a real pywb, a fault archive, recorded IA answers.

Nothing here reaches the internet: pywb and the fault server listen on 127.0.0.1,
and the recordings are replayed through an httpx mock transport. Waits are tiny
(pause, backoff, timeouts) so the whole suite stays well under a minute.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from linkrescue.archive.remote.wayback import ArchiveClient  # noqa: E402
from linkrescue.archive.settings import ArchiveSettings  # noqa: E402
from tests.support.fault_server import FaultServer  # noqa: E402
from tests.support.pywb_server import Pywb, start_pywb  # noqa: E402

#: Settings for local test archives: no rate limit, short pauses and timeouts.
FAST = ArchiveSettings(
    cdx_per_second=0,
    playback_per_second=0,
    pause_seconds=0.3,
    connect_timeout=2.0,
    read_timeout=0.5,
    retries=3,
    user_agent="linkrescue-tests/0 (+https://example.invalid/linkrescue)",
)
#: The first retry's wait in tests (seconds).
BACKOFF = 0.01


@pytest.fixture(scope="session")
def pywb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pywb]:
    """A real pywb on loopback; a missing pywb is an error (PywbMissing), never a skip."""
    server = start_pywb(tmp_path_factory.mktemp("pywb"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pywb_settings(pywb: Pywb) -> ArchiveSettings:
    return replace(FAST, url=pywb.url)


@pytest.fixture
def pywb_client(pywb_settings: ArchiveSettings) -> Iterator[ArchiveClient]:
    with ArchiveClient(pywb_settings, backoff_base=BACKOFF) as client:
        yield client


@pytest.fixture
def faults() -> Iterator[FaultServer]:
    server = FaultServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def fault_settings(faults: FaultServer) -> ArchiveSettings:
    return replace(FAST, url=faults.url)


@pytest.fixture
def fault_client(fault_settings: ArchiveSettings) -> Iterator[ArchiveClient]:
    with ArchiveClient(fault_settings, backoff_base=BACKOFF, backoff_max=0.05) as client:
        yield client
