"""Relaying one request to a real pywb, for test proxies that act between requests.

Two tests put a small proxy of their own in front of pywb: one that edits a document
while the run is fetching (the rewrite must notice), one whose port vanishes midway
(the archive goes away). Both relay a request the same way: one upstream connection
per request, the body read whole, the hop-by-hop and length headers set again.
"""

from __future__ import annotations

import http.client
from http.server import BaseHTTPRequestHandler


def relay_get(handler: BaseHTTPRequestHandler, upstream: str) -> None:
    """Answer ``handler``'s GET with what ``upstream`` (``host:port``) answers for its path."""
    connection = http.client.HTTPConnection(upstream, timeout=10)
    try:
        connection.request("GET", handler.path, headers={"User-Agent": "proxy"})
        answer = connection.getresponse()
        body = answer.read()
    finally:
        connection.close()
    handler.send_response(answer.status)
    for name, value in answer.getheaders():
        if name.lower() not in ("transfer-encoding", "connection", "content-length"):
            handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)
