"""A one-line progress bar on stderr: chunks done/total, loss and ETA."""

from __future__ import annotations

import sys
import time


def format_duration(seconds: float) -> str:
    """H:MM:SS or M:SS."""
    seconds = max(0, round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class ProgressBar:
    """Redraws in place on a terminal; prints one line per update otherwise (logs, CI)."""

    def __init__(self, label: str, stream=None, width: int = 24) -> None:
        self.label, self.width = label, width
        self.stream = stream or sys.stderr
        self.started = time.perf_counter()
        self.tty = self.stream.isatty()

    def update(self, done: int, total: int, **values: float) -> None:
        """Show `done` of `total` with extra named values (e.g. loss=3.2)."""
        elapsed = time.perf_counter() - self.started
        eta = elapsed / done * (total - done) if done else 0.0
        filled = int(self.width * done / max(total, 1))
        bar = "#" * filled + "." * (self.width - filled)
        extras = "  ".join(f"{k} {v:.3f}" for k, v in values.items())
        line = f"{self.label} [{bar}] {done}/{total} chunks  {extras}  ETA {format_duration(eta)}"
        if self.tty:
            self.stream.write("\r" + line + ("\n" if done >= total else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()
