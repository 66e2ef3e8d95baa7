"""Smoke test of the bundle (dist/longform/): run it as a novelist's machine would, without Python.

1. The bundled `longform --smoke-test` opens its window (under xvfb-run when there is no display) and waits
   for the bundled engine, twice: with a fresh LONGFORM_HOME (the cold start: the engine caches the model)
   and again with the same one (the everyday start). The times are measured from the program's launch.
2. The bundled `longform-engine serve` answers `hello` over stdin/stdout (docs/PROTOCOL.md), absorbs a
   document (an `absorption` event, its adapter on disk), deletes the adapter on `close_document`, and
   leaves no session folder after `shutdown`.

Usage: `python packaging/smoke.py [dist/longform]`; exit status 0 when everything passed.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

TIMEOUT = 300  # seconds for any one step; the cold start of a bundle on 2 busy cores takes ~30
# A document of a few hundred tokens: the engine trains the opening in 128-token chunks.
STORY = " ".join(
    f"Chapter {n}. Mrs Hartley walked down to the harbour at Lyme, where the fishing boats of the Cobb lay "
    f"drawn up on the shingle, and thought of the letter from her brother Captain Wentworth."
    for n in range(1, 13)
)


class Failed(Exception):
    pass


def say(line: str) -> None:
    print(f"smoke: {line}", flush=True)


def bundle_size(folder: Path) -> str:
    files = [p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()]
    return f"{sum(p.stat().st_size for p in files) / 1e6:.0f} MB in {len(files)} files"


def timed_lines(process: subprocess.Popen) -> queue.Queue:
    """The process's stdout lines, each with the seconds since `started` when it arrived."""
    lines: queue.Queue = queue.Queue()

    def read() -> None:
        for line in process.stdout:
            lines.put((time.monotonic(), line.rstrip("\n")))
        lines.put((time.monotonic(), None))

    threading.Thread(target=read, daemon=True).start()
    return lines


def next_line(lines: queue.Queue, until: float) -> tuple[float, str | None]:
    try:
        return lines.get(timeout=max(0.1, until - time.monotonic()))
    except queue.Empty:
        raise Failed("timed out waiting for the program's output") from None


def start_app(bundle: Path, home: Path) -> dict[str, float]:
    """Run `longform --smoke-test`; the seconds from launch to each line it reports."""
    command = [str(bundle / "longform"), "--smoke-test"]
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        if not shutil.which("xvfb-run"):
            raise Failed("no display and no xvfb-run (apt-get install -y xvfb)")
        command = ["xvfb-run", "-a", "-s", "-screen 0 1280x860x24", *command]
    env = {**os.environ, "LONGFORM_HOME": str(home)}
    env.pop("QT_QPA_PLATFORM", None)  # the real window, on the X server
    log = home.parent / "app-stderr.txt"
    with open(log, "w") as stderr:
        launched = time.monotonic()
        app = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=stderr, text=True)
        lines, seen = timed_lines(app), {}
        until = launched + TIMEOUT
        while (item := next_line(lines, until))[1] is not None:
            at, line = item
            seen[" ".join(line.split()[:2])] = at - launched  # "window shown", "engine ready"…
            say(f"  {at - launched:5.1f} s  {line}")
        status = app.wait(timeout=60)
    if status != 0 or "window shown" not in seen or "engine ready" not in seen:
        raise Failed(f"longform --smoke-test exited {status}: {log.read_text()[-2000:]}")
    return seen


class Engine:
    """The bundled `longform-engine serve`, spoken to in JSON lines."""

    def __init__(self, bundle: Path, home: Path) -> None:
        self.log = home.parent / "engine-stderr.txt"
        self.launched = time.monotonic()
        with open(self.log, "w") as stderr:
            self.process = subprocess.Popen(
                [str(bundle / "longform-engine"), "serve"],
                env={**os.environ, "LONGFORM_HOME": str(home)},
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
            )
        self.lines = timed_lines(self.process)
        self.ids = 0

    def send(self, kind: str, **fields) -> str:
        self.ids += 1
        self.process.stdin.write(json.dumps({"id": str(self.ids), "type": kind, **fields}) + "\n")
        self.process.stdin.flush()
        return str(self.ids)

    def wait_for(self, test) -> tuple[float, dict]:
        """The first event `test` accepts (an `error` fails the smoke test), and when it came."""
        until = time.monotonic() + TIMEOUT
        while True:
            at, line = next_line(self.lines, until)
            if line is None:
                raise Failed(f"the engine exited ({self.process.wait()}): {self.log.read_text()[-2000:]}")
            event = json.loads(line)
            if event.get("type") == "error":
                raise Failed(f"the engine answered an error: {event}")
            if test(event):
                return at - self.launched, event

    def answer(self, request_id: str) -> tuple[float, dict]:
        return self.wait_for(lambda e: e.get("id") == request_id and e.get("type") == "done")


def check_engine(bundle: Path, home: Path) -> None:
    engine = Engine(bundle, home)
    seconds, hello = engine.answer(engine.send("hello"))
    say(f"engine answered hello after {seconds:.1f} s: model {Path(hello['model']).name}, {hello['device']}")
    doc = "smoke-novel"
    engine.send("open_document", doc=doc, text=STORY)
    seconds, event = engine.wait_for(lambda e: e.get("type") == "absorption" and e.get("doc") == doc)
    chunks = f"chunk {event['chunks_absorbed']} of {event['chunks_total']}"
    say(f"absorption event after {seconds:.1f} s ({chunks}), adapter version {event['adapter_version']}")
    sessions = home / "cache" / "sessions"  # each engine's session folder is in here (engine/store.py)
    adapters = list(sessions.glob("*/*.gguf"))
    if len(adapters) != 1:
        raise Failed(f"after an absorption event the session folders hold {adapters}, not one adapter")
    say(f"the adapter is on disk: {adapters[0].relative_to(home)}")
    _, closed = engine.answer(engine.send("close_document", doc=doc))
    if not closed.get("adapter_deleted") or adapters[0].exists():
        raise Failed(f"close_document left the adapter: {closed}, {adapters[0].exists()}")
    say("close_document deleted the adapter")
    engine.answer(engine.send("shutdown"))
    engine.process.stdin.close()
    if (status := engine.process.wait(timeout=60)) != 0:
        raise Failed(f"the engine exited {status} after shutdown")
    if adapters[0].parent.exists():
        raise Failed(f"the session folder {adapters[0].parent} is still there after shutdown")
    say("shutdown removed the session folder")


def main() -> int:
    bundle = Path(sys.argv[1] if len(sys.argv) > 1 else "dist/longform").resolve()
    if not (bundle / "longform").is_file():
        print(f"smoke: no bundle at {bundle} (bash packaging/build.sh builds it)", file=sys.stderr)
        return 2
    say(f"bundle {bundle}: {bundle_size(bundle)}")
    with tempfile.TemporaryDirectory(prefix="longform-smoke-") as tmp:
        home = Path(tmp) / "home"
        try:
            for start in ("cold start (fresh LONGFORM_HOME)", "second start"):
                say(start)
                times = start_app(bundle, home)
                say(
                    f"{start}: window shown {times['window shown']:.1f} s, "
                    f"engine ready {times['engine ready']:.1f} s after launch"
                )
            check_engine(bundle, home)
        except Failed as e:
            print(f"smoke: FAILED: {e}", file=sys.stderr)
            return 1
    say("passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
