"""An engine client with no engine process, for tests of the window's logic (as simonw/llm's MockModel).

It answers `hello` and the document requests at once, as an engine with nothing to learn would. A
generation streams only when the test says so (`stream`, `finish`), so a test decides what happens between
two tokens; a cancel is noted and answered when the generation is finished, and tokens may still come after
it, as they do from the real engine. Everything goes through the real EngineSession, so the client's state
(starting, idle, generating) is worked out as for the real engine.
"""

from __future__ import annotations

import json

import msgspec

from app.engine_client import EngineClient
from engine import protocol
from engine.protocol import GENERATIONS

HELLO = {
    "version": "0.1.0",
    "model": "fake",
    "architecture": "llama",
    "device": "cpu",
    "threads": 1,
    "window": 1024,
}


class FakeEngine(EngineClient):
    """EngineClient whose engine is this object."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.running = False
        self.requests: list[dict] = []  # every request, as the engine would have read it
        self.streaming: list[str] = []  # generations not yet finished, oldest first (one runs at a time)
        self.cancelled: set[str] = set()
        self.streamed: dict[str, str] = {}  # generation id -> the text streamed so far
        # The absorption fields an update is answered with, from the text sent (None: nothing to learn).
        self.progress_of = None

    def start(self, model: str = "default", threads: int = 0, window: int = 1024, host: str = "") -> None:
        self.host = host
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
        self.start(self.model, self.threads, self.window, self.host)

    def pid(self) -> int | None:
        return None

    def send(self, kind: str, **fields) -> str | None:
        if not self.running:
            return None
        request_id, line = self.session.request(kind, **fields)
        self.requests.append(json.loads(line))
        if kind in GENERATIONS:
            self.streaming.append(request_id)
            return request_id
        if kind == "cancel":
            self.cancelled.add(fields.get("target"))
        progress = self.progress_of(fields["text"]) if kind == "update_document" and self.progress_of else {}
        self._answer(protocol.encode(self._done(request_id, kind, {**fields, "progress": progress})))
        self._refresh_state()
        return request_id

    @staticmethod
    def _done(request_id: str, kind: str, fields: dict):
        """The answer of an engine with nothing to learn."""
        nothing = {"chunks_absorbed": 0, "chunks_total": 0, "work_absorbed": 0, "work_total": 0}
        nothing |= {"learnable_tokens": 0, "unlearned": [], "adapter_version": 0}
        done = protocol.DONES[kind]
        if kind == "hello":
            return done(id=request_id, **HELLO)
        if kind == "open_document":
            return done(id=request_id, doc=fields["doc"], tokens=0, chunks_total=0)
        if kind == "update_document":
            return done(id=request_id, doc=fields["doc"], new_chunks=0, **(nothing | fields["progress"]))
        if kind == "close_document":
            return done(id=request_id, doc=fields["doc"], adapter_deleted=True)
        if kind == "load_model":
            return done(id=request_id, model=fields["model"])
        if kind == "status":
            return done(id=request_id, documents=[])
        return done(id=request_id)

    def stream(self, text: str) -> str | None:
        """The generation running now sends a token; returns its id (None: nothing is generating)."""
        if not self.streaming:
            return None
        self.streamed[self.streaming[0]] = self.streamed.get(self.streaming[0], "") + text
        self._answer(protocol.encode(protocol.Token(id=self.streaming[0], text=text)))
        return self.streaming[0]

    def finish(self, text: str | None = None) -> str | None:
        """The generation running now ends (`done`, or `error` cancelled if it was cancelled), with `text`
        as its final text (default: what it streamed)."""
        if not self.streaming:
            return None
        request_id = self.streaming.pop(0)
        streamed = self.streamed.pop(request_id, "")
        text = streamed if text is None else text
        if request_id in self.cancelled:
            kind = self.session.pending.get(request_id)
            message = protocol.Error(
                id=request_id, code="cancelled", message="cancelled", text=text, request=kind
            )
        else:
            numbers = {"seconds": 0.0, "first_token_seconds": None, "prompt_tokens_evaluated": 0}
            done = protocol.DONES[self.session.pending.get(request_id, "continue")]
            message = done(id=request_id, text=text, tokens=0, adapter_version=0, **numbers)
        self._answer(protocol.encode(message))
        return request_id

    def absorbed(self, progress: protocol.DocumentProgress) -> None:
        """The engine learned a chunk: its absorption event, with these fields."""
        self._answer(protocol.encode(protocol.Absorption(**msgspec.structs.asdict(progress))))

    def _answer(self, line: bytes) -> None:
        for parsed in self.session.feed(line):
            self.event.emit(parsed)
        self._refresh_state()

    def _die(self) -> None:
        self.running = False
        self.streaming, self.cancelled, self.streamed = [], set(), {}
        for event in self.session.abandon_pending():
            self.event.emit(event)

    def _refresh_state(self) -> None:
        if self.running:
            self._set_state(self.session.state)
