"""The engine as a child process (QProcess, JSON lines), supervised: a dead engine is restarted and its
documents re-opened; an engine that cannot start (a missing or corrupt model) is reported, not retried.

With `host` set the child is `ssh host longform-engine serve …` (app/remote_engine.py): the same lines and
the same supervision, plus what ssh's own failures mean."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, QTimer, Signal

from app.engine_session import EngineSession
from app.remote_engine import ssh_command, ssh_failure, version_problem
from engine import __version__
from engine.protocol import HelloDone

log = logging.getLogger(__name__)

MAX_RESTARTS = 3  # within RESTART_WINDOW seconds; beyond that the engine is left stopped and the writer told
RESTART_WINDOW = 120.0


def engine_command() -> tuple[str, list[str]]:
    """How to start the engine: this Python with `-m engine`, or the bundled `longform-engine` beside us."""
    if getattr(sys, "frozen", False):  # a PyInstaller bundle (packaging/longform.spec)
        return str(Path(sys.executable).with_name("longform-engine")), []
    return sys.executable, ["-m", "engine"]


class EngineClient(QObject):
    """Starts `longform-engine serve`, sends requests, emits every event it answers with."""

    event = Signal(
        object
    )  # every event from the engine, typed (engine/protocol.py), and `engine_died` errors
    state_changed = Signal(str)  # starting, idle, absorbing, generating, restarting, stopped, error
    notice = Signal(str)  # something the writer should read in the status bar
    failed = Signal(str)  # the engine cannot run (e.g. the model file is unusable); the writer must act

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = EngineSession()
        self.process: QProcess | None = None
        self.model = "default"
        self.threads = 0
        self.window = 1024
        self.host = ""  # where the engine runs: "" this computer, else an ssh destination (user@host)
        # doc -> (a function giving its current text, its Temp-LoRA settings): what to re-open after a restart
        self.documents: dict[str, tuple[Callable[[], str], dict]] = {}
        # doc -> a function giving where the writer's cursor is in that text (None: unknown), so the engine
        # can evaluate the window there before the writer asks for a suggestion
        self.cursors: dict[str, Callable[[], int | None]] = {}
        self.restarts: list[float] = []
        self.stderr_tail: list[str] = []
        self.stopping = False
        self._state = "stopped"

    # -- process -------------------------------------------------------------------------------------------
    def start(self, model: str = "default", threads: int = 0, window: int = 1024, host: str = "") -> None:
        """Start the engine (or restart it with another model, or on another computer)."""
        self.model, self.threads, self.window, self.host = model, threads, window, host
        if self.process is not None:
            self.stop()
        self.stopping = False
        self.stderr_tail = []
        process = QProcess(self)
        env = QProcessEnvironment.systemEnvironment()
        process.setProcessEnvironment(env)
        serve = ["serve", "--model", model, "--window", str(window)]
        if threads:
            serve += ["--threads", str(threads)]
        if host:
            program, arguments = ssh_command(host, serve)
        else:
            program, arguments = engine_command()
            arguments += serve
        process.readyReadStandardOutput.connect(self._read_stdout)
        process.readyReadStandardError.connect(self._read_stderr)
        process.finished.connect(self._finished)
        process.errorOccurred.connect(self._process_error)
        self.process = process
        self._set_state("starting")
        process.start(program, arguments)
        self.send("hello")
        for doc, (text_of, settings) in self.documents.items():
            self.send("open_document", doc=doc, text=text_of(), settings=settings, **self._cursor(doc))

    def stop(self, wait_ms: int = 10000) -> None:
        """Ask the engine to shut down (it deletes every adapter), then wait for it; kill it if it hangs."""
        process, self.process = self.process, None
        self.stopping = True
        if process is None:
            return
        if process.state() != QProcess.ProcessState.NotRunning:
            _, line = self.session.request("shutdown")
            process.write(line)
            process.closeWriteChannel()
            if not process.waitForFinished(wait_ms):
                process.kill()
                process.waitForFinished(2000)
        for event in self.session.abandon_pending():
            self.event.emit(event)
        self._set_state("stopped")

    def pid(self) -> int | None:
        return self.process.processId() if self.process is not None else None

    # -- requests ------------------------------------------------------------------------------------------
    def send(self, kind: str, **fields) -> str | None:
        """Send a request; returns its id (None when no engine is running)."""
        if self.process is None:
            return None
        request_id, line = self.session.request(kind, **fields)
        self.process.write(line)
        self._refresh_state()
        return request_id

    def open_document(
        self,
        doc: str,
        text_of: Callable[[], str],
        settings: dict,
        cursor_of: Callable[[], int | None] | None = None,
    ) -> str | None:
        self.documents[doc] = (text_of, settings)
        if cursor_of is not None:
            self.cursors[doc] = cursor_of
        return self.send("open_document", doc=doc, text=text_of(), settings=settings, **self._cursor(doc))

    def update_document(self, doc: str) -> str | None:
        if doc not in self.documents:
            return None
        return self.send("update_document", doc=doc, text=self.documents[doc][0](), **self._cursor(doc))

    def _cursor(self, doc: str) -> dict:
        cursor = self.cursors[doc]() if doc in self.cursors else None
        return {} if cursor is None else {"cursor": cursor}

    def close_document(self, doc: str) -> str | None:
        self.documents.pop(doc, None)
        self.cursors.pop(doc, None)
        self.session.forget(doc)
        return self.send("close_document", doc=doc)

    # -- events --------------------------------------------------------------------------------------------
    def _read_stdout(self) -> None:
        if self.process is None:
            return
        for event in self.session.feed(bytes(self.process.readAllStandardOutput())):
            problem = isinstance(event, HelloDone) and version_problem(self.host, event.version, __version__)
            if problem:
                self.stop()  # an engine of another version may misread every request: none is sent
                self._give_up(problem)
                return
            self.event.emit(event)
        self._refresh_state()

    def _read_stderr(self) -> None:
        if self.process is None:
            return
        text = bytes(self.process.readAllStandardError()).decode("utf-8", "replace")
        for line in text.splitlines():
            if line.strip():
                log.info("engine: %s", line)
                self.stderr_tail = [*self.stderr_tail[-19:], line]

    def _process_error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            program = "ssh (install OpenSSH's client)" if self.host else engine_command()[0]
            self._give_up(f"The engine could not be started ({program}).")

    def _finished(self, exit_code: int, _status) -> None:
        process = self.sender()
        if process is not self.process or self.stopping:
            return
        self.process = None
        started = bool(self.session.info)
        for event in self.session.abandon_pending():
            self.event.emit(event)
        reason = self.stderr_tail[-1] if self.stderr_tail else f"exit code {exit_code}"
        link = ssh_failure(self.host, exit_code, self.stderr_tail, started) if self.host else None
        if link and not started:
            self._give_up(link)  # no key, no such computer, no engine there: a retry would fail the same way
            return
        if not started and exit_code == 2:
            # The engine refused to start: a bad model or option. Restarting would fail the same way.
            self._give_up(f"The engine could not start: {reason}")
            return
        now = time.monotonic()
        self.restarts = [t for t in self.restarts if now - t < RESTART_WINDOW] + [now]
        if len(self.restarts) > MAX_RESTARTS:
            self._give_up(f"The engine stopped {len(self.restarts)} times in two minutes: {reason}")
            return
        self.notice.emit(link or "The engine stopped unexpectedly; restarting it. Your text is safe.")
        self._set_state("restarting")
        QTimer.singleShot(500, lambda: self.start(self.model, self.threads, self.window, self.host))

    def _give_up(self, message: str) -> None:
        self.process = None
        self._set_state("error")
        self.failed.emit(message)

    def _refresh_state(self) -> None:
        if self.process is not None:
            self._set_state(self.session.state)

    def _set_state(self, state: str) -> None:
        if state != self._state:
            self._state = state
            self.state_changed.emit(state)

    @property
    def state(self) -> str:
        return self._state
