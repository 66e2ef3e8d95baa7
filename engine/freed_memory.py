"""Giving freed memory back to the system, so the engine's size follows what it holds.

Training allocates and frees tensors of many sizes from several threads (the absorber, generation, the
protocol), and glibc's malloc keeps what is freed in per-thread arenas, fragmented: the engine process of
the 300-cycle soak (tests/app/test_soak.py) grew by 0.9–1.5 GB on an AMX CPU while holding nothing new.
`malloc_trim(0)` hands the free pages back; elsewhere (no glibc) this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools


@functools.cache
def _libc():
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None


def release_freed_memory() -> None:
    """Return malloc's free pages to the system (glibc), at once; a no-op where there is no malloc_trim."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
