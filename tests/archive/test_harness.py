"""The test harness itself: a missing pywb fails loudly; the replayer never goes online."""

from __future__ import annotations

import httpx
import pytest

from tests.support.pywb_server import PywbMissing, find_wayback
from tests.support.recordings import Replay, Unrecorded


def test_a_missing_pywb_is_an_error_that_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LINKRESCUE_PYWB", "/nonexistent/wayback")
    with pytest.raises(PywbMissing) as info:
        find_wayback()
    message = str(info.value)
    assert "/nonexistent/wayback" in message and "pywb-requirements.txt" in message


def test_the_replayer_refuses_what_was_not_recorded() -> None:
    with httpx.Client(transport=Replay("test_get_memento").transport) as client:
        with pytest.raises(Unrecorded):
            client.get("https://web.archive.org/web/2021id_/https://example.com/")
        ok = client.get("https://web.archive.org/web/20171124151315id_/https://www.fws.gov/birds/")
        assert ok.status_code == 200 and "memento-datetime" in ok.headers
        assert "content-encoding" not in ok.headers  # bodies are stored decoded
        assert int(ok.headers["content-length"]) == len(ok.content)
