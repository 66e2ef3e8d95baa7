"""When the engine does what: three worker threads sharing one backend, generation first.

- the documents thread opens, updates and closes documents in the order they were asked for (tokenizing a
  10 MB manuscript or waiting for a training step to end never holds up the reader);
- the generator thread serves `continue` / `generate_chapter` one at a time and, when it has nothing to do,
  evaluates the window at the writer's cursor (the warm-up), so Ctrl+Enter finds its prompt processed;
- the absorber thread learns each open document chunk by chunk and exports its adapter.
While a generation (or a warm-up) waits or runs, training pauses at the next layer (Backend.set_pause), so a
`continue` never waits for a whole training step.
"""

from __future__ import annotations

import dataclasses
import logging
import queue
import threading
import time
from collections.abc import Callable

import msgspec

from engine.backend import Abandoned
from engine.chapter_writer import ChapterWriting, chapter_beats
from engine.documents import Document, Documents
from engine.errors import UserError
from engine.freed_memory import release_freed_memory
from engine.generate import Sampling
from engine.protocol import (
    DEFAULT_MAX_TOKENS,
    Absorption,
    ChapterGenerated,
    Continue,
    Error,
    ErrorCode,
    GenerateChapter,
    Generated,
    ProtocolError,
    Request,
    Token,
)

log = logging.getLogger(__name__)

# Keep the window's cache across this many adapter versions (one a learned chunk) before evaluating it
# afresh. Measured on the first 32k tokens of Persuasion (scripts/cache_reuse.py, docs/BENCHMARKS.md,
# "Cache reuse"): the next chunk's perplexity with a cache 1 / 4 / 8 / 16 / 32 versions stale is +0.10% /
# +0.21% / +0.23% / +0.48% / +0.75% over a fresh one; 16 keeps it under 0.5% (a fortieth of the adapter's
# gain) while the writer gets a suggestion at once through 16 learned chunks (~1 minute of absorbing).
REUSE_VERSIONS = 16
WARM_STEP = 64  # tokens a warm-up evaluates between looks at the generation queue
MAX_TOKENS_CAP = 8192


class Scheduler:
    """The worker threads, the requests in flight and the priority of generation over training."""

    def __init__(self, documents: Documents, emit: Callable[[object], None]) -> None:
        self.documents = documents
        self.emit = emit
        # request id -> cancel flag (generations) or None (document work, which cannot be cancelled)
        self.in_flight: dict[str, threading.Event | None] = {}
        self.generation_pending = threading.Event()
        self.generations: queue.Queue = queue.Queue()
        self.document_jobs: queue.Queue = queue.Queue()
        self.wake_absorber = threading.Event()
        self.stopping = threading.Event()
        self.warm_up: tuple[Document, str] | None = None  # the window to evaluate: text up to the cursor
        self.max_tokens: dict[str, int] = {}  # doc -> the length its last suggestion asked for
        self.arrived: dict[str, float] = {}  # generation request id -> when its line was read
        self.absorption_error: str | None = None  # the last failure told to the GUI
        documents.backend.set_pause(self.pause)
        for name, loop in [("documents", self._documents_loop), ("generator", self._generator_loop)]:
            threading.Thread(target=loop, name=name, daemon=True).start()
        threading.Thread(target=self._absorber_loop, name="absorber", daemon=True).start()

    @property
    def backend(self):
        return self.documents.backend

    def answer(
        self, request: Request, job: Callable[[Request], None], failed=ErrorCode.INTERNAL_ERROR
    ) -> None:
        """Run one request's job; any failure becomes that request's `error` (a bug's is `failed`)."""
        try:
            job(request)
        except ProtocolError as e:
            self.emit(Error(id=request.id, code=e.code, message=e.message, request=request.type))
        except UserError as e:
            self.emit(Error(id=request.id, code=e.code, message=str(e), request=request.type))
        except Exception as e:  # a bug must not take the writer's engine down; it is logged in full
            log.exception("request %s failed", request.id)
            message = f"{type(e).__name__}: {e}" if failed == ErrorCode.INTERNAL_ERROR else str(e)
            self.emit(Error(id=request.id, code=failed, message=message, request=request.type))

    # -- document work ---------------------------------------------------------------------------------------
    def queue_document_job(self, request: Request, job: Callable[[Request], None]) -> None:
        """Document work runs in request order on the documents thread; the reader moves on."""
        self.in_flight[request.id] = None
        self.document_jobs.put((request, job))

    def _documents_loop(self) -> None:
        while not self.stopping.is_set():
            try:
                request, job = self.document_jobs.get(timeout=0.2)
            except queue.Empty:
                continue
            try:
                self.answer(request, job)
            finally:
                self.in_flight.pop(request.id, None)

    def warm_soon(self, doc: Document, cursor: int | None) -> None:
        """Ask the generator to evaluate the window ending at the writer's cursor, when it is free."""
        if cursor is not None:
            self.warm_up = (doc, doc.text[: max(0, cursor)])
            self.documents.place_cursor(doc, cursor)

    def forget_warm_up(self, doc: Document) -> None:
        if self.warm_up and self.warm_up[0] is doc:
            self.warm_up = None

    # -- generation ----------------------------------------------------------------------------------------
    def queue_generation(self, request: Continue | GenerateChapter, text: str) -> None:
        self.arrived[request.id] = time.perf_counter()
        self.in_flight[request.id] = threading.Event()
        self.generation_pending.set()
        self.generations.put((request, text))

    def cancel(self, target: str) -> None:
        flag = self.in_flight[target]
        if flag is None:
            raise ProtocolError(ErrorCode.NOT_CANCELLABLE, f"request {target!r} is document work")
        flag.set()

    def _generator_loop(self) -> None:
        while not self.stopping.is_set():
            try:
                request, text = self.generations.get(timeout=0.05)
            except queue.Empty:
                self._warm()
                continue
            try:  # llama.cpp failing ends the generation, not the engine
                self.answer(
                    request, lambda r, text=text: self._generate(r, text), ErrorCode.GENERATION_FAILED
                )
            finally:
                self.in_flight.pop(request.id, None)
                if self.generations.empty():
                    self.generation_pending.clear()

    def _attach_adapter(self, doc: Document) -> int:
        """Attach the document's newest adapter (keeping the window's cache where reuse allows)."""
        path, version = self.documents.adapter(doc)
        self.backend.use_adapter(path, (doc.doc, version), REUSE_VERSIONS)
        return version

    def _warm(self) -> None:
        """Evaluate the window at the writer's cursor, a little at a time, while no generation waits."""
        job = self.warm_up
        if job is None:
            return
        doc, text = job
        if doc.closed:
            self.warm_up = None
            return
        self.generation_pending.set()  # short: training waits at its next layer, as for a generation
        try:
            self._attach_adapter(doc)
            window = self.backend.window_for(text, self.max_tokens.get(doc.doc, DEFAULT_MAX_TOKENS))
            while self.generations.empty() and not self.stopping.is_set() and self.warm_up is job:
                if self.backend.load_window(window, WARM_STEP) == 0:
                    break
            if self.warm_up is job and self.generations.empty():
                self.warm_up = None  # done (else: a request came first, or newer text)
        except Exception:
            log.exception("warming the window failed")
            self.warm_up = None
        finally:
            if self.generations.empty():
                self.generation_pending.clear()

    def _generate(self, request: Continue | GenerateChapter, text: str) -> None:
        cancel = self.in_flight[request.id]
        arrived = self.arrived.pop(request.id, time.perf_counter())
        doc = self.documents.get(request.doc)
        if doc is None:
            raise ProtocolError(ErrorCode.UNKNOWN_DOC, "the document was closed")
        version = self._attach_adapter(doc)
        sampling = Sampling(temperature=request.temperature, top_p=request.top_p, seed=request.seed)
        max_tokens = max(1, min(request.max_tokens, MAX_TOKENS_CAP))
        if isinstance(request, Continue):
            self.max_tokens[doc.doc] = max_tokens
        first = None
        if isinstance(request, GenerateChapter):  # `text` is the manuscript before the chapter

            def section(prompt: str, tokens: int, attempt: int):
                again = dataclasses.replace(sampling, seed=sampling.seed + attempt)  # a retry: another seed
                return self.backend.stream(prompt, tokens, again, cancel.is_set)

            beats, lengths = chapter_beats(request.beats, request.notes, request.beat_tokens)
            lengths = [min(t, MAX_TOKENS_CAP) for t in lengths]
            continuation = ChapterWriting(
                section, text, request.title, beats, max_tokens, beat_tokens=lengths
            )
        else:
            continuation = self.backend.stream(text, max_tokens, sampling, cancel.is_set)
        for piece in continuation:
            first = first or time.perf_counter()
            self.emit(Token(id=request.id, text=piece))
            if cancel.is_set():
                break
        if cancel.is_set():
            # a chapter's own account: the pieces it streamed may hold a paragraph it cut afterwards
            partial = getattr(continuation, "partial", None) or "".join(continuation.pieces)
            self.emit(
                Error(
                    id=request.id,
                    code=ErrorCode.CANCELLED,
                    message="the generation was cancelled",
                    request=request.type,
                    text=partial,
                )
            )
            return
        chapter = {} if isinstance(request, Continue) else {"sections": continuation.sections}
        done = Generated if isinstance(request, Continue) else ChapterGenerated
        self.emit(
            done(
                **chapter,
                id=request.id,
                text=continuation.text,
                tokens=continuation.tokens,
                seconds=round(time.perf_counter() - arrived, 3),
                first_token_seconds=round(first - arrived, 4) if first else None,
                prompt_tokens_evaluated=continuation.evaluated,
                adapter_version=version,
            )
        )

    # -- absorption ----------------------------------------------------------------------------------------
    def pause(self) -> None:
        """Called at every layer of a training step: wait while a generation waits or runs."""
        while self.generation_pending.is_set() and not self.stopping.is_set():
            time.sleep(0.01)
        training = self.documents.training
        if self.stopping.is_set() or (training is not None and training.closed):
            raise Abandoned

    def _absorber_loop(self) -> None:
        while not self.stopping.is_set():
            job = self.documents.next_chunk()
            if job is None:
                self.wake_absorber.wait(0.5)
                self.wake_absorber.clear()
                continue
            try:
                progress = self.documents.absorb(*job, stopping=self.stopping.is_set)
            except Exception as e:
                log.exception("absorption failed")
                said = f"{type(e).__name__}: {e}"
                if said != self.absorption_error:  # said once, not at every retry
                    self.absorption_error = said
                    self.emit(
                        Error(
                            code=ErrorCode.ABSORPTION_FAILED,
                            message=f"learning failed: {said}",
                            doc=job[0].doc,
                        )
                    )
                time.sleep(1)
                continue
            release_freed_memory()  # a chunk's tensors, freed: else the process keeps growing (see module)
            if progress is not None:
                self.emit(Absorption(**msgspec.structs.asdict(progress)))

    def stop(self) -> None:
        self.stopping.set()
        for flag in list(self.in_flight.values()):
            if flag is not None:
                flag.set()
