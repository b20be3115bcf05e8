"""An archive that cannot be reached stops the run early; nothing is rewritten, exit 1."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_unreachable_archive_trips_the_breaker(tmp_path: Path) -> None:
    links = "\n".join(
        f"![](http://web.archive.org/web/20211229095346im_/https://img.example.org/{i}.png)"
        for i in range(9)
    )
    doc = tmp_path / "a.md"
    doc.write_text(f"---\ntitle: x\n---\n{links}\n", encoding="utf-8")
    original = doc.read_bytes()
    (tmp_path / "config.toml").write_text(
        f'[archive]\nurl = "http://127.0.0.1:{closed_port()}"\ncdx_per_second = 0\n'
        "playback_per_second = 0\nretries = 1\nconnect_timeout = 1.0\n"
        "[rescue]\nconcurrency = 1\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-m", "crawler", "rescue", "a.md", "--report", "r.json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    reasons = [item["reason"] for item in report["items"]]
    assert report["failed"] == 9
    assert (
        sum(r.startswith("not tried: the archive failed 5 resources in a row") for r in reasons)
        == 4
    )
    assert report["requests"]["playback"] <= 5 * 2 + 5  # 5 tried, each at most a retry (+ lookups)
    assert "stopping: the archive failed 5 resources in a row" in done.stderr
    assert doc.read_bytes() == original
