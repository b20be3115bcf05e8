"""Crashes, for real: a child process commits in a loop and is SIGKILLed.

After any kill the browsable file must hold one complete version (or not exist
yet), the next open must sweep the dead process's staging files, and ``verify``
must find nothing wrong, since an interrupted replacement is not a "changed" file.
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path, PurePosixPath

import pytest

from linkrescue.archive.model import Capture, Outcome
from linkrescue.archive.store.store import Store

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs SIGKILL")

URL = "http://x.org/photos/big.jpg"
TARGET = PurePosixPath("x.org/photos/big.jpg")

CHILD = textwrap.dedent(
    """
    import hashlib, itertools, os, signal, sys
    from pathlib import Path, PurePosixPath
    from linkrescue.archive.model import Capture
    from linkrescue.archive.store.store import Store

    root, mode = Path(sys.argv[1]), sys.argv[2]
    URL = "http://x.org/photos/big.jpg"

    def version(n):
        # A header naming the version, then 1.5 MB that depend on it: a torn or
        # truncated file can never pass for a complete version.
        body = hashlib.sha256(str(n).encode()).digest() * (3 * 2**20 // 64)
        return f"version {n}\\n".encode() + body

    store = Store(root)
    if mode.startswith("kill-recording-"):
        # Die as the rescue of version `at` is being recorded: its file is in place,
        # the former second call (Index.record_rescue) has not returned.
        from linkrescue.archive.state.index import Index
        at, real_record = int(mode.rsplit("-", 1)[1]), Index.record_rescue
        calls = itertools.count()
        def record(self, *args, **kwargs):
            if next(calls) == at:
                os.kill(os.getpid(), signal.SIGKILL)
            return real_record(self, *args, **kwargs)
        Index.record_rescue = record
    if mode == "kill-before-rename":
        real_replace = os.replace
        def replace(src, dst):
            if "/.objects/" not in str(dst) and str(dst).endswith("big.jpg"):
                if (root / "x.org/photos/big.jpg").exists():
                    os.kill(os.getpid(), signal.SIGKILL)
            return real_replace(src, dst)
        os.replace = replace

    for n in itertools.count():
        data = version(n)
        with store.staging() as sink:
            for i in range(0, len(data), 65536):
                sink.write(data[i : i + 65536])
            capture = Capture(URL, URL, "20211229120000", "https://web.archive.org/x", "image/jpeg",
                              len(data), sink.sha256, sink.sha1_base32, None, False)
            store.put(sink, capture, key="k")
        print(n, flush=True)
    """
)


def version(n: int) -> bytes:
    import hashlib

    body = hashlib.sha256(str(n).encode()).digest() * (3 * 2**20 // 64)
    return f"version {n}\n".encode() + body


def run_child(root: Path, mode: str) -> subprocess.Popen[str]:
    env = dict(os.environ)
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(root), mode],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )


def assert_consistent_after_crash(root: Path) -> int | None:
    """Check the state a crash left; return the version found at the browsable path."""
    found = None
    target = root / TARGET
    if target.exists():
        data = target.read_bytes()
        header = data.split(b"\n", 1)[0].decode()
        found = int(header.removeprefix("version "))
        assert data == version(found), "a partial or torn file at the browsable path"
    with Store(root) as store:
        staging = [p for p in (root / ".staging").rglob("*") if p.is_file()]
        assert [p.name for p in staging] == [".lock"], staging  # only the new store's own
        assert store.verify() == []
        resource = store.index.lookup("k")
        if resource is not None:
            assert resource.path == TARGET
    assert list((root / ".staging").iterdir()) == []
    return found


@pytest.mark.parametrize("iteration", range(6))
def test_sigkill_at_a_random_moment(tmp_path: Path, iteration: int) -> None:
    rng = random.Random(iteration)
    root = tmp_path / "rescued"
    with run_child(root, "loop") as child:
        assert child.stdout is not None
        if iteration % 2:
            child.stdout.readline()  # Half the runs: kill once a version is in place.
        time.sleep(rng.uniform(0.0, 0.25))
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    assert_consistent_after_crash(root)


def test_sigkill_between_write_and_rename(tmp_path: Path) -> None:
    root = tmp_path / "rescued"
    with run_child(root, "kill-before-rename") as child:
        child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL
    strays = [p for p in (root / ".staging").rglob("*") if p.is_file() and p.name != ".lock"]
    assert strays, "the kill should have left a staged link behind"
    assert assert_consistent_after_crash(root) == 0  # The old version, whole.


def assert_store_and_state_agree(root: Path) -> None:
    """The files table vouches for a file only if the run state records its rescue.

    A file the store vouches for (its digest promoted) that the state does not
    record as rescued with the same bytes is a file a later run fetches again and
    never rewrites a document to: what a crash between the two former calls
    (``Store.commit``, then ``Index.record_rescue``) left behind.
    """
    with Store(root) as store:
        record = store.file_at(TARGET)
        resource = store.index.lookup("k")
    if record is None or record.sha256 is None:
        assert resource is None, "the state records a rescue whose file was never placed"
        return
    assert resource is not None, "a stored file whose rescue is not recorded"
    assert resource.outcome is Outcome.RESCUED
    assert (resource.path, resource.sha256) == (TARGET, record.sha256)


@pytest.mark.parametrize(("at", "placed"), [(0, "a new file"), (1, "a replacement")])
def test_sigkill_while_recording_the_rescue_leaves_store_and_state_agreeing(
    tmp_path: Path, at: int, placed: str
) -> None:
    root = tmp_path / "rescued"
    with run_child(root, f"kill-recording-{at}") as child:
        child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL
    # Killed after the rename: the browsable file holds the version being recorded.
    assert (root / TARGET).read_bytes() == version(at), placed
    assert_store_and_state_agree(root)
    assert_consistent_after_crash(root)
    with Store(root) as store:  # the next run puts the same capture again: all recorded
        data = version(at)
        with store.staging() as sink:
            sink.write(data)
            capture = Capture(URL, URL, "20211229120000", "https://web.archive.org/x",
                              "image/jpeg", len(data), sink.sha256, sink.sha1_base32, None,
                              False)  # fmt: skip
            store.put(sink, capture, key="k")
    assert_store_and_state_agree(root)
    with Store(root) as store:
        resource = store.index.lookup("k")
        assert resource is not None and resource.sha256 == hashlib.sha256(data).hexdigest()
        assert store.verify() == []


@pytest.mark.parametrize("iteration", range(4))
def test_sigkill_at_a_random_moment_leaves_store_and_state_agreeing(
    tmp_path: Path, iteration: int
) -> None:
    rng = random.Random(1000 + iteration)
    root = tmp_path / "rescued"
    with run_child(root, "loop") as child:
        assert child.stdout is not None
        child.stdout.readline()  # a first version is recorded
        time.sleep(rng.uniform(0.0, 0.25))
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    assert_store_and_state_agree(root)
