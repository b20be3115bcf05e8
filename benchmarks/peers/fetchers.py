#!/usr/bin/env python3
"""waybackpack or waybackpy fetching the snapshot of each link, pointed at a local archive.

Run with the peers' venv (``benchmarks/out/peers-venv``, where ``bench_peers.py``
installs them from PyPI), never with the project's::

    benchmarks/out/peers-venv/bin/python benchmarks/peers/fetchers.py waybackpack \\
        --archive http://127.0.0.1:<ia_shim port> --links links.jsonl --out DIR

``--links`` holds one JSON object a line, ``{"id", "url", "timestamp"}``: every unique
resource the corpus references and the timestamp written with it (what
``linkrescue rescue`` looks up). For each, in order, one at a time as the peers' own
command lines work:

- **waybackpack** (0.6.4): ``waybackpack.cdx.search(url)`` lists every capture (one CDX
  request; the library has no "nearest" option, so the capture nearest the timestamp
  is chosen here, the only code of ours in the loop), then
  ``waybackpack.Asset(url, ts).fetch(raw=True)`` fetches its original bytes (``id_``)
  with a ``waybackpack.Session(follow_redirects=True)`` (its ``--raw --follow-redirects``;
  without it a captured redirect's body is kept). ``search`` and ``fetch`` read the
  module constants ``SEARCH_URL`` and ``ARCHIVE_TEMPLATE``, which are pointed at
  ``--archive``.
- **waybackpy** (3.0.6): ``WaybackMachineCDXServerAPI(url).near(wayback_machine_timestamp=ts)``
  (one CDX request: ``closest``, ``sort=closest``, ``limit=1``; its instance attribute
  ``endpoint`` pointed at ``--archive``), then the snapshot's original bytes fetched
  with ``requests.get(<archive>/web/<ts>id_/<original>)`` (waybackpy finds snapshots,
  it does not download them; redirects followed, as requests does by default); kept
  when the answer is 2xx.

Bytes go to ``DIR/objects/<id>``, one line per link to ``DIR/manifest.jsonl``:
``{"id", "timestamp" (chosen), "status", "file" (or null), "error"}``.
"""

from __future__ import annotations

import argparse
import calendar
import json
import sys
import time
from datetime import datetime
from pathlib import Path


def moment(ts: str) -> datetime:
    """A 1-14 digit timestamp as the last second of its period (as the Wayback Machine
    reads a partial one)."""
    d = "".join(c for c in ts if c.isdigit())[:14]
    year = int(d[0:4])
    month = int(d[4:6]) if len(d) >= 6 else 12
    last = calendar.monthrange(year, month)[1]
    day = int(d[6:8]) if len(d) >= 8 else last
    hour = int(d[8:10]) if len(d) >= 10 else 23
    minute = int(d[10:12]) if len(d) >= 12 else 59
    second = int(d[12:14]) if len(d) >= 14 else 59
    return datetime(year, month, min(day, last), hour, minute, second)


def waybackpack_fetcher(archive: str):  # type: ignore[no-untyped-def]
    import waybackpack
    import waybackpack.asset
    import waybackpack.cdx

    waybackpack.cdx.SEARCH_URL = f"{archive}/cdx/search/cdx"
    waybackpack.asset.ARCHIVE_TEMPLATE = archive + "/web/{timestamp}{flag}/{url}"
    session = waybackpack.Session(follow_redirects=True)

    def fetch(url: str, ts: str) -> tuple[str | None, bytes | None, str]:
        snapshots = waybackpack.cdx.search(url, session=session)
        if not snapshots:
            return None, None, "no capture listed"
        want = moment(ts)
        best = min(snapshots, key=lambda s: abs((moment(s["timestamp"]) - want).total_seconds()))
        chosen = best["timestamp"]
        content = waybackpack.Asset(url, chosen).fetch(session=session, raw=True)
        if content is None:
            return chosen, None, "fetch gave up"
        return chosen, content, "ok"

    return fetch


def waybackpy_fetcher(archive: str):  # type: ignore[no-untyped-def]
    import requests
    from waybackpy import WaybackMachineCDXServerAPI
    from waybackpy.exceptions import NoCDXRecordFound
    from waybackpy.utils import DEFAULT_USER_AGENT

    def fetch(url: str, ts: str) -> tuple[str | None, bytes | None, str]:
        api = WaybackMachineCDXServerAPI(url, user_agent=DEFAULT_USER_AGENT)
        api.endpoint = f"{archive}/cdx/search/cdx"
        try:
            snap = api.near(wayback_machine_timestamp=ts)
        except NoCDXRecordFound:
            return None, None, "no capture listed"
        got = requests.get(
            f"{archive}/web/{snap.timestamp}id_/{snap.original}",
            headers={"User-Agent": DEFAULT_USER_AGENT},
            timeout=120,
        )
        if not got.ok:
            return snap.timestamp, None, f"HTTP {got.status_code}"
        return snap.timestamp, got.content, "ok"

    return fetch


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="waybackpack / waybackpy against a local archive")
    ap.add_argument("tool", choices=("waybackpack", "waybackpy"))
    ap.add_argument("--archive", required=True, help="the archive's root (the ia_shim)")
    ap.add_argument("--links", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    archive = args.archive.rstrip("/")
    make = waybackpack_fetcher if args.tool == "waybackpack" else waybackpy_fetcher
    fetch = make(archive)
    objects = args.out / "objects"
    objects.mkdir(parents=True, exist_ok=True)
    stored = failed = 0
    t0 = time.perf_counter()
    with (args.out / "manifest.jsonl").open("w") as manifest:
        for line in args.links.read_text().splitlines():
            link = json.loads(line)
            record: dict[str, object] = {"id": link["id"], "timestamp": None, "file": None}
            try:
                chosen, content, status = fetch(link["url"], link["timestamp"])
                record.update(timestamp=chosen, status=status)
                if content is not None:
                    path = objects / str(link["id"])
                    path.write_bytes(content)
                    record["file"] = str(path)
                    stored += 1
            except Exception as exc:  # the peer raised: a failed link, the run goes on
                record.update(status="error", error=f"{type(exc).__name__}: {exc}"[:300])
                failed += 1
            manifest.write(json.dumps(record) + "\n")
    print(
        f"{args.tool}: {stored} stored, {failed} raised, {time.perf_counter() - t0:.1f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
