"""One app per library: a lock file beside the database, held for as long as the app runs.

The lock is an flock, so the operating system releases it when the process ends, however it ends (a
crashed or killed app never leaves the library locked).
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


class LibraryInUse(Exception):
    """Another Longform has this library open."""


class LibraryLock:
    """Held while the app runs; `release()` (or the process ending) lets another app open the library."""

    def __init__(self, library: Path) -> None:
        self.path = library.with_name("library.lock")
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(self.fd, 32, 0).decode(errors="replace").strip()
            os.close(self.fd)
            raise LibraryInUse(
                "This library is already open in another Longform window"
                + (f" (process {holder})" if holder else "")
                + ". Switch to that window, or close it first."
            ) from None
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, str(os.getpid()).encode(), 0)

    def release(self) -> None:
        if self.fd >= 0:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = -1
