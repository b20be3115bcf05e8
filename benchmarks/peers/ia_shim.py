#!/usr/bin/env python3
"""A tiny front for pywb that answers as the Internet Archive does, for the peers of
``bench_peers.py`` (waybackpack, waybackpy, archive-md-urls), which are written for
web.archive.org and archive.org only.

Usage::

    python benchmarks/peers/ia_shim.py --upstream http://127.0.0.1:<pywb port> --port N

Every request is answered with exactly one request to pywb (so pywb's access log counts
the peers' requests exactly, one for one); only the shapes are translated:

- ``/cdx/search/cdx``: pywb answers ``output=json`` as NDJSON objects with its own
  field names (``url``, ``mime``, ``status``); the Internet Archive as one JSON array of
  arrays with a header row (``urlkey timestamp original mimetype statuscode digest
  length``), or as space-separated text lines of those seven fields. The shim asks pywb
  for NDJSON and writes the Archive's shape; ``fl=``, ``filter=`` (a full-match regex on
  the Archive's field names) and a negative ``limit`` are applied here, as the Archive
  applies them; ``showDupeCount``, ``showResumeKey``, ``gzip`` and ``collapse`` are
  dropped (pywb has none of them).
- ``/wayback/available`` (the availability API, which pywb does not have): one CDX query
  for the capture nearest ``timestamp`` (padded as ``20210101000000`` from ``2021``;
  the latest without one), answered as the Archive does,
  ``{"url", "archived_snapshots": {"closest": {"available", "url", "timestamp",
  "status"}}}`` with the snapshot's address on ``http://web.archive.org/web/…``. The
  nearest capture whatever its status unless ``statuscodes=`` names some (IABot passes
  ``statuscodes=200,203,206`` to leave redirects out).
- ``/web/...`` (playback): passed through. A captured redirect in ``id_`` mode comes
  from pywb with the live site's ``Location``; the Archive points it back into the
  archive at the same timestamp and modifier, and so does the shim. pywb's own
  redirects (a partial timestamp: 307 to the exact one) are pointed at the shim.

``GET /__shim__/stats`` answers the shim's own counts (``cdx``, ``available``,
``playback``, ``other``); ``POST /__shim__/reset`` zeroes them. Standard library only.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

IA_FIELDS = ("urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length")
PYWB_NAMES = {"original": "url", "mimetype": "mime", "statuscode": "status"}
HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade"}
_PLAYBACK = re.compile(r"^/web/(\d{1,14})([a-z]{2}_)?/(.+)$", re.S)


class Counts:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.n: dict[str, int] = {}

    def add(self, kind: str) -> None:
        with self.lock:
            self.n[kind] = self.n.get(kind, 0) + 1

    def snapshot(self) -> dict[str, int]:
        with self.lock:
            return dict(self.n)

    def reset(self) -> None:
        with self.lock:
            self.n.clear()


def pad(ts: str) -> str:
    """A partial timestamp as its period's first second (``2021`` -> 20210101000000)."""
    digits = "".join(c for c in ts if c.isdigit())[:14]
    return digits + "20000101000000"[len(digits) :] if digits else ""


def ia_row(obj: dict[str, str]) -> dict[str, str]:
    """One pywb NDJSON row under the Archive's field names."""
    return {f: str(obj.get(PYWB_NAMES.get(f, f), "-")) for f in IA_FIELDS}


def ia_filter(spec: str):  # type: ignore[no-untyped-def]
    """The Archive's ``filter=[!]field:regex`` (the regex must match the whole field)."""
    negate = spec.startswith("!")
    field, _, pattern = spec.lstrip("!").partition(":")
    rx = re.compile(pattern)

    def keep(row: dict[str, str]) -> bool:
        hit = rx.fullmatch(row.get(field, "")) is not None
        return hit != negate

    return keep


class Shim(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ia-shim"
    upstream: str = ""
    counts = Counts()

    def log_message(self, format: str, *args: object) -> None:
        pass

    # -- plumbing ---------------------------------------------------------------------

    @property
    def base(self) -> str:
        return f"http://{self.headers.get('Host') or self.server.server_address[0]}"

    def upstream_request(
        self, method: str, target: str, headers: dict[str, str] | None = None
    ) -> tuple[int, str, list[tuple[str, str]], bytes]:
        parts = urlsplit(self.upstream)
        conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=120)
        try:
            conn.request(method, target, headers=headers or {})
            resp = conn.getresponse()
            body = resp.read()
            return resp.status, resp.reason, resp.getheaders(), body
        finally:
            conn.close()

    def send(
        self, status: int, body: bytes, headers: list[tuple[str, str]], reason: str = ""
    ) -> None:
        self.send_response(status, reason or None)
        for name, value in headers:
            if name.lower() not in HOP and name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_json(self, data: object, status: int = 200) -> None:
        body = json.dumps(data).encode()
        self.send(status, body, [("Content-Type", "application/json")])

    # -- routes -----------------------------------------------------------------------

    def do_POST(self) -> None:
        if self.path == "/__shim__/reset":
            self.counts.reset()
            self.send_json({"reset": True})
        else:
            self.send(405, b"", [])

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        path, _, query = self.path.partition("?")
        try:
            if path == "/__shim__/stats":
                self.send_json(self.counts.snapshot())
            elif path in ("/cdx/search/cdx", "/cdx/search/xd", "/web/timemap/cdx"):
                self.counts.add("cdx")
                self.cdx(query)
            elif path == "/wayback/available":
                self.counts.add("available")
                self.available(query)
            elif path.startswith("/web/"):
                self.counts.add("playback")
                self.playback()
            else:
                self.counts.add("other")
                status, reason, headers, body = self.upstream_request(self.command, self.path)
                self.send(status, body, headers, reason)
        except (OSError, http.client.HTTPException) as exc:
            self.send(502, f"upstream: {exc}".encode(), [("Content-Type", "text/plain")])

    def cdx_rows(self, params: dict[str, str]) -> list[dict[str, str]]:
        status, _, _, body = self.upstream_request(
            "GET", "/cdx/search/cdx?" + urlencode({**params, "output": "json"})
        )
        if status != 200:
            return []
        return [ia_row(json.loads(line)) for line in body.decode().splitlines() if line.strip()]

    def cdx(self, query: str) -> None:
        pairs = parse_qsl(query, keep_blank_values=True)
        args = dict(pairs)
        filters = [ia_filter(v) for k, v in pairs if k.startswith("filter") and v]
        up = {k: args[k] for k in ("url", "matchType", "from", "to", "closest") if args.get(k)}
        if args.get("sort") in ("reverse", "closest"):
            up["sort"] = args["sort"]
        limit = int(args["limit"]) if args.get("limit", "").lstrip("-").isdigit() else 0
        if limit > 0 and not filters:
            up["limit"] = str(limit)
        rows = [r for r in self.cdx_rows(up) if all(keep(r) for keep in filters)]
        if limit > 0:
            rows = rows[:limit]
        elif limit < 0:
            rows = rows[limit:]
        fields = [f for f in args.get("fl", "").split(",") if f] or list(IA_FIELDS)
        if args.get("output") == "json":
            data = [fields, *([r.get(f, "-") for f in fields] for r in rows)] if rows else []
            self.send_json(data)
        else:
            text = "".join(" ".join(r.get(f, "-") for f in fields) + "\n" for r in rows)
            self.send(200, text.encode(), [("Content-Type", "text/plain; charset=utf-8")])

    def available(self, query: str) -> None:
        args = dict(parse_qsl(query, keep_blank_values=True))
        url = args.get("url", "")
        up = {"url": url}
        wanted = {s for s in args.get("statuscodes", "").split(",") if s}
        if args.get("timestamp"):
            up.update(closest=pad(args["timestamp"]), sort="closest")
        else:
            up["sort"] = "reverse"
        if not wanted:
            up["limit"] = "1"
        rows = [r for r in self.cdx_rows(up) if not wanted or r["statuscode"] in wanted]
        answer: dict[str, object] = {"url": url, "archived_snapshots": {}}
        if args.get("timestamp"):
            answer["timestamp"] = args["timestamp"]
        if rows:
            row = rows[0]
            answer["archived_snapshots"] = {
                "closest": {
                    "status": row["statuscode"],
                    "available": True,
                    "url": f"http://web.archive.org/web/{row['timestamp']}/{row['original']}",
                    "timestamp": row["timestamp"],
                }
            }
        self.send_json(answer)

    def playback(self) -> None:
        headers = {
            k: v
            for k, v in self.headers.items()
            if k.lower() in ("user-agent", "accept", "range", "accept-datetime")
        }
        status, reason, got, body = self.upstream_request(self.command, self.path, headers)
        out: list[tuple[str, str]] = []
        for name, value in got:
            if name.lower() == "location":
                value = self.location(value, got)
            out.append((name, value))
        self.send(status, body, out, reason)

    def location(self, value: str, got: list[tuple[str, str]]) -> str:
        """A redirect's ``Location`` as the Archive would send it (inside the archive)."""
        if value.startswith(self.upstream):
            return self.base + value[len(self.upstream) :]
        if value.startswith("/web/"):
            return self.base + value
        captured = any(n.lower() == "memento-datetime" for n, _ in got)
        match = _PLAYBACK.match(self.path)
        if captured and match:
            target = urljoin(match.group(3), value)
            if target.startswith(("http://", "https://")):
                return f"{self.base}/web/{match.group(1)}{match.group(2) or ''}/{target}"
        return value


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--upstream", required=True, help="pywb's root, http://127.0.0.1:<port>")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--ready", help="write the shim's root URL to this file once listening")
    args = ap.parse_args(argv)
    Shim.upstream = args.upstream.rstrip("/")
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Shim)
    server.daemon_threads = True
    root = f"http://127.0.0.1:{server.server_address[1]}"
    if args.ready:
        with open(args.ready, "w") as f:
            f.write(root)
    print(f"ia-shim on {root} -> {Shim.upstream}", file=sys.stderr, flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
