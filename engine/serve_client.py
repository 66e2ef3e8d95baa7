"""A plain subprocess client for `longform-engine serve`, for benchmarks and tests (the GUI has its own)."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path


class EngineProcess:
    """The engine as the GUI sees it: request lines in, event lines out."""

    def __init__(self, home: Path | None = None, threads: int | None = 2, model: str = "default") -> None:
        env = dict(os.environ)
        if home is not None:
            env["LONGFORM_HOME"] = str(home)
        command = [sys.executable, "-m", "engine", "serve", "--model", model]
        if threads:
            command += ["--threads", str(threads)]
        self.proc = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env
        )
        self.events: queue.Queue = queue.Queue()
        self.seen: list[dict] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.events.put((time.perf_counter(), json.loads(line)))

    def send_raw(self, data: bytes) -> None:
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def send(self, **request) -> float:
        """Send one request; returns the time it was sent (perf_counter)."""
        sent = time.perf_counter()
        self.send_raw(json.dumps(request).encode() + b"\n")
        return sent

    def wait_for_timed(self, predicate, timeout: float = 300) -> tuple[float, dict]:
        """The first event (and when it arrived) matching predicate; others are kept for later waits."""
        deadline = time.monotonic() + timeout
        for item in self.seen:
            if predicate(item[1]):
                self.seen.remove(item)
                return item
        while True:
            item = self.events.get(timeout=max(0.01, deadline - time.monotonic()))
            if predicate(item[1]):
                return item
            self.seen.append(item)

    def wait_for(self, predicate, timeout: float = 300) -> dict:
        return self.wait_for_timed(predicate, timeout)[1]

    def finished(self, request_id: str, timeout: float = 300) -> dict:
        """The `done` or `error` that ends a request."""
        return self.wait_for(lambda e: e["id"] == request_id and e["type"] in ("done", "error"), timeout)

    def request(self, timeout: float = 300, **request) -> dict:
        self.send(**request)
        return self.finished(request["id"], timeout)

    def stop(self) -> int:
        """Shut the engine down politely, or kill it if it does not answer."""
        if self.proc.poll() is None:
            try:
                self.request(id="__shutdown__", type="shutdown", timeout=60)
                return self.proc.wait(timeout=60)
            except (queue.Empty, subprocess.TimeoutExpired, BrokenPipeError):
                self.proc.kill()
        return self.proc.wait()
