"""Running ``linkrescue`` as a user types it: a real process, the real entry point."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def linkrescue(
    *args: str | Path, cwd: Path, umask: int | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m linkrescue ARGS`` in ``cwd``, run to the end; a wide terminal for tables;
    ``umask``: the one the process starts with (as a cron job's or a shell's)."""
    return subprocess.run(
        [sys.executable, "-m", "linkrescue", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
        env={**os.environ, "COLUMNS": "200"},
        preexec_fn=None if umask is None else lambda: os.umask(umask),
    )


TomlValue = str | int | float | bool

#: A local test archive: no rate limit, short pauses and timeouts, few retries.
LOCAL_ARCHIVE: dict[str, TomlValue] = {
    "cdx_per_second": 0,
    "playback_per_second": 0,
    "pause_seconds": 0.2,
    "read_timeout": 5.0,
    "retries": 2,
}


def _toml(value: TomlValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a TOML basic string
    return repr(value)


def write_config(
    folder: Path,
    archive_url: str,
    *,
    archive: dict[str, TomlValue] | None = None,
    rescue: dict[str, TomlValue] | None = None,
) -> Path:
    """``folder/config.toml`` for a rescue from a local archive into ``rescued/``, every
    live link rescued; ``archive`` and ``rescue`` add or replace keys of those sections."""
    sections: dict[str, dict[str, TomlValue]] = {
        "archive": {"url": archive_url, **LOCAL_ARCHIVE, **(archive or {})},
        "store": {"dir": "rescued"},
        "rescue": {"live_links": "all", **(rescue or {})},
        # the tests' live sites are servers on loopback, which a real run refuses
        "network": {"allow_private": True},
    }
    text = "".join(
        f"[{name}]\n" + "".join(f"{key} = {_toml(value)}\n" for key, value in table.items())
        for name, table in sections.items()
    )
    path = folder / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path
