"""`longform-engine serve`: the engine process the desktop app talks to over stdin/stdout (JSON lines).

The transport: the reader (main thread) reads each request line, validates it (engine/protocol.py) and
answers the quick ones (`hello`, `status`, `cancel`, `shutdown`) at once; everything else goes to the
scheduler's threads (engine/scheduler.py), which work on the open documents (engine/documents.py) through
a backend (engine/backend.py: the real model, or a fake in tests).
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable

import msgspec

from engine import __version__
from engine.backend import Backend, ModelBackend
from engine.config import TempLoraConfig
from engine.documents import Document, Documents
from engine.protocol import (
    MAX_LINE_BYTES,
    Cancel,
    Cancelled,
    CloseDocument,
    Continue,
    DocumentClosed,
    DocumentOpened,
    DocumentReset,
    DocumentUpdated,
    Error,
    ErrorCode,
    GenerateChapter,
    Hello,
    HelloDone,
    LoadModel,
    ModelLoaded,
    OpenDocument,
    ProtocolError,
    Request,
    ResetDocument,
    ShutDown,
    Shutdown,
    Status,
    StatusDone,
    UpdateDocument,
    encode,
    parse_request,
)
from engine.scheduler import Scheduler
from engine.store import AdapterStore

log = logging.getLogger(__name__)


class EngineServer:
    """Serves one GUI over a pair of byte streams until shutdown or end of input."""

    def __init__(
        self,
        backend: Backend,
        config: TempLoraConfig,
        new_backend: Callable[[str], Backend] | None = None,
        out=None,
        store: AdapterStore | None = None,
    ) -> None:
        self.out = out or sys.stdout.buffer
        self.out_lock = threading.Lock()
        self.config = config
        self.new_backend = new_backend  # how `load_model` makes a backend (None: it is refused)
        self.documents = Documents(backend, store or AdapterStore())
        self.scheduler = Scheduler(self.documents, self.emit)

    # -- transport -----------------------------------------------------------------------------------------
    def emit(self, event) -> None:
        with self.out_lock:
            try:
                self.out.write(encode(event))
                self.out.flush()
            except (BrokenPipeError, ValueError):
                self.scheduler.stopping.set()

    def serve(self, stream=None) -> int:
        """Read requests until shutdown or end of input; then delete every adapter."""
        stream = stream or sys.stdin.buffer
        try:
            while not self.scheduler.stopping.is_set():
                line = stream.readline(MAX_LINE_BYTES + 1)
                if not line:
                    break  # the GUI is gone
                if len(line) > MAX_LINE_BYTES:
                    message = f"a request line may hold at most {MAX_LINE_BYTES} bytes"
                    self.emit(Error(code=ErrorCode.LINE_TOO_LONG, message=message))
                    while line and not line.endswith(b"\n"):
                        line = stream.readline(MAX_LINE_BYTES)
                    continue
                if line.strip():
                    self.handle_line(line)
        finally:
            self.close()
        return 0

    def handle_line(self, line: bytes) -> None:
        """Answer one request line; whatever goes wrong, the request gets its `error` and serving goes on."""
        try:
            request = parse_request(line)
        except ProtocolError as e:
            self.emit(Error(id=e.request_id, code=e.code, message=e.message, request=e.request))
            return
        if request.id in self.scheduler.in_flight:
            message = f"request {request.id!r} is still in flight"
            self.emit(
                Error(id=request.id, code=ErrorCode.DUPLICATE_ID, message=message, request=request.type)
            )
            return
        self.scheduler.answer(request, getattr(self, f"on_{request.type}"))

    def _document(self, request: Request) -> Document:
        doc = self.documents.get(request.doc)
        if doc is None:
            raise ProtocolError(ErrorCode.UNKNOWN_DOC, f"no open document {request.doc!r}")
        return doc

    def _later(self, request: Request, job: Callable[[Request], None]) -> None:
        self.scheduler.queue_document_job(request, job)

    # -- quick requests ------------------------------------------------------------------------------------
    def on_hello(self, request: Hello) -> None:
        backend = self.documents.backend
        self.emit(
            HelloDone(
                id=request.id,
                version=__version__,
                model=backend.path,
                architecture=backend.architecture,
                device=backend.device,
                threads=backend.threads,
                window=self.config.window,
            )
        )

    def on_status(self, request: Status) -> None:
        with self.documents.lock:
            docs = [self._document(request)] if request.doc else list(self.documents.docs.values())
            progress = [self.documents.progress(d) for d in docs]
        self.emit(StatusDone(id=request.id, documents=progress))

    def on_cancel(self, request: Cancel) -> None:
        if request.target not in self.scheduler.in_flight:
            raise ProtocolError(ErrorCode.UNKNOWN_TARGET, f"no request {request.target!r} in flight")
        self.scheduler.cancel(request.target)
        self.emit(Cancelled(id=request.id))

    def on_shutdown(self, request: Shutdown) -> None:
        self.scheduler.stop()
        self.close()
        self.emit(ShutDown(id=request.id))

    # -- document work (in request order, on the documents thread) -------------------------------------------
    def on_open_document(self, request: OpenDocument) -> None:
        if self.documents.get(request.doc) is not None:
            raise ProtocolError(ErrorCode.DOC_OPEN, f"document {request.doc!r} is already open")
        settings = {k: v for k, v in request.settings.items() if k != "window"}
        try:
            config = self.config.replace(**settings)
        except (TypeError, ValueError) as e:
            raise ProtocolError(ErrorCode.BAD_REQUEST, f"bad settings: {e}") from None
        self.documents.register(request.doc, request.text, config)
        self._later(request, self._open_document)

    def _open_document(self, request: OpenDocument) -> None:
        doc = self._document(request)
        chunks_total = self.documents.tokenize(doc)
        self.emit(
            DocumentOpened(id=request.id, doc=doc.doc, tokens=len(doc.tokens), chunks_total=chunks_total)
        )
        self.scheduler.warm_soon(doc, request.cursor)  # first: the absorber starts at the writer's place
        self.scheduler.wake_absorber.set()

    def on_update_document(self, request: UpdateDocument) -> None:
        self._document(request)
        self._later(request, self._update_document)

    def _update_document(self, request: UpdateDocument) -> None:
        doc = self._document(request)
        progress = self.documents.update(doc, request.text)
        new_chunks = progress.chunks_total - progress.chunks_absorbed
        fields = msgspec.structs.asdict(progress) | {"loss": None}  # a loss comes with a learned chunk only
        self.emit(DocumentUpdated(id=request.id, new_chunks=new_chunks, **fields))
        self.scheduler.warm_soon(doc, request.cursor)  # first: the absorber starts at the writer's place
        self.scheduler.wake_absorber.set()

    def on_reset_document(self, request: ResetDocument) -> None:
        self._document(request)
        self._later(request, self._reset_document)

    def _reset_document(self, request: ResetDocument) -> None:
        self.documents.reset(self._document(request))
        self.emit(DocumentReset(id=request.id))
        self.scheduler.wake_absorber.set()

    def on_close_document(self, request: CloseDocument) -> None:
        self._document(request)
        self._later(request, self._close_document)

    def _close_document(self, request: CloseDocument) -> None:
        doc = self._document(request)
        self.scheduler.forget_warm_up(doc)
        self.documents.close(doc)  # the training step on it is abandoned at its next layer
        self.emit(DocumentClosed(id=request.id, doc=doc.doc, adapter_deleted=True))

    def on_load_model(self, request: LoadModel) -> None:
        self._later(request, self._load_model)

    def _load_model(self, request: LoadModel) -> None:
        if self.new_backend is None:
            raise ProtocolError(ErrorCode.BAD_REQUEST, "this engine cannot load another model")
        old = self.documents.swap_backend(self.new_backend(request.model))  # every document re-absorbs
        self.documents.backend.set_pause(self.scheduler.pause)
        old.close()
        self.emit(ModelLoaded(id=request.id, model=self.documents.backend.path))
        self.scheduler.wake_absorber.set()

    # -- generation (on the generator thread) ----------------------------------------------------------------
    def on_continue(self, request: Continue) -> None:
        self._document(request)
        self.scheduler.queue_generation(request, request.text)

    def on_generate_chapter(self, request: GenerateChapter) -> None:
        """A new chapter after the manuscript (or after `text`, the manuscript before where it goes),
        written beat by beat under its heading (engine/chapter_writer.py)."""
        doc = self._document(request)
        self.scheduler.queue_generation(request, doc.text if request.text is None else request.text)

    def close(self) -> None:
        """Delete every adapter (idempotent); waits for an export in progress so none is left behind."""
        # Generations are cancelled too: after the end of input (the app gone, or an ssh link dropped) no
        # one reads their tokens, and a long one would keep the process, and its session folder, for minutes.
        self.scheduler.stop()
        self.documents.close_all()


def run_server(model_spec: str, threads: int | None, config: TempLoraConfig | None = None) -> int:
    """Entry point of `longform-engine serve`."""
    config = config or TempLoraConfig()
    server = EngineServer(
        ModelBackend(model_spec, config, threads=threads),
        config,
        new_backend=lambda spec: ModelBackend(spec, config, threads=threads),
    )
    return server.serve()
