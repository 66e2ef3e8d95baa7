"""An engine client with no engine process, for tests of the window's logic (as simonw/llm's MockModel).

It answers `hello` and the document requests at once, as an engine with nothing to learn would. A
generation streams only when the test says so (`stream`, `finish`), so a test decides what happens between
two tokens; a cancel is noted and answered when the generation is finished, and tokens may still come after
it, as they do from the real engine. Everything goes through the real EngineSession, so the client's state
(starting, idle, generating) is worked out as for the real engine.
"""

from __future__ import annotations

import json

from app.engine_client import EngineClient
from app.engine_session import GENERATIONS


class FakeEngine(EngineClient):
    """EngineClient whose engine is this object."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.running = False
        self.requests: list[dict] = []  # every request, as the engine would have read it
        self.streaming: list[str] = []  # generations not yet finished, oldest first (one runs at a time)
        self.cancelled: set[str] = set()

    def start(self, model: str = "default", threads: int = 0, window: int = 1024) -> None:
        self.running = True
        self.send("hello")
        for doc, (text_of, settings) in self.documents.items():
            self.send("open_document", doc=doc, text=text_of(), settings=settings)

    def stop(self, wait_ms: int = 10000) -> None:
        self._die()
        self._set_state("stopped")

    def crash(self) -> None:
        """The engine dies; the client restarts it and re-opens its documents (without the delay)."""
        self._die()
        self.notice.emit("The engine stopped unexpectedly; restarting it. Your text is safe.")
        self._set_state("restarting")
        self.start(self.model, self.threads, self.window)

    def pid(self) -> int | None:
        return None

    def send(self, kind: str, **fields) -> str | None:
        if not self.running:
            return None
        request_id, line = self.session.request(kind, **fields)
        self.requests.append(json.loads(line))
        if kind in GENERATIONS:
            self.streaming.append(request_id)
        elif kind == "cancel":
            self.cancelled.add(fields.get("target"))
        elif kind == "hello":
            self._answer({"id": request_id, "type": "done", "model": "fake"})
        elif kind in ("open_document", "update_document"):
            self._answer({"id": request_id, "type": "done", "doc": fields["doc"], "chunks_total": 0})
        else:
            self._answer({"id": request_id, "type": "done"})
        self._refresh_state()
        return request_id

    def stream(self, text: str) -> str | None:
        """The generation running now sends a token; returns its id (None: nothing is generating)."""
        if not self.streaming:
            return None
        self._answer({"id": self.streaming[0], "type": "token", "text": text})
        return self.streaming[0]

    def finish(self) -> str | None:
        """The generation running now ends (`done`, or `error` cancelled if it was cancelled)."""
        if not self.streaming:
            return None
        request_id = self.streaming.pop(0)
        if request_id in self.cancelled:
            self._answer({"id": request_id, "type": "error", "code": "cancelled", "message": "cancelled"})
        else:
            self._answer({"id": request_id, "type": "done", "tokens": 0})
        return request_id

    def _answer(self, event: dict) -> None:
        for parsed in self.session.feed((json.dumps(event) + "\n").encode("utf-8")):
            self.event.emit(parsed)
        self._refresh_state()

    def _die(self) -> None:
        self.running = False
        self.streaming, self.cancelled = [], set()
        for event in self.session.abandon_pending():
            self.event.emit(event)

    def _refresh_state(self) -> None:
        if self.running:
            self._set_state(self.session.state)
