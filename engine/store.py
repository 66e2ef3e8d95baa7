"""The adapter store: temporary adapters live only in this engine process's session folder.

`<cache>/sessions/session-<pid>/<doc>.gguf`, created 0700 with files 0600. A document's adapter is deleted
when the document closes, the whole folder when the engine exits (normally, on SIGTERM/SIGINT, or when its
stdin closes), and folders of engines that died without cleaning up (kill -9) are deleted when the next
engine starts.

A running engine holds an flock on its session folder; the operating system drops it when the process ends,
however it ends. So a folder whose lock can be taken belongs to no live engine, whatever process now has
its pid (a pid's command line proves nothing: any process may be named "engine").
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import hashlib
import logging
import os
import re
import shutil
import signal
import time
from pathlib import Path

from engine import paths

log = logging.getLogger(__name__)

_SESSION = re.compile(r"^session-(\d+)$")
_held: dict[Path, int] = {}  # this process's session folders -> the descriptor holding each one's lock


def sessions_dir() -> Path:
    """Parent folder of every engine's session folder."""
    return paths.cache_dir() / "sessions"


def _lock(folder: Path) -> int | None:
    """An open descriptor of `folder` holding its exclusive lock, or None while another process holds it."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def remove_stale_sessions() -> list[Path]:
    """Delete the session folders that no live engine holds; returns what was removed."""
    removed = []
    root = sessions_dir()
    if not root.is_dir():
        return removed
    for folder in root.iterdir():
        if not _SESSION.match(folder.name) or folder in _held:
            continue
        try:
            fd = _lock(folder)
        except FileNotFoundError:
            continue  # removed meanwhile by another engine starting
        if fd is None:
            continue  # a live engine's
        try:
            shutil.rmtree(folder, ignore_errors=True)  # under the lock: no engine can take it meanwhile
        finally:
            os.close(fd)
        removed.append(folder)
        log.info("removed adapters of a dead engine: %s", folder)
    return removed


def _hold(folder: Path) -> int:
    """Create `folder` and take its lock for as long as this process runs (or the store closes)."""
    while True:
        try:
            fd = _lock(paths.private_dir(folder))
        except FileNotFoundError:
            continue  # another engine's cleaning removed it before it was locked: make it again
        if fd is None:
            time.sleep(0.01)  # another engine, cleaning up a dead one of this pid, holds it for a moment
            continue
        try:
            if os.path.samestat(os.fstat(fd), os.stat(folder)):
                return fd
        except FileNotFoundError:
            pass
        os.close(fd)  # the lock is on a folder that cleaning has just removed: make it again


class AdapterStore:
    """This process's session folder, with one adapter file per document."""

    def __init__(self) -> None:
        remove_stale_sessions()
        self.folder = paths.private_dir(sessions_dir()) / f"session-{os.getpid()}"
        if self.folder not in _held:  # another store of this process holds it already
            _held[self.folder] = _hold(self.folder)
        self._closed = False
        atexit.register(self.close)
        _install_signal_cleanup(self)

    def path_for(self, doc: str) -> Path:
        """The adapter file of a document (document ids may hold any characters; file names don't)."""
        safe = re.sub(r"[^A-Za-z0-9_-]", "_", doc)[:40]
        digest = hashlib.sha256(doc.encode()).hexdigest()[:12]
        return self.folder / f"{safe}-{digest}.gguf"

    def delete(self, doc: str) -> None:
        """Delete a document's adapter file, if any."""
        self.path_for(doc).unlink(missing_ok=True)

    def close(self) -> None:
        """Delete the whole session folder."""
        if not self._closed:
            self._closed = True
            shutil.rmtree(self.folder, ignore_errors=True)
            fd = _held.pop(self.folder, None)
            if fd is not None:
                os.close(fd)  # which releases the lock


_stores: list[AdapterStore] = []


def _install_signal_cleanup(store: AdapterStore) -> None:
    """On SIGTERM/SIGINT delete the adapters, then die of the signal as the sender expects."""
    _stores.append(store)
    if len(_stores) > 1:
        return

    def handler(signum, frame):
        for s in _stores:
            s.close()
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        with contextlib.suppress(ValueError):  # not the main thread (e.g. a test runner's worker)
            signal.signal(sig, handler)
