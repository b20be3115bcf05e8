"""The C allocator's fixed mmap threshold (crawler/malloc.py): freed archive bodies go
back to the system instead of staying in the heap (issue 12, item 9)."""

from __future__ import annotations

import subprocess
import sys

import pytest

PROBE = """
import ctypes, sys
from linkrescue.crawler.malloc import fix_mmap_threshold
if sys.argv[1] == "fixed":
    assert fix_mmap_threshold()
class Info(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in
                "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost".split()]
libc = ctypes.CDLL(None)
libc.mallinfo2.restype = Info
big = bytearray(4 << 20)
del big  # glibc now serves blocks under 4 MiB from the heap, unless the threshold is fixed
bodies = [bytearray(300 << 10) for _ in range(64)]  # 64 bodies of 300 KiB
del bodies[::2]  # every other one freed: heap space that cannot be trimmed
print(libc.mallinfo2().fordblks >> 20)
"""


def _freed_but_held_mib(mode: str) -> int:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, mode], capture_output=True, text=True, check=True
    )
    return int(done.stdout)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator")
def test_freed_bodies_are_given_back_with_the_threshold_fixed_and_held_without() -> None:
    assert _freed_but_held_mib("default") >= 8  # what the run held before
    assert _freed_but_held_mib("fixed") <= 1
