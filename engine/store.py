"""The adapter store: temporary adapters live only in this engine process's session folder.

`<cache>/sessions/session-<pid>/<doc>.gguf`, created 0700 with files 0600. A document's adapter is deleted
when the document closes, the whole folder when the engine exits (normally, on SIGTERM/SIGINT, or when its
stdin closes), and folders of engines that died without cleaning up (kill -9) are deleted when the next
engine starts.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import logging
import os
import re
import shutil
import signal
from pathlib import Path

from engine import paths

log = logging.getLogger(__name__)

_SESSION = re.compile(r"^session-(\d+)$")


def sessions_dir() -> Path:
    """Parent folder of every engine's session folder."""
    return paths.cache_dir() / "sessions"


def _engine_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process: not ours to judge
    # A recycled pid belongs to some other program; only a Longform engine keeps its folder.
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True
    return b"engine" in cmdline or b"longform" in cmdline


def remove_stale_sessions() -> list[Path]:
    """Delete the session folders of engines that no longer run; returns what was removed."""
    removed = []
    root = sessions_dir()
    if not root.is_dir():
        return removed
    for folder in root.iterdir():
        match = _SESSION.match(folder.name)
        if match and not _engine_alive(int(match.group(1))):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
            log.info("removed adapters of a dead engine: %s", folder)
    return removed


class AdapterStore:
    """This process's session folder, with one adapter file per document."""

    def __init__(self) -> None:
        remove_stale_sessions()
        self.folder = paths.private_dir(sessions_dir()) / f"session-{os.getpid()}"
        paths.private_dir(self.folder)
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
