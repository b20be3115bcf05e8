"""The C allocator's settings for a ``linkrescue`` process (glibc only).

glibc serves an allocation of 128 KiB or more with its own ``mmap`` and gives it back on
``free`` — until the first such block is freed: then it raises that threshold to the
block's size (up to 32 MiB), and later large blocks come from the heap, whose freed
space stays with the process. A rescue reads archive bodies of a few hundred KiB on
eight threads, each thread with an arena of its own; at 50,000 articles the main
process ended up holding 24-41 MiB of freed heap through the fetching, 218 MiB RSS
against 196 with the threshold fixed (issue 12, item 9; ``MALLOC_MMAP_THRESHOLD_``
gives the same from the environment). Fixing the threshold (``M_MMAP_THRESHOLD``)
also stops the adjustment, which is all this does.

Process-wide, so only the command line's own process sets it (:func:`~linkrescue.crawler.cli.main`),
never a program that calls linkrescue's functions. Elsewhere than glibc it does nothing.
"""

from __future__ import annotations

import ctypes
import sys

#: ``mallopt`` parameter number of ``M_MMAP_THRESHOLD`` (glibc ``malloc.h``).
M_MMAP_THRESHOLD = -3
#: glibc's default threshold, kept fixed.
MMAP_THRESHOLD = 128 * 1024


def fix_mmap_threshold() -> bool:
    """Keep large allocations on their own ``mmap`` (returned to the system when freed);
    whether the allocator took the setting."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the process's own symbols: libc's among them
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD))
