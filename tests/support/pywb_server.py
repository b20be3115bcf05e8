"""A real pywb on 127.0.0.1, serving a WARC the tests build themselves.

pywb (Webrecorder's Wayback server, PyPI ``pywb``) lives in a venv of its own
(``.venv-pywb``, installed by ``tests/run.sh`` from ``pywb-requirements.txt``) so its
pins cannot constrain ours; ``LINKRESCUE_PYWB`` may name another ``wayback``.

It is configured as close to web.archive.org as pywb goes (docs/pywb-vs-ia.md):
collection ``web`` so playback is ``/web/<ts><mod>/<url>``; ``framed_replay: false``,
``redirect_to_exact: true``, ``enable_memento: true``; a rules file without fuzzy rules
(pywb's default fuzzy matching drops ``filter=``/``closest=`` and redirects URLs with
extra query args to other captures, which the Wayback Machine never does); a second
collection ``cdx`` on the same index with ``cdx_api_endpoint: /search/cdx``, so the CDX
API is at ``/cdx/search/cdx`` as on IA (and ``/web/search/cdx`` for collection ``web``).
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from tests.support.archive_content import CAPTURES, Cap, write_warc

REPO = Path(__file__).resolve().parents[2]

CONFIG = """\
collections:
  web:
    index_paths: ./collections/web/indexes/
    archive_paths: ./collections/web/archive/
  cdx:
    index_paths: ./collections/web/indexes/
    archive_paths: ./collections/web/archive/
cdx_api_endpoint: /search/cdx
framed_replay: false
redirect_to_exact: true
enable_memento: true
rules_file: ./no-fuzzy-rules.yaml
"""

# pywb reads default_filters even with no rules: keep them, but empty.
NO_FUZZY_RULES = """\
default_filters:
  fuzzy_search_limit: '100'
  not_exts: []
  mimes: []
  url_normalize: []
rules: []
"""


class PywbMissing(RuntimeError):
    """No pywb to run: the archive tests must fail, loudly, rather than skip."""


def find_wayback() -> Path:
    """The ``wayback`` executable: ``$LINKRESCUE_PYWB``, else ``.venv-pywb/bin/wayback``."""
    configured = os.environ.get("LINKRESCUE_PYWB")
    candidate = Path(configured) if configured else REPO / ".venv-pywb" / "bin" / "wayback"
    if not candidate.is_file() or not os.access(candidate, os.X_OK):
        raise PywbMissing(
            f"pywb's 'wayback' not found at {candidate}. Install it with:\n"
            f"  python3 -m venv {REPO}/.venv-pywb && "
            f"{REPO}/.venv-pywb/bin/pip install -r {REPO}/tests/support/pywb-requirements.txt\n"
            "(or run bash tests/run.sh), or set LINKRESCUE_PYWB to a wayback executable."
        )
    return candidate


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Pywb:
    """A running pywb: ``url`` is its root (``http://127.0.0.1:<port>``)."""

    url: str
    process: subprocess.Popen[bytes]
    workdir: Path
    log_path: Path

    @property
    def cdx_url(self) -> str:
        return f"{self.url}/cdx/search/cdx"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start_pywb(
    workdir: Path,
    *,
    captures: Iterable[Cap] = CAPTURES,
    probe_url: str | None = None,
    timeout: float = 60.0,
) -> Pywb:
    """Build the WARC of ``captures``, index it with ``wb-manager``, start pywb, wait until it answers."""
    workdir.mkdir(parents=True, exist_ok=True)
    warc = write_warc(workdir / "linkrescue-test.warc.gz", captures)
    return start_pywb_from(workdir, warc, probe_url=probe_url, timeout=timeout)


def start_pywb_from(
    workdir: Path, warc: Path, *, probe_url: str | None = None, timeout: float = 60.0
) -> Pywb:
    """A pywb in ``workdir`` serving an existing WARC file (a fresh collection ``web``
    made with ``wb-manager init`` and ``add``, as a user loads a WARC into pywb)."""
    wayback = find_wayback()
    workdir.mkdir(parents=True, exist_ok=True)
    manager = wayback.with_name("wb-manager")
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    for args in (["init", "web"], ["add", "web", str(warc)]):
        done = subprocess.run(
            [str(manager), *args], cwd=workdir, env=env, capture_output=True, text=True
        )
        if done.returncode != 0:
            raise RuntimeError(f"wb-manager {' '.join(args)} failed:\n{done.stderr}")
    (workdir / "config.yaml").write_text(CONFIG)
    (workdir / "no-fuzzy-rules.yaml").write_text(NO_FUZZY_RULES)

    port = free_port()
    log_path = workdir / "pywb.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(wayback), "--bind", "127.0.0.1", "--port", str(port), "--threads", "8"],
            cwd=workdir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = Pywb(f"http://127.0.0.1:{port}", process, workdir, log_path)
    deadline = time.monotonic() + timeout
    probe = f"{server.url}/cdx/search/cdx?url={probe_url or 'news.example.com/article/1'}"
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"pywb exited with {process.returncode}:\n{server.log()}")
        try:
            with urllib.request.urlopen(probe, timeout=2) as response:
                if response.status == 200 and response.read():
                    return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"pywb did not answer within {timeout} s:\n{server.log()}")
        time.sleep(0.1)
